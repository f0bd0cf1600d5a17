package dev.drover.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Drover's own routes under /api/v1: REST resources, live streams, pools and callbacks. */
class DroverRoutesTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static ActorSystem<Void> system;
  private ApiFixture http;

  @BeforeAll
  static void startSystem() {
    system = ApiFixture.system("drover-routes-test");
  }

  @AfterAll
  static void stopSystem() {
    system.terminate();
  }

  @AfterEach
  void stopServer() {
    if (http != null) {
      http.close();
    }
  }

  private static String error(HttpResponse<String> response) {
    return ApiFixture.json(response).get("error").asText();
  }

  private SseClient sse(String path) throws Exception {
    return new SseClient(http.client, ApiFixture.authorised(
        HttpRequest.newBuilder(http.uri(path)), http.token("j.doe")).GET().build());
  }

  @Test
  void pipelinesAreListedWithTheirTasks() {
    // given the pipeline release_it
    http = new ApiFixture(system, new FakePipelineApi());

    // when the pipelines are listed
    JsonNode pipeline = ApiFixture.json(http.get("/api/v1/pipelines")).get("pipelines").get(0);

    // then each has its tasks in definition order besides prunner's fields
    assertThat(pipeline.get("pipeline").asText()).isEqualTo("release_it");
    assertThat(pipeline.get("schedulable").asBoolean()).isTrue();
    assertThat(pipeline.get("tasks")).extracting(JsonNode::asText)
        .containsExactly("test", "lint", "generate", "build", "deploy");
  }

  @Test
  void aJobIsScheduledReadListedAndCanceled() {
    // given a runner whose tasks run until canceled
    http = new ApiFixture(system, new FakePipelineApi().holdTasks());

    // when a job is scheduled with a token of j.doe
    HttpResponse<String> scheduled = http.send(ApiFixture.authorised(
            HttpRequest.newBuilder(http.uri("/api/v1/jobs")), http.token("j.doe"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"pipeline\": \"release_it\", \"variables\": {\"n\": 1}}"))
        .build());

    // then it is accepted with the job, its URL in Location, and j.doe as user
    assertThat(scheduled.statusCode()).isEqualTo(202);
    JsonNode job = ApiFixture.json(scheduled);
    String id = job.get("id").asText();
    assertThat(scheduled.headers().firstValue("Location")).hasValue("/api/v1/jobs/" + id);
    assertThat(job.get("user").asText()).isEqualTo("j.doe");
    assertThat(job.get("created").asText()).matches(".*T\\d{2}:\\d{2}:\\d{2}Z");

    // and when it is read, listed and canceled
    await().atMost(WAIT).until(() -> http.api.jobNow(UUID.fromString(id)).start() != null);
    JsonNode read = ApiFixture.json(http.get("/api/v1/jobs/" + id));
    JsonNode listed = ApiFixture.json(http.get("/api/v1/jobs")).get("jobs").get(0);
    HttpResponse<String> canceled = http.post("/api/v1/jobs/" + id + "/cancel", "");

    // then it is running, then canceled
    assertThat(read.get("tasks").get(0).get("status").asText()).isEqualTo("running");
    assertThat(listed.get("id").asText()).isEqualTo(id);
    assertThat(canceled.statusCode()).isEqualTo(200);
    assertThat(ApiFixture.json(canceled).get("canceled").asBoolean()).isTrue();
  }

  @Test
  void unknownJobsAndRefusedSchedulesHaveTheirStatus() {
    // given a runner with a full queue for release_it
    http = new ApiFixture(system, new FakePipelineApi());
    http.api.queueFull("release_it");
    UUID unknown = UUID.randomUUID();

    // when an unknown job is read and canceled, and release_it is scheduled
    HttpResponse<String> read = http.get("/api/v1/jobs/" + unknown);
    HttpResponse<String> cancel = http.post("/api/v1/jobs/" + unknown + "/cancel", "");
    HttpResponse<String> logs = http.get("/api/v1/jobs/" + unknown + "/tasks/lint/logs");
    HttpResponse<String> full = http.post("/api/v1/jobs", "{\"pipeline\": \"release_it\"}");

    // then 404 for the job, 400 with the runner's reason for the schedule
    assertThat(read.statusCode()).isEqualTo(404);
    assertThat(error(read)).isEqualTo("Job not found");
    assertThat(cancel.statusCode()).isEqualTo(404);
    assertThat(logs.statusCode()).isEqualTo(404);
    assertThat(full.statusCode()).isEqualTo(400);
    assertThat(error(full)).isEqualTo("concurrency exceeded and queue limit reached for pipeline");
  }

  @Test
  void schedulingWhileShuttingDownIs503() {
    // given the runner began to shut down
    http = new ApiFixture(system, new FakePipelineApi());
    http.api.stopAccepting();

    // when a job is scheduled
    HttpResponse<String> response = http.post("/api/v1/jobs", "{\"pipeline\": \"release_it\"}");

    // then 503
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(error(response)).isEqualTo("Server is shutting down");
  }

  @Test
  void logsAreJsonWithoutFollow() {
    // given a finished job
    http = new ApiFixture(system, new FakePipelineApi());
    UUID id = http.schedule();
    await().atMost(WAIT).until(() -> http.api.jobNow(id).completed());

    // when a task's logs are read
    JsonNode logs = ApiFixture.json(http.get("/api/v1/jobs/" + id + "/tasks/build/logs"));

    // then they are its output
    assertThat(logs.get("stdout").asText()).isEqualTo("out from build\n");
    assertThat(logs.get("stderr").asText()).isEqualTo("err from build\n");
  }

  @Test
  void followingLogsDeliversLinesAsTheyAreWrittenUntilTheClientLeaves() throws Exception {
    // given a running task that wrote one line
    http = new ApiFixture(system, new FakePipelineApi().holdTasks());
    UUID id = http.schedule();
    http.api.write(id, "build", "stdout", "compiling 12 files");

    // when its logs are followed
    try (SseClient stream = sse("/api/v1/jobs/" + id + "/tasks/build/logs?follow=true")) {
      // then the line written so far arrives first
      assertThat(stream.status).isEqualTo(200);
      assertThat(stream.contentType).startsWith("text/event-stream");
      await().atMost(WAIT).until(() -> stream.events().size() == 1);
      assertThat(stream.events().get(0))
          .isEqualTo(new SseClient.Event("stdout", "\"compiling 12 files\\n\""));

      // and when the task writes more, each line arrives as it is written
      http.api.write(id, "build", "stderr", "warning: deprecated API");
      await().atMost(WAIT).until(() -> stream.events().size() == 2);
      http.api.write(id, "build", "stdout", "done");
      await().atMost(WAIT).until(() -> stream.events().size() == 3);
      assertThat(stream.events()).containsExactly(
          new SseClient.Event("stdout", "\"compiling 12 files\\n\""),
          new SseClient.Event("stderr", "\"warning: deprecated API\\n\""),
          new SseClient.Event("stdout", "\"done\\n\""));
      assertThat(http.api.followersOf(id, "build")).isEqualTo(1);
    }

    // and when the client leaves, the server stops following
    await().atMost(WAIT).until(() -> http.api.followersOf(id, "build") == 0);
  }

  @Test
  void followingATaskWithMoreOutputThanTheBufferDeliversItWhole() throws Exception {
    // given a running task that wrote 5000 lines, more than a client's buffer of 1024 events
    http = new ApiFixture(system, new FakePipelineApi().holdTasks());
    UUID id = http.schedule();
    for (int i = 1; i <= 5000; i++) {
      http.api.write(id, "test", "stdout", "line " + i);
    }

    // when its logs are followed
    try (SseClient stream = sse("/api/v1/jobs/" + id + "/tasks/test/logs?follow=true")) {
      // then every line arrives, in order, and the stream stays open for more
      await().atMost(WAIT).until(() -> stream.events().size() == 5000);
      assertThat(stream.events().get(4999).data()).isEqualTo("\"line 5000\\n\"");
      http.api.write(id, "test", "stdout", "line 5001");
      await().atMost(WAIT).until(() -> stream.events().size() == 5001);
      assertThat(stream.ended()).isFalse();
    }
  }

  @Test
  void followingAnUnknownTaskIs404BeforeAnyStream() {
    // given a job
    http = new ApiFixture(system, new FakePipelineApi().holdTasks());
    UUID id = http.schedule();

    // when an unknown task's logs are followed
    HttpResponse<String> response =
        http.get("/api/v1/jobs/" + id + "/tasks/nope/logs?follow=true");

    // then 404, as JSON, not a stream
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(error(response)).isEqualTo("Task not found");
  }

  @Test
  void stateChangesArriveAsEvents() throws Exception {
    // given a client of the event stream
    http = new ApiFixture(system, new FakePipelineApi());
    try (SseClient stream = sse("/api/v1/events")) {
      await().atMost(WAIT).until(() -> http.api.subscribers() == 1);

      // when a job is scheduled and runs to its end
      UUID id = http.schedule();

      // then its job and task changes arrive, each as JSON
      await().atMost(WAIT).until(() -> stream.events().stream()
          .anyMatch(e -> e.type().equals("job") && e.data().contains("\"done\"")));
      JsonNode first = ApiFixture.json(stream.events().get(0).data());
      assertThat(stream.events().get(0).type()).isEqualTo("job");
      assertThat(first.get("jobId").asText()).isEqualTo(id.toString());
      assertThat(first.get("pipeline").asText()).isEqualTo("release_it");
      assertThat(first.get("status").asText()).isEqualTo("waiting");
      assertThat(first.get("at").asText()).endsWith("Z");
      assertThat(stream.events()).anyMatch(e -> e.type().equals("task")
          && ApiFixture.json(e.data()).get("task").asText().equals("deploy"));
    }

    // and when the client leaves, its subscription is closed
    await().atMost(WAIT).until(() -> http.api.subscribers() == 0);
  }

  @Test
  void completingATaskByItsCallbackTokenNeedsNoJwt() {
    // given a job whose task build awaits a callback with token t-2 (t-1 was its first attempt)
    http = new ApiFixture(system, new FakePipelineApi().holdTasks());
    UUID id = http.schedule();
    http.api.awaitCallback(id, "build", "t-2", "t-1");
    String url = "/api/v1/jobs/" + id + "/tasks/build/complete";

    // when callbacks arrive without any JWT: right token, again, stale, wrong, unknown job/task
    HttpResponse<String> accepted = callback(url, "{\"token\": \"t-2\", \"status\": \"success\", "
        + "\"output\": {\"approved\": true}}");
    HttpResponse<String> again = callback(url, "{\"token\": \"t-2\", \"status\": \"success\"}");
    HttpResponse<String> stale = callback(url, "{\"token\": \"t-1\", \"status\": \"success\"}");
    HttpResponse<String> wrong = callback(url, "{\"token\": \"guess\", \"status\": \"error\", "
        + "\"error\": \"rejected\"}");
    HttpResponse<String> noJob = callback("/api/v1/jobs/" + UUID.randomUUID()
        + "/tasks/build/complete", "{\"token\": \"t-2\", \"status\": \"success\"}");
    HttpResponse<String> noTask = callback("/api/v1/jobs/" + id + "/tasks/nope/complete",
        "{\"token\": \"t-2\", \"status\": \"success\"}");

    // then 200 once, 409 for the repeat and the stale attempt, and one and the same 403 for a
    // wrong token, an unknown job and an unknown task: without a token nothing is told
    assertThat(accepted.statusCode()).isEqualTo(200);
    assertThat(ApiFixture.json(accepted).get("outcome").asText()).isEqualTo("ACCEPTED");
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(ApiFixture.json(again).get("outcome").asText()).isEqualTo("ALREADY_COMPLETED");
    assertThat(error(again)).isEqualTo("task 'build' is already completed");
    assertThat(stale.statusCode()).isEqualTo(409);
    assertThat(ApiFixture.json(stale).get("outcome").asText()).isEqualTo("STALE_ATTEMPT");
    for (HttpResponse<String> refused : List.of(wrong, noJob, noTask)) {
      assertThat(refused.statusCode()).isEqualTo(403);
      assertThat(refused.body()).isEqualTo(wrong.body());
    }
    assertThat(ApiFixture.json(wrong).get("outcome").asText()).isEqualTo("BAD_TOKEN");
    assertThat(error(wrong)).isEqualTo(DroverRoutes.NO_SUCH_CALLBACK);
  }

  @Test
  void aCallbackWithoutTokenOrWithAnUnknownStatusIs400() {
    // given a job
    http = new ApiFixture(system, new FakePipelineApi().holdTasks());
    UUID id = http.schedule();
    String url = "/api/v1/jobs/" + id + "/tasks/build/complete";

    // when callbacks lack a token or have a status other than success and error
    HttpResponse<String> noToken = callback(url, "{\"status\": \"success\"}");
    HttpResponse<String> badStatus = callback(url, "{\"token\": \"t\", \"status\": \"ok\"}");

    // then each is 400 and says why
    assertThat(noToken.statusCode()).isEqualTo(400);
    assertThat(error(noToken)).isEqualTo("token is required");
    assertThat(badStatus.statusCode()).isEqualTo(400);
    assertThat(error(badStatus)).isEqualTo("status must be \"success\" or \"error\", got \"ok\"");
  }

  @Test
  void aPoolsStatusHasItsWorkersAndTransitions() {
    // given a runner with a shell pool
    http = new ApiFixture(system, new FakePipelineApi());

    // when its status and that of an unknown pool are read
    HttpResponse<String> shell = http.get("/api/v1/pools/shell");
    HttpResponse<String> unknown = http.get("/api/v1/pools/gpu");

    // then the first has the pool's state, workers and transition logs; the second is 404
    assertThat(shell.statusCode()).isEqualTo(200);
    JsonNode pool = ApiFixture.json(shell);
    assertThat(pool.get("state").asText()).isEqualTo("PoolReady");
    assertThat(pool.get("transitions").get(0).get("to").asText()).isEqualTo("PoolReady");
    assertThat(pool.get("transitions").get(0).get("at").asText())
        .isEqualTo("2026-11-23T19:30:39Z");
    JsonNode worker = pool.get("workers").get(0);
    assertThat(worker.get("pid").asLong()).isEqualTo(4242);
    assertThat(worker.get("uptime").asText()).isEqualTo("PT12.5S");
    assertThat(worker.get("transitions").get(0).get("actor").asText()).isEqualTo("worker/1");
    assertThat(pool.has("pids")).isFalse();
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(error(unknown)).isEqualTo("No pool of kind 'gpu'");
  }

  private HttpResponse<String> callback(String path, String json) {
    return http.send(HttpRequest.newBuilder(http.uri(path))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build());
  }
}
