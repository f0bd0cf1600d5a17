package dev.drover.http;

import dev.drover.TestJvm;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.cli.Main;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real {@code drover serve} in a JVM of its own, on a free port of 127.0.0.1, for the tests
 * that drive the whole server (browser, metrics, traces). {@link #close()} kills it and every
 * process it started, even when the test failed.
 */
final class ServeProcess implements AutoCloseable {
  static final String SECRET = "a-web-ui-test-secret-long-enough-for-hs256";

  final Path dir;
  final int port;
  final Process process;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final JwtIssuer issuer = new JwtIssuer(JwtSecret.of(SECRET));

  /**
   * Starts a server of the pipelines file {@code pipelinesYaml} in {@code dir}.
   *
   * @param jvmOptions e.g. {@code -Ddrover.node.launcher=in-process}
   */
  ServeProcess(Path dir, String pipelinesYaml, List<String> jvmOptions) throws IOException {
    this.dir = dir;
    Files.createDirectories(dir.resolve("defs"));
    Files.writeString(dir.resolve("defs/pipelines.yml"), pipelinesYaml);
    this.port = freePort();
    List<String> command = TestJvm.java("512m");
    command.add("-Djava.util.concurrent.ForkJoinPool.common.parallelism=2");
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "serve", "--path", dir.resolve("defs").toString(), "--address", "127.0.0.1:" + port,
        "--data", dir.resolve("data").toString(), "--jwt-secret", SECRET));
    this.process = new ProcessBuilder(command)
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("serve.log").toFile()))
        .start();
    try {
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
          .until(() -> {
            if (!process.isAlive()) {
              throw new IllegalStateException("drover serve exited: " + log());
            }
            return up();
          });
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  String base() {
    return "http://127.0.0.1:" + port;
  }

  /** A token of {@code subject} valid for an hour. */
  String token(String subject) {
    return issuer.issue(subject, Duration.ofHours(1));
  }

  String log() {
    try {
      return Files.readString(dir.resolve("serve.log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private boolean up() {
    try {
      return send("GET", "/api/v1/pipelines", null).statusCode() == 200;
    } catch (RuntimeException e) {
      return false;
    }
  }

  HttpResponse<String> send(String method, String path, String json) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + token("test"));
    if (json != null) {
      b.header("Content-Type", "application/json");
    }
    b.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(json));
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  JsonNode get(String path) {
    HttpResponse<String> r = send("GET", path, null);
    if (r.statusCode() != 200) {
      throw new IllegalStateException("GET " + path + " answered " + r.statusCode() + ": "
          + r.body());
    }
    return ApiFixture.json(r.body());
  }

  /** Schedules a job through the API and returns its id. */
  String schedule(String pipeline, String variablesJson) {
    HttpResponse<String> r = send("POST", "/api/v1/jobs",
        "{\"pipeline\": \"" + pipeline + "\", \"variables\": " + variablesJson + "}");
    if (r.statusCode() != 202) {
      throw new IllegalStateException("schedule answered " + r.statusCode() + ": " + r.body());
    }
    return ApiFixture.json(r.body()).get("id").asText();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    // the server's log outlives the temporary directory, for a failure to be read after the run
    try {
      Path logs = Files.createDirectories(Path.of("target", "serve-logs"));
      Files.writeString(logs.resolve(dir.getFileName() + "-" + port + ".log"), log());
    } catch (IOException e) {
      // the log is a help, not a result
    }
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
