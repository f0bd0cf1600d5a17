package dev.drover.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The edges of the API on the real runner: one event per state change, a followed task's output
 * ends with the task, callbacks that tell nothing without a valid token, a pool that does not
 * exist, and callback variables only for the tasks that await a callback.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunnerHttpEdgesTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private ServedRunner served;
  private Path dir;

  @BeforeAll
  void start(@TempDir Path dir) {
    this.dir = dir;
    served = new ServedRunner(dir, """
        pipelines:
          two:
            tasks:
              a:
                script:
                  - echo from a
              b:
                depends_on: [a]
                script:
                  - echo "callback=${DROVER_CALLBACK_TOKEN:-none}"
          gated:
            tasks:
              wait:
                script:
                  - echo before
                  - while [ ! -f {{ .gate }} ]; do sleep 0.05; done
                  - echo after
          callback:
            tasks:
              approve:
                await_callback: true
                script:
                  - printf '%s' "$DROVER_CALLBACK_TOKEN" > {{ .token }}
        """);
  }

  @AfterAll
  void stop() throws Exception {
    served.close();
  }

  /** The events of {@code /api/v1/events} as they arrive, on a thread of their own. */
  private List<JsonNode> subscribe() throws Exception {
    HttpResponse<InputStream> response = served.client.send(served.request("/api/v1/events")
        .timeout(WAIT).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    List<JsonNode> events = new CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(
          new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          if (line.startsWith("data:") && line.length() > "data:".length()) {
            events.add(ServedRunner.json(line.substring("data:".length()).trim()));
          }
        }
      } catch (Exception ended) {
        // the test is over
      }
    });
    reader.setDaemon(true);
    reader.start();
    return events;
  }

  private static List<String> statuses(List<JsonNode> events, UUID job, String task) {
    List<String> out = new ArrayList<>();
    for (JsonNode e : events) {
      boolean jobEvent = !e.hasNonNull("task");
      if (e.get("jobId").asText().equals(job.toString())
          && (task == null ? jobEvent : !jobEvent && e.get("task").asText().equals(task))) {
        out.add(e.get("status").asText());
      }
    }
    return out;
  }

  @Test
  void eachStateChangeIsOneEvent() throws Exception {
    // given a subscriber
    List<JsonNode> events = subscribe();

    // when a job of two tasks runs to its end
    UUID job = served.kit.schedule("two", Map.of()).id();
    served.kit.completed(job);
    await().atMost(WAIT).until(() -> statuses(events, job, null).contains("done"));

    // then the job was waiting, running and done, once each, and so was each task
    assertThat(statuses(events, job, null)).containsExactly("waiting", "running", "done");
    for (String task : List.of("a", "b")) {
      List<String> seen = statuses(events, job, task);
      assertThat(seen).as(task).doesNotHaveDuplicates().endsWith("done");
    }
  }

  @Test
  void followingARunningTasksOutputEndsWhenTheTaskEnds() throws Exception {
    // given a task that wrote a line and waits at its gate
    Path gate = dir.resolve("gate-" + UUID.randomUUID());
    UUID job = served.kit.schedule("gated", Map.of("gate", gate.toString())).id();
    served.kit.until(job, j -> served.kit.stdout(job, "wait").contains("before"));

    // when its output is followed, and the task ends
    HttpResponse<InputStream> response = served.client.send(served.request(
            "/api/v1/jobs/" + job + "/tasks/wait/logs?follow=true").timeout(WAIT).GET().build(),
        HttpResponse.BodyHandlers.ofInputStream());
    Files.writeString(gate, "");

    // then the stream has every line and ends (readAllBytes returns only at its end)
    String stream = new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(text(stream)).isEqualTo("before\nafter\n");

    // and following the ended task gives its lines and ends at once
    HttpResponse<String> again = served.get("/api/v1/jobs/" + job + "/tasks/wait/logs?follow=true");
    assertThat(text(again.body())).isEqualTo("before\nafter\n");
  }

  /** The output text a log follow's events carry (each event's data is a JSON string). */
  private static String text(String events) {
    StringBuilder out = new StringBuilder();
    for (String line : events.split("\n")) {
      if (line.startsWith("data:") && line.length() > "data:".length()) {
        out.append(ServedRunner.json(line.substring("data:".length())).asText());
      }
    }
    return out.toString();
  }

  @Test
  void aCallbackWithoutAValidTokenLearnsNothing() throws Exception {
    // given a task that awaits a callback, and its token
    Path tokenFile = dir.resolve("token-" + UUID.randomUUID());
    UUID job = served.kit.schedule("callback", Map.of("token", tokenFile.toString())).id();
    await().atMost(WAIT).until(() -> Files.exists(tokenFile) && Files.size(tokenFile) > 0);
    String token = Files.readString(tokenFile);

    // when callbacks come with a wrong token, for an unknown task, for an unknown job
    String body = "{\"token\": \"%s\", \"status\": \"success\"}";
    HttpResponse<String> wrong = complete(job, "approve", body.formatted("guess"));
    HttpResponse<String> noTask = complete(job, "nope", body.formatted(token));
    HttpResponse<String> noJob = complete(UUID.randomUUID(), "approve", body.formatted(token));

    // then each is the same 403
    for (HttpResponse<String> r : List.of(wrong, noTask, noJob)) {
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(r.body()).isEqualTo(wrong.body());
    }
    // and the right token completes the task, the only one of the job that got the variables
    assertThat(complete(job, "approve", body.formatted(token)).statusCode()).isEqualTo(200);
    assertThat(served.kit.completed(job).errored()).isFalse();
    UUID other = served.kit.schedule("two", Map.of()).id();
    served.kit.completed(other);
    assertThat(served.kit.stdout(other, "b")).isEqualTo("callback=none\n");
  }

  @Test
  void poisonValuesAreRefusedWithTheirFieldAndTheQueueKeepsServing() throws Exception {
    // given schedules whose variables hold a lone surrogate or a NUL (JSON escapes)
    for (String value : List.of("\\ud800", "a\\u0000b", "\\udc00x")) {
      String body = "{\"pipeline\": \"two\", \"variables\": {\"v\": \"" + value + "\"}}";

      // when they are scheduled through both APIs
      HttpResponse<String> prunner = served.post("/pipelines/schedule", body);
      HttpResponse<String> drover = served.post("/api/v1/jobs", body);

      // then each is a 400 naming the variable, and nothing was queued
      assertThat(prunner.statusCode()).as(value).isEqualTo(400);
      assertThat(prunner.body()).contains("variables.v");
      assertThat(drover.statusCode()).as(value).isEqualTo(400);
      assertThat(drover.body()).contains("variables.v");
    }
    // and a 10 MB value is larger than a request may be: 413, on its declared length, before
    // any of the body is read (a client that writes the body regardless may find the connection
    // closed under it: HttpLimitsTest sends one so)
    assertThat(statusOfDeclaredLength("/pipelines/schedule", 10_000_040)).isEqualTo(413);

    // and a callback's output or error with one is a 400 naming it, the task still waiting
    Path tokenFile = dir.resolve("token-" + UUID.randomUUID());
    UUID job = served.kit.schedule("callback", Map.of("token", tokenFile.toString())).id();
    await().atMost(WAIT).until(() -> Files.exists(tokenFile) && Files.size(tokenFile) > 0);
    String token = Files.readString(tokenFile);
    HttpResponse<String> output = complete(job, "approve", "{\"token\": \"" + token
        + "\", \"status\": \"success\", \"output\": {\"x\": \"\\ud800\"}}");
    HttpResponse<String> error = complete(job, "approve", "{\"token\": \"" + token
        + "\", \"status\": \"error\", \"error\": \"a\\u0000\"}");
    assertThat(output.statusCode()).isEqualTo(400);
    assertThat(output.body()).contains("output.x");
    assertThat(error.statusCode()).isEqualTo(400);
    assertThat(error.body()).contains("error");
    assertThat(complete(job, "approve", "{\"token\": \"" + token
        + "\", \"status\": \"success\"}").statusCode()).isEqualTo(200);
    assertThat(served.kit.completed(job).errored()).isFalse();

    // and the queue keeps serving: a valid job runs, pipelines and jobs are listed
    UUID other = served.kit.schedule("two", Map.of("v", "ok \ud83d\ude00")).id();
    assertThat(served.kit.completed(other).errored()).isFalse();
    assertThat(served.get("/pipelines").statusCode()).isEqualTo(200);
    assertThat(served.get("/pipelines/jobs").statusCode()).isEqualTo(200);
  }

  private HttpResponse<String> complete(UUID job, String task, String body) {
    // no JWT: the callback's token is its authorisation
    return served.send(HttpRequest.newBuilder(served.uri("/api/v1/jobs/" + job + "/tasks/" + task
            + "/complete")).timeout(WAIT).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  @Test
  void anUnknownPoolIs404AtOnceAndAKnownOneAnswers() {
    HttpResponse<String> unknown = served.get("/api/v1/pools/nope");
    HttpResponse<String> shell = served.get("/api/v1/pools/shell");

    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(ServedRunner.json(unknown).get("error").asText()).isEqualTo("No pool of kind 'nope'");
    assertThat(shell.statusCode()).isEqualTo(200);
    assertThat(ServedRunner.json(shell).get("kind").asText()).isEqualTo("shell");
  }

  /** The status the server answers a POST of {@code length} declared bytes, none of them sent. */
  private int statusOfDeclaredLength(String path, long length) throws Exception {
    try (java.net.Socket socket = new java.net.Socket(served.address.getAddress(),
        served.address.getPort())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Authorization: " + served.request(path).build().headers()
              .firstValue("Authorization").orElseThrow() + "\r\n"
          + "Content-Type: application/json\r\nContent-Length: " + length + "\r\n\r\n")
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String statusLine = new java.io.BufferedReader(new java.io.InputStreamReader(
          socket.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII)).readLine();
      return Integer.parseInt(statusLine.split(" ")[1]);
    }
  }
}
