package dev.drover.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * prunner's own server tests ({@code server/server_test.go} of Flowpack/prunner), ported one by
 * one against the real server on a free port: each test names the Go test it ports.
 *
 * <p>Not ported: {@code TestServer_AccessToProfilingWorksIfEnabledWithoutToken}, since Drover
 * has no Go pprof routes (a JVM is profiled with JDK Flight Recorder instead); its counterpart,
 * that no profiling route exists, is {@link #noProfilingRoutesAndUnknownRoutesAre404}.
 */
class PrunnerServerTest {
  private static ActorSystem<Void> system;
  private ApiFixture http;

  @BeforeAll
  static void startSystem() {
    system = ApiFixture.system("prunner-server-test");
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

  @Test
  void listsPipelinesWithPrunnersFieldsOnly() {
    // ports TestServer_Pipelines
    // given the pipeline release_it and a token that carries only iat, as prunner's tests make
    http = new ApiFixture(system, new FakePipelineApi());

    // when the pipelines are listed
    HttpResponse<String> response = http.get("/pipelines");

    // then exactly prunner's JSON comes back
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(ApiFixture.json(response)).isEqualTo(ApiFixture.json(
        "{\"pipelines\": [{\"pipeline\": \"release_it\", \"running\": false, "
            + "\"schedulable\": true}]}"));
  }

  @Test
  void pipelinesCannotBeListedWithATokenOfAnotherSecret() {
    // ports TestServer_PipelinesCanNotBeAccessedWithWrongJwtToken
    // given a token signed with a secret that is not the server's
    http = new ApiFixture(system, new FakePipelineApi());
    String wrong = new JwtIssuer(JwtSecret.of("THIS-IS-WRONG-THIS-IS-WRONG-THIS-IS-WRONG"))
        .issue(null, Duration.ZERO);

    // when it is used to list the pipelines
    HttpResponse<String> response = http.send(ApiFixture.authorised(
        HttpRequest.newBuilder(http.uri("/pipelines")), wrong).GET().build());

    // then the server refuses with 401 and says why, as JSON (prunner: plain text)
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(ApiFixture.json(response).get("error").asText())
        .isEqualTo("Unauthorized: token signature does not match");
  }

  @Test
  void schedulingAnswers202WithTheUuidOfAJobThatRunsToCompletion() {
    // ports TestServer_PipelinesSchedule
    // given the server
    http = new ApiFixture(system, new FakePipelineApi());

    // when release_it is scheduled
    HttpResponse<String> response =
        http.post("/pipelines/schedule", "{\n\t\t\"pipeline\": \"release_it\"\n\t}");

    // then it is accepted with the id of a job the runner has, which completes
    assertThat(response.statusCode()).isEqualTo(202);
    String jobId = ApiFixture.json(response).get("jobId").asText();
    assertThat(jobId).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    UUID id = UUID.fromString(jobId);
    assertThat(http.api.jobNow(id)).isNotNull();
    await().atMost(Duration.ofSeconds(10)).until(() -> http.api.jobNow(id).completed());
  }

  @Test
  void jobTimesHaveWholeSecondsForPhp() {
    // ports TestServer_JobCreationTimeIsRoundedForPhpCompatibility
    // given a scheduled job, created at a time with a fraction of a second
    http = new ApiFixture(system, new FakePipelineApi());
    UUID id = http.schedule();
    String created = Json.TIME.format(http.api.jobNow(id).created());
    assertThat(http.api.jobNow(id).created().getNano()).isNotZero();

    // when the jobs are listed
    HttpResponse<String> response = http.get("/pipelines/jobs");

    // then its creation time is RFC 3339 in UTC without the fraction
    JsonNode job = ApiFixture.json(response).get("jobs").get(0);
    assertThat(job.get("created").asText()).isEqualTo(created)
        .matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z");
  }

  @Test
  void cancelingARunningJobAnswersTrueAndTheJobCompletes() {
    // ports TestServer_JobCancel
    // given a job whose tasks run until they are canceled
    http = new ApiFixture(system, new FakePipelineApi().holdTasks());
    UUID id = http.schedule();
    await().atMost(Duration.ofSeconds(10)).until(() -> http.api.jobNow(id).start() != null);

    // when it is canceled
    HttpResponse<String> response = http.post("/job/cancel?id=" + id, "");

    // then the answer is 200 true, and the job completes as canceled
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body().trim()).isEqualTo("true");
    await().atMost(Duration.ofSeconds(10)).until(() -> http.api.jobNow(id).completed());
    assertThat(http.api.jobNow(id).canceled()).isTrue();
  }

  @Test
  void cancelingAnUnknownJobIs404() {
    // ports the "Job not found" branch of jobCancel in server.go
    // given no job with this id
    http = new ApiFixture(system, new FakePipelineApi());

    // when it is canceled
    HttpResponse<String> response = http.post("/job/cancel?id=" + UUID.randomUUID(), "");

    // then 404 with prunner's message
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(ApiFixture.json(response).get("error").asText()).isEqualTo("Job not found");
  }

  @Test
  void noProfilingRoutesAndUnknownRoutesAre404() {
    // ports TestServer_NoAccessToProfilingRoutesIfDisabled
    // given the server and no token at all
    http = new ApiFixture(system, new FakePipelineApi());

    // when a profiling route is requested
    HttpResponse<String> response =
        http.send(HttpRequest.newBuilder(http.uri("/debug/pprof")).GET().build());

    // then it does not exist
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(ApiFixture.json(response).get("error").asText()).isEqualTo("Not found");
  }

  @Test
  void logsOfAFinishedTaskHaveItsStdoutAndStderr() {
    // ports TestServer_JobLogs
    // given a job that ran to completion, each task writing to stdout and stderr
    http = new ApiFixture(system, new FakePipelineApi());
    UUID id = http.schedule();
    await().atMost(Duration.ofSeconds(10)).until(() -> http.api.jobNow(id).completed());

    // when the logs of its task lint are read
    HttpResponse<String> response = http.get("/job/logs?id=" + id + "&task=lint");

    // then both outputs are there
    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode logs = ApiFixture.json(response);
    assertThat(logs.get("stdout").asText()).isEqualTo("out from lint\n");
    assertThat(logs.get("stderr").asText()).isEqualTo("err from lint\n");
  }

  @Test
  void hugeOutputOfATaskIsServedWhole() {
    // ports TestServer_HugeOutput (of prunner's older server_test.go): 20 MB of base64 output
    // given a finished task that wrote 20 MB
    http = new ApiFixture(system, new FakePipelineApi());
    UUID id = http.schedule();
    await().atMost(Duration.ofSeconds(10)).until(() -> http.api.jobNow(id).completed());
    String line = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkwYWJjZGVmZ2hpamtsbW5vcA==";
    String huge = line.repeat(20_000_000 / line.length());
    http.api.write(id, "build", "stdout", huge);

    // when its logs are read
    HttpResponse<String> response = http.get("/job/logs?id=" + id + "&task=build");

    // then they come whole, and the server goes on serving
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(ApiFixture.json(response).get("stdout").asText())
        .hasSize("out from build\n".length() + huge.length() + 1);
    assertThat(http.get("/pipelines").statusCode()).isEqualTo(200);
  }

  @Test
  void jobDetailHasTheTokensSubjectAsUserAndPrunnersFields() {
    // ports jobDetail and jobToResult of server.go: the job as prunner-ui and PHP's client read it
    // given a job scheduled with a token of j.doe, with variables and a queue partition
    http = new ApiFixture(system, new FakePipelineApi());
    HttpResponse<String> scheduled = http.send(ApiFixture.authorised(
            HttpRequest.newBuilder(http.uri("/pipelines/schedule")), http.token("j.doe"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"pipeline\": \"release_it\", "
            + "\"variables\": {\"tag_name\": \"v1.17.4\"}, \"queuePartition\": \"tenant-1\"}"))
        .build());
    String id = ApiFixture.json(scheduled).get("jobId").asText();
    await().atMost(Duration.ofSeconds(10))
        .until(() -> http.api.jobNow(UUID.fromString(id)).completed());

    // when its detail is read
    HttpResponse<String> response = http.get("/job/detail?id=" + id);

    // then it has prunner's fields, the token's subject as user, and the tasks in order
    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode job = ApiFixture.json(response);
    assertThat(job.get("id").asText()).isEqualTo(id);
    assertThat(job.get("pipeline").asText()).isEqualTo("release_it");
    assertThat(job.get("user").asText()).isEqualTo("j.doe");
    assertThat(job.get("variables").get("tag_name").asText()).isEqualTo("v1.17.4");
    assertThat(job.get("queuePartition").asText()).isEqualTo("tenant-1");
    assertThat(job.get("completed").asBoolean()).isTrue();
    assertThat(job.get("canceled").asBoolean()).isFalse();
    assertThat(job.get("errored").asBoolean()).isFalse();
    assertThat(job.has("lastError")).isFalse();
    assertThat(job.get("start").asText()).matches(".*T.*:\\d{2}Z");
    JsonNode deploy = job.get("tasks").get(4);
    assertThat(deploy.get("name").asText()).isEqualTo("deploy");
    assertThat(deploy.get("dependsOn")).hasSize(3);
    assertThat(deploy.get("status").asText()).isEqualTo("done");
    assertThat(deploy.get("exitCode").asInt()).isZero();
    assertThat(deploy.get("skipped").asBoolean()).isFalse();
    assertThat(deploy.has("error")).isFalse();
    assertThat(job.get("tasks").get(0).has("dependsOn")).isFalse();
  }

  @Test
  void aWaitingJobHasNoStartNorEndAndAnEmptyUserWithoutSubject() {
    // ports the omitempty fields of pipelineJobResult in server.go
    // given a job whose tasks are held, scheduled with a token without sub
    http = new ApiFixture(system, new FakePipelineApi().holdTasks());
    UUID id = http.schedule();

    // when it is read at once
    JsonNode job = ApiFixture.json(http.get("/job/detail?id=" + id));

    // then absent values are left out, and the user is there, empty
    assertThat(job.has("end")).isFalse();
    assertThat(job.has("variables")).isFalse();
    assertThat(job.has("queuePartition")).isFalse();
    assertThat(job.get("user").asText()).isEmpty();
  }

  @Test
  void detailAndLogsOfUnknownJobsAndTasksAre404WithPrunnersMessages() {
    // ports the "Job not found" and "Task not found" branches of jobDetail and jobLogs
    // given one job
    http = new ApiFixture(system, new FakePipelineApi());
    UUID id = http.schedule();
    UUID unknown = UUID.randomUUID();

    // when an unknown job and an unknown task are asked for
    HttpResponse<String> detail = http.get("/job/detail?id=" + unknown);
    HttpResponse<String> logs = http.get("/job/logs?id=" + unknown + "&task=lint");
    HttpResponse<String> task = http.get("/job/logs?id=" + id + "&task=nope");

    // then each is 404 with prunner's message
    assertThat(detail.statusCode()).isEqualTo(404);
    assertThat(ApiFixture.json(detail).get("error").asText()).isEqualTo("Job not found");
    assertThat(logs.statusCode()).isEqualTo(404);
    assertThat(ApiFixture.json(logs).get("error").asText()).isEqualTo("Job not found");
    assertThat(task.statusCode()).isEqualTo(404);
    assertThat(ApiFixture.json(task).get("error").asText()).isEqualTo("Task not found");
  }

  @Test
  void schedulingAnUnknownPipelineOrIntoAFullQueueIs400WithPrunnersMessage() {
    // ports the "Error scheduling pipeline" branch of pipelinesSchedule
    // given release_it's wait list is full
    http = new ApiFixture(system, new FakePipelineApi());
    http.api.queueFull("release_it");

    // when an unknown pipeline and release_it are scheduled
    HttpResponse<String> unknown = http.post("/pipelines/schedule", "{\"pipeline\": \"nope\"}");
    HttpResponse<String> full = http.post("/pipelines/schedule", "{\"pipeline\": \"release_it\"}");

    // then both are 400 with prunner's messages, and the pipeline shows as not schedulable
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(ApiFixture.json(unknown).get("error").asText())
        .isEqualTo("Error scheduling pipeline: pipeline \"nope\" is not defined");
    assertThat(full.statusCode()).isEqualTo(400);
    assertThat(ApiFixture.json(full).get("error").asText()).isEqualTo(
        "Error scheduling pipeline: concurrency exceeded and queue limit reached for pipeline");
    assertThat(ApiFixture.json(http.get("/pipelines")).get("pipelines").get(0)
        .get("schedulable").asBoolean()).isFalse();
  }

  @Test
  void schedulingWhileShuttingDownIs503() {
    // ports the ErrShuttingDown branch of pipelinesSchedule
    // given the runner began to shut down
    http = new ApiFixture(system, new FakePipelineApi());
    http.api.stopAccepting();

    // when a job is scheduled
    HttpResponse<String> response =
        http.post("/pipelines/schedule", "{\"pipeline\": \"release_it\"}");

    // then 503 with prunner's message
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(ApiFixture.json(response).get("error").asText())
        .isEqualTo("Server is shutting down");
  }

  @Test
  void requestsAsFlowpackPrunnerSendsThemAreServed() {
    // ports the calls of Flowpack.Prunner's PrunnerApiService: a token with sub and a 60 s exp,
    // a JSON body sent without any Content-Type, and a cancel with an empty body
    // given the server and such a token
    http = new ApiFixture(system, new FakePipelineApi().holdTasks());
    String token = http.issuer.issue("cli", Duration.ofSeconds(60));

    // when a job is scheduled and canceled as the PHP client does it
    HttpResponse<String> scheduled = http.send(ApiFixture.authorised(
            HttpRequest.newBuilder(http.uri("/pipelines/schedule")), token)
        .POST(HttpRequest.BodyPublishers.ofString("{\"pipeline\":\"release_it\",\"variables\":{}}"))
        .build());
    String id = ApiFixture.json(scheduled).get("jobId").asText();
    HttpResponse<String> canceled = http.send(ApiFixture.authorised(
            HttpRequest.newBuilder(http.uri("/job/cancel?id=" + id)), token)
        .POST(HttpRequest.BodyPublishers.ofString("")).build());

    // then 202 and 200, as the client checks, and the job is cli's
    assertThat(scheduled.statusCode()).isEqualTo(202);
    assertThat(canceled.statusCode()).isEqualTo(200);
    assertThat(http.api.jobNow(UUID.fromString(id)).user()).isEqualTo("cli");
  }

  @Test
  void pipelinesAndJobsListsJobsNewestFirst() {
    // ports pipelinesJobs and listPipelineJobs of server.go
    // given two jobs, scheduled one after the other
    http = new ApiFixture(system, new FakePipelineApi());
    UUID first = http.schedule();
    UUID second = http.schedule();

    // when pipelines and jobs are listed, with a trailing slash as prunner's routes allow
    JsonNode all = ApiFixture.json(http.get("/pipelines/jobs/"));

    // then both lists are there, the newest job first
    assertThat(all.get("pipelines")).hasSize(1);
    assertThat(all.get("jobs")).extracting(j -> j.get("id").asText())
        .containsExactly(second.toString(), first.toString());
  }
}
