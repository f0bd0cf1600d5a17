package dev.drover.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.http.JwtIssuer;
import dev.drover.http.JwtSecret;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * prunner's server tests (server/server_test.go), on the real runner rather than a mock: its
 * release_it pipeline, its requests and its expectations, each answer as prunner-ui and
 * Flowpack.Prunner read it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrunnerRoutesOnRunnerTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private ServedRunner served;
  private Path dir;

  @BeforeAll
  void start(@TempDir Path dir) {
    this.dir = dir;
    // server_test.go's release_it, its go commands replaced by ones that write to both streams
    served = new ServedRunner(dir, """
        pipelines:
          release_it:
            concurrency: 1
            tasks:
              test:
                script: ["echo out from test", "echo err from test >&2"]
              lint:
                script: ["echo out from lint", "echo err from lint >&2"]
              generate:
                script: ["echo out from generate"]
              build:
                script: ["echo out from build"]
                depends_on: [generate]
              deploy:
                script: ["echo copied", "echo done"]
                depends_on: [build, test, lint]
          blocking:
            tasks:
              wait:
                script:
                  - while [ ! -f {{ .gate }} ]; do sleep 0.05; done
        """);
  }

  @AfterAll
  void stop() throws Exception {
    served.close();
  }

  private String schedule(String body) {
    HttpResponse<String> r = served.post("/pipelines/schedule", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    return ServedRunner.json(r).get("jobId").asText();
  }

  private JsonNode completed(String id) {
    JsonNode[] job = new JsonNode[1];
    await().atMost(WAIT).until(() -> {
      job[0] = ServedRunner.json(served.get("/job/detail?id=" + id));
      return job[0].get("completed").asBoolean();
    });
    return job[0];
  }

  // TestServer_Pipelines
  @Test
  void pipelinesAreListedWithPrunnersFields() {
    HttpResponse<String> r = served.get("/pipelines");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(ServedRunner.json(r).get("pipelines")).anySatisfy(p -> assertThat(p)
        .isEqualTo(ServedRunner.json("{\"pipeline\": \"release_it\", \"schedulable\": true, "
            + "\"running\": false}")));
  }

  // TestServer_PipelinesCanNotBeAccessedWithWrongJwtToken
  @Test
  void aTokenOfAnotherSecretIs401() {
    String other = new JwtIssuer(JwtSecret.of("another-secret-that-is-long-enough-hs256"))
        .issue("x", Duration.ofMinutes(1));
    HttpResponse<String> r = served.send(HttpRequest.newBuilder(served.uri("/pipelines"))
        .header("Authorization", "Bearer " + other).build());

    assertThat(r.statusCode()).isEqualTo(401);
  }

  // TestServer_PipelinesSchedule and TestServer_JobDetail
  @Test
  void aScheduledJobRunsToItsEndAndItsDetailIsPrunners() {
    String id = schedule("{\"pipeline\": \"release_it\", \"variables\": {\"tag_name\": "
        + "\"v1.17.4\", \"databases\": [\"mysql\", \"postgresql\"]}}");

    JsonNode job = completed(id);

    assertThat(job.get("id").asText()).isEqualTo(id);
    assertThat(job.get("pipeline").asText()).isEqualTo("release_it");
    assertThat(job.get("errored").asBoolean()).isFalse();
    assertThat(job.get("canceled").asBoolean()).isFalse();
    assertThat(job.get("user").asText()).isEqualTo("tester");
    assertThat(job.at("/variables/tag_name").asText()).isEqualTo("v1.17.4");
    // prunner's order: topological, the first by name when several are ready
    List<String> order = new ArrayList<>();
    job.get("tasks").forEach(t -> order.add(t.get("name").asText()));
    assertThat(order).containsExactly("generate", "build", "lint", "test", "deploy");
    job.get("tasks").forEach(t -> {
      assertThat(t.get("status").asText()).isEqualTo("done");
      assertThat(t.get("exitCode").asInt()).isZero();
      assertThat(t.get("start").asText()).endsWith("Z");
    });
    // and Drover's own route keeps the definition's order
    List<String> definition = new ArrayList<>();
    ServedRunner.json(served.get("/api/v1/jobs/" + id)).get("tasks")
        .forEach(t -> definition.add(t.get("name").asText()));
    assertThat(definition).containsExactly("test", "lint", "generate", "build", "deploy");
  }

  // TestServer_JobCreationTimeIsRoundedForPhpCompatibility
  @Test
  void aJobsTimesHaveWholeSecondsForPhp() {
    Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    String id = schedule("{\"pipeline\": \"release_it\"}");
    completed(id);

    JsonNode listed = null;
    for (JsonNode j : ServedRunner.json(served.get("/pipelines/jobs")).get("jobs")) {
      if (j.get("id").asText().equals(id)) {
        listed = j;
      }
    }

    assertThat(listed).isNotNull();
    assertThat(listed.get("created").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
    assertThat(Instant.parse(listed.get("created").asText())).isAfterOrEqualTo(before);
  }

  // TestServer_JobCancel
  @Test
  void cancelingARunningJobAnswersTrueAndTheJobEndsCanceled() throws Exception {
    Path gate = dir.resolve("gate");
    String id = schedule("{\"pipeline\": \"blocking\", \"variables\": {\"gate\": \"" + gate
        + "\"}}");
    await().atMost(WAIT).until(() -> ServedRunner.json(served.get("/job/detail?id=" + id))
        .at("/tasks/0/status").asText().equals("running"));

    HttpResponse<String> cancel = served.post("/job/cancel?id=" + id, "");

    assertThat(cancel.statusCode()).isEqualTo(200);
    assertThat(cancel.body()).isEqualTo("true");
    JsonNode job = completed(id);
    assertThat(job.get("canceled").asBoolean()).isTrue();
    Files.writeString(gate, "");
  }

  // TestServer_JobLogs
  @Test
  void aFinishedTasksLogsHaveItsOutputOnBothStreams() {
    String id = schedule("{\"pipeline\": \"release_it\"}");
    completed(id);

    HttpResponse<String> r = served.get("/job/logs?id=" + id + "&task=lint");

    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode logs = ServedRunner.json(r);
    assertThat(logs.get("stdout").asText()).isEqualTo("out from lint\n");
    assertThat(logs.get("stderr").asText()).isEqualTo("err from lint\n");
  }
}
