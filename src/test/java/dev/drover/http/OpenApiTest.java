package dev.drover.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document served at /openapi.yaml against the routes the server really has: every
 * documented operation is routed, every route is documented, and the document says which routes
 * need no JWT.
 */
class OpenApiTest {
  private static final Set<String> METHODS =
      Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
  private static ActorSystem<Void> system;
  private static ApiFixture http;
  private static JsonNode document;

  @BeforeAll
  static void start() throws Exception {
    system = ApiFixture.system("openapi-test");
    http = new ApiFixture(system, new FakePipelineApi().holdTasks());
    HttpResponse<String> served = http.get(HttpRoutes.OPENAPI_PATH);
    assertThat(served.statusCode()).isEqualTo(200);
    assertThat(served.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/yaml");
    document = new YAMLMapper().readTree(served.body());
  }

  @AfterAll
  static void stop() {
    http.close();
    system.terminate();
  }

  /** "GET /api/v1/jobs/{id}" for each operation of the document. */
  private static Set<String> documented() {
    Set<String> operations = new TreeSet<>();
    for (Map.Entry<String, JsonNode> path : document.get("paths").properties()) {
      for (Map.Entry<String, JsonNode> operation : path.getValue().properties()) {
        if (METHODS.contains(operation.getKey())) {
          operations.add(operation.getKey().toUpperCase() + " " + path.getKey());
        }
      }
    }
    return operations;
  }

  @Test
  void theDocumentIsOpenApi3() {
    // given the served document
    // then it is OpenAPI 3 with the two ways to send a token
    assertThat(document.get("openapi").asText()).startsWith("3.");
    assertThat(document.at("/components/securitySchemes/bearerToken/scheme").asText())
        .isEqualTo("bearer");
    assertThat(document.at("/components/securitySchemes/jwtCookie/name").asText())
        .isEqualTo("jwt");
  }

  @Test
  void everyRouteIsDocumentedAndEveryDocumentedOperationIsARoute() {
    // given the routes the server registered
    Set<String> routes = new TreeSet<>();
    http.server.endpoints().forEach(e -> routes.add(e.method() + " " + e.path()));

    // then they are exactly the documented operations
    assertThat(routes).isNotEmpty().isEqualTo(documented());
  }

  @Test
  void onlyTheRoutesThatNeedNoJwtAreDocumentedWithoutJwt() {
    // given the routes authorised by a callback token, or open to anyone (signing in and out)
    Set<String> callbacks = new TreeSet<>();
    http.server.endpoints().stream().filter(e -> e.auth() != RouteTable.Auth.JWT)
        .forEach(e -> callbacks.add(e.method() + " " + e.path()));

    // then exactly these have an empty security requirement in the document
    Set<String> open = new TreeSet<>();
    for (Map.Entry<String, JsonNode> path : document.get("paths").properties()) {
      for (Map.Entry<String, JsonNode> operation : path.getValue().properties()) {
        JsonNode security = operation.getValue().get("security");
        if (security != null && security.isArray() && security.isEmpty()) {
          open.add(operation.getKey().toUpperCase() + " " + path.getKey());
        }
      }
    }
    assertThat(open).isEqualTo(callbacks).isNotEmpty();
  }

  @Test
  void everyDocumentedOperationIsAnsweredByARoute() throws Exception {
    // given a job, so that documented paths can name one
    UUID job = http.schedule();

    // when each documented operation is called with a token, its path parameters filled in
    List<String> unrouted = new ArrayList<>();
    for (String operation : documented()) {
      String method = operation.substring(0, operation.indexOf(' '));
      String path = operation.substring(operation.indexOf(' ') + 1)
          .replace("{id}", job.toString()).replace("{task}", "build").replace("{kind}", "shell");
      boolean hasBody = document.get("paths").get(operation.substring(method.length() + 1))
          .get(method.toLowerCase()).has("requestBody");
      HttpRequest request = ApiFixture.authorised(HttpRequest.newBuilder(http.uri(path)),
              http.token("j.doe"))
          .method(method, hasBody ? HttpRequest.BodyPublishers.ofString("{}")
              : HttpRequest.BodyPublishers.noBody())
          .build();
      // an event stream answers with its headers and then goes on: only the status is read
      HttpResponse<InputStream> response =
          http.client.send(request, HttpResponse.BodyHandlers.ofInputStream());
      response.body().close();
      if (response.statusCode() == 404 || response.statusCode() == 405) {
        unrouted.add(operation + " -> " + response.statusCode());
      }
    }

    // then no route is missing: nothing is answered 404 or 405
    assertThat(unrouted).isEmpty();
  }
}
