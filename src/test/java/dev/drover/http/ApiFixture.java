package dev.drover.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import dev.drover.config.DroverConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A real HTTP server on 127.0.0.1 and a free port, serving a {@link FakePipelineApi}, and a
 * {@link HttpClient} to call it with.
 */
final class ApiFixture implements AutoCloseable {
  /** The secret of the tests; prunner's tests use "not-very-secret", too short for Drover. */
  static final JwtSecret SECRET = JwtSecret.of("not-very-secret-but-long-enough-for-hs256");

  final FakePipelineApi api;
  final HttpServer server = new HttpServer();
  final InetSocketAddress address;
  final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();
  final JwtIssuer issuer = new JwtIssuer(SECRET);

  ApiFixture(ActorSystem<?> system, FakePipelineApi api) {
    this.api = api;
    this.address = server.start(system, api, SECRET, "127.0.0.1", 0);
  }

  /**
   * An actor system for HTTP tests: local (no cluster), with a short event-stream heartbeat so
   * that a client that went away is noticed within a second.
   */
  static ActorSystem<Void> system(String name) {
    return ActorSystem.create(Behaviors.empty(), name, ConfigFactory.parseString("""
        pekko.actor.provider = local
        pekko.loglevel = WARNING
        drover.http.sse-keep-alive = 1s
        """).withFallback(DroverConfig.load()));
  }

  URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + address.getPort() + pathAndQuery);
  }

  /** A valid token of {@code subject} that lives an hour. */
  String token(String subject) {
    return issuer.issue(subject, Duration.ofHours(1));
  }

  /** A valid token without a subject, as prunner's tests make them (only {@code iat}). */
  String token() {
    return issuer.issue(null, Duration.ZERO);
  }

  HttpResponse<String> get(String pathAndQuery) {
    return send(authorised(HttpRequest.newBuilder(uri(pathAndQuery)), token()).GET().build());
  }

  HttpResponse<String> post(String pathAndQuery, String json) {
    return send(authorised(HttpRequest.newBuilder(uri(pathAndQuery)), token())
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build());
  }

  HttpResponse<String> send(HttpRequest request) {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static HttpRequest.Builder authorised(HttpRequest.Builder request, String token) {
    return request.header("Authorization", "Bearer " + token);
  }

  /** Schedules a job of release_it through prunner's route and returns its id. */
  UUID schedule() {
    HttpResponse<String> response = post("/pipelines/schedule", "{\"pipeline\": \"release_it\"}");
    if (response.statusCode() != 202) {
      throw new IllegalStateException("schedule answered " + response.statusCode() + ": "
          + response.body());
    }
    return UUID.fromString(json(response).get("jobId").asText());
  }

  static JsonNode json(HttpResponse<String> response) {
    return json(response.body());
  }

  static JsonNode json(String text) {
    try {
      return Json.mapper().readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    server.stop(Duration.ofSeconds(3)).toCompletableFuture().join();
  }
}
