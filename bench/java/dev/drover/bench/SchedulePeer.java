package dev.drover.bench;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.post;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.drover.config.DroverConfig;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The peer of {@link ScheduleBench}: Pekko HTTP answering {@code POST /pipelines/schedule} with
 * a 202 and a fresh job id after parsing the JSON body, and nothing else: no token check, no
 * queue, no journal. What the HTTP stack alone reaches on this machine.
 */
public final class SchedulePeer {
  private SchedulePeer() {}

  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "peer",
        ConfigFactory.parseString("pekko.actor.provider = local")
            .withFallback(DroverConfig.load()));
    ObjectMapper json = new ObjectMapper();
    Route route = concat(
        path(PathMatchers.segment("pipelines").slash("schedule"), () -> post(() ->
            entity(Unmarshaller.entityToString(), body -> {
              try {
                JsonNode request = json.readTree(body);
                if (!request.hasNonNull("pipeline")) {
                  return complete(StatusCodes.BAD_REQUEST);
                }
              } catch (Exception e) {
                return complete(StatusCodes.BAD_REQUEST);
              }
              return complete(StatusCodes.ACCEPTED, HttpEntities.create(
                  ContentTypes.APPLICATION_JSON, "{\"jobId\":\"" + UUID.randomUUID() + "\"}"));
            }))),
        path("pipelines", () -> get(() -> complete(HttpEntities.create(
            ContentTypes.APPLICATION_JSON, "{\"pipelines\":[]}")))));
    Http.get(system).newServerAt("127.0.0.1", port).bind(route);
  }
}
