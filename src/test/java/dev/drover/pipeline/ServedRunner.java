package dev.drover.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.http.HttpServer;
import dev.drover.http.Json;
import dev.drover.http.JwtIssuer;
import dev.drover.http.JwtSecret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real pipeline runner ({@link RunnerKit}) behind the real HTTP server on 127.0.0.1 and a free
 * port, and an authorised client: the API as a client sees it, with nothing faked.
 */
final class ServedRunner implements AutoCloseable {
  static final JwtSecret SECRET = JwtSecret.of("a-served-runner-secret-long-enough-for-hs256");

  final RunnerKit kit;
  final HttpServer server = new HttpServer();
  final InetSocketAddress address;
  final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();
  private final String token = new JwtIssuer(SECRET).issue("tester", Duration.ofHours(1));

  /** A runner of the pipelines in {@code yaml}, served. */
  ServedRunner(Path data, String yaml) {
    kit = new RunnerKit(data, yaml);
    address = server.start(kit.kit.system(), kit.runner, SECRET, "127.0.0.1", 0);
  }

  URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + address.getPort() + pathAndQuery);
  }

  HttpRequest.Builder request(String pathAndQuery) {
    return HttpRequest.newBuilder(uri(pathAndQuery)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + token);
  }

  HttpResponse<String> get(String pathAndQuery) {
    return send(request(pathAndQuery).GET().build());
  }

  HttpResponse<String> post(String pathAndQuery, String json) {
    return send(request(pathAndQuery).header("Content-Type", "application/json")
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

  static JsonNode json(HttpResponse<String> response) {
    return json(response.body());
  }

  static JsonNode json(String text) {
    try {
      return Json.mapper().readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(text, e);
    }
  }

  @Override
  public void close() throws Exception {
    try {
      server.stop(Duration.ofSeconds(3)).toCompletableFuture().join();
    } finally {
      kit.close();
    }
  }
}
