package dev.drover.cli;

import dev.drover.TestJvm;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drover.http.JwtIssuer;
import dev.drover.http.JwtSecret;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A {@code drover serve} in a JVM of its own, on a free port of 127.0.0.1 and a data directory
 * the test gives, with an HTTP client that holds a token for it. {@link #kill()} is SIGKILL;
 * {@link #close()} kills it and whatever it forked that is still its descendant.
 */
final class ServeProcess implements AutoCloseable {
  static final String SECRET = "a-test-secret-that-is-long-enough-for-hs256";
  static final Duration WAIT = Duration.ofSeconds(90);
  static final ObjectMapper JSON = new ObjectMapper();

  final Process process;
  final int port;
  final Path data;
  private final Path log;
  private final HttpClient http = HttpClient.newHttpClient();
  private final String token =
      new JwtIssuer(JwtSecret.of(SECRET)).issue("tester", Duration.ofHours(1));

  /**
   * Starts a server of the pipelines under {@code defs} on {@code data}, logging to
   * {@code log}; {@code jvmOptions} go before the main class.
   */
  ServeProcess(Path defs, Path data, Path log, List<String> jvmOptions) throws IOException {
    this.port = freePort();
    this.data = data;
    this.log = log;
    List<String> command = TestJvm.java("512m");
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "serve", "--path", defs.toString(), "--address", "127.0.0.1:" + port,
        "--data", data.toString(), "--jwt-secret", SECRET));
    process = new ProcessBuilder(command)
        .directory(defs.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
  }

  /** Waits until the server answers. */
  ServeProcess awaitUp() {
    await().atMost(WAIT).until(() -> {
      if (!process.isAlive()) {
        List<String> lines = Files.readAllLines(log);
        throw new AssertionError("drover serve exited with " + process.exitValue() + "; its log "
            + "ends:\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 40),
            lines.size())));
      }
      try {
        return http.send(request("/pipelines").build(), HttpResponse.BodyHandlers.discarding())
            .statusCode() == 200;
      } catch (IOException e) {
        return false;
      }
    });
    return this;
  }

  HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + token);
  }

  JsonNode get(String path) throws Exception {
    return JSON.readTree(http.send(request(path).build(),
        HttpResponse.BodyHandlers.ofString()).body());
  }

  HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(request(path).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Schedules {@code pipeline} with {@code variables} (a JSON object); the job's id. */
  String schedule(String pipeline, String variables) throws Exception {
    HttpResponse<String> r = post("/pipelines/schedule",
        "{\"pipeline\": \"" + pipeline + "\", \"variables\": " + variables + "}");
    if (r.statusCode() != 202) {
      throw new AssertionError("schedule answered " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body()).get("jobId").asText();
  }

  /** The job's detail, once {@code condition} holds for it. */
  JsonNode awaitJob(String id, Predicate<JsonNode> condition) {
    JsonNode[] last = new JsonNode[1];
    await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
      last[0] = get("/job/detail?id=" + id);
      return condition.test(last[0]);
    });
    return last[0];
  }

  JsonNode awaitCompleted(String id) {
    return awaitJob(id, j -> j.path("completed").asBoolean());
  }

  /**
   * Follows a task's output with Server-Sent Events until {@code bytes} bytes of {@code stream}
   * arrived (by the events' ids), and returns that stream's text.
   */
  String follow(String job, String task, String stream, long bytes) throws Exception {
    HttpResponse<InputStream> r = http.send(request("/api/v1/jobs/" + job + "/tasks/" + task
        + "/logs?follow=true").build(), HttpResponse.BodyHandlers.ofInputStream());
    StringBuilder text = new StringBuilder();
    try (InputStream body = r.body(); BufferedReader lines =
        new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      String event = null;
      String id = null;
      StringBuilder data = new StringBuilder();
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.startsWith("event:")) {
          event = line.substring(6).trim();
        } else if (line.startsWith("id:")) {
          id = line.substring(3).trim();
        } else if (line.startsWith("data:")) {
          data.append(line.substring(line.startsWith("data: ") ? 6 : 5));
        } else if (line.isEmpty() && event != null) {
          if (event.equals(stream)) {
            text.append(JSON.readTree(data.toString()).asText());
            if (id != null && Long.parseLong(id.substring(id.indexOf(':') + 1)) >= bytes) {
              return text.toString();
            }
          }
          event = null;
          id = null;
          data.setLength(0);
        }
      }
    }
    throw new AssertionError("the stream ended after " + text.length() + " characters");
  }

  /** SIGTERM, a clean stop: waits until the process has exited. */
  void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
      throw new AssertionError("drover serve did not stop within " + WAIT + " of SIGTERM");
    }
  }

  /** SIGKILL, and waits until the process is gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  @Override
  public void close() throws InterruptedException {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    kill();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Writes {@code yaml} as {@code defs/pipelines.yml}. */
  static Path definitions(Path dir, String yaml) throws IOException {
    Path defs = Files.createDirectories(dir.resolve("defs"));
    Files.writeString(defs.resolve("pipelines.yml"), yaml);
    return defs;
  }
}
