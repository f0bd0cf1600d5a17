package dev.drover.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Malformed requests get a JSON refusal with a status a client can act on; the server goes on. */
class RequestValidationTest {
  private static ActorSystem<Void> system;
  private ApiFixture http;

  @BeforeAll
  static void startSystem() {
    system = ApiFixture.system("request-validation-test");
  }

  @AfterAll
  static void stopSystem() {
    system.terminate();
  }

  @BeforeEach
  void startServer() {
    http = new ApiFixture(system, new FakePipelineApi());
  }

  @AfterEach
  void stopServer() {
    http.close();
  }

  private static String error(HttpResponse<String> response) {
    return ApiFixture.json(response).get("error").asText();
  }

  @Test
  void aJobIdThatIsNoUuidIs400() {
    // given ids that are not UUIDs in their canonical form
    // when jobs are asked for by them, on both APIs
    HttpResponse<String> missing = http.get("/job/detail");
    HttpResponse<String> garbage = http.get("/job/detail?id=42");
    HttpResponse<String> lenient = http.get("/job/logs?id=1-2-3-4-5&task=lint");
    HttpResponse<String> cancel = http.post("/job/cancel?id=nope", "");
    HttpResponse<String> rest = http.get("/api/v1/jobs/42");

    // then each is 400 Invalid job id
    for (HttpResponse<String> r : List.of(missing, garbage, lenient, cancel, rest)) {
      assertThat(r.statusCode()).as(r.uri().toString()).isEqualTo(400);
      assertThat(error(r)).isEqualTo("Invalid job id");
    }
  }

  @Test
  void aTaskNameWithAPathSeparatorIs400() {
    // given a job
    UUID id = http.schedule();

    // when its logs are asked for with task names that could leave its log directory
    HttpResponse<String> slash = http.get("/job/logs?id=" + id + "&task=..%2F..%2Fetc%2Fpasswd");
    HttpResponse<String> backslash = http.get("/job/logs?id=" + id + "&task=a%5Cb");
    HttpResponse<String> empty = http.get("/job/logs?id=" + id + "&task=");
    HttpResponse<String> encodedInPath = http.get("/api/v1/jobs/" + id + "/tasks/a%2Fb/logs");
    HttpResponse<String> dotDot = http.get("/api/v1/jobs/" + id + "/tasks/../logs");
    HttpResponse<String> encodedDotDot = http.get("/api/v1/jobs/" + id + "/tasks/%2E%2E/logs");
    HttpResponse<String> dotDotQuery = http.get("/job/logs?id=" + id + "&task=..");

    // then each is refused before it reaches the runner
    for (HttpResponse<String> r : List.of(slash, backslash, empty, encodedInPath, dotDotQuery)) {
      assertThat(r.statusCode()).as(r.uri().toString()).isEqualTo(400);
      assertThat(error(r)).isEqualTo("Invalid task name");
    }
    // a ".." segment in the path, plain or encoded, is resolved before routing: no route is left
    assertThat(dotDot.statusCode()).isEqualTo(404);
    assertThat(encodedDotDot.statusCode()).isEqualTo(404);
  }

  @Test
  void aMalformedBodyIs400WithTheDecodingError() {
    // given bodies that are not the JSON expected
    // when they are posted as schedules
    HttpResponse<String> broken = http.post("/pipelines/schedule", "{\"pipeline\": ");
    HttpResponse<String> empty = http.post("/pipelines/schedule", "");
    HttpResponse<String> wrongType =
        http.post("/pipelines/schedule", "{\"pipeline\": \"release_it\", \"variables\": 5}");
    HttpResponse<String> rest = http.post("/api/v1/jobs", "[1, 2");

    // then each is 400 and says what is wrong with it
    for (HttpResponse<String> r : List.of(broken, empty, wrongType, rest)) {
      assertThat(r.statusCode()).as(r.request().toString()).isEqualTo(400);
      assertThat(error(r)).startsWith("Error decoding JSON: ");
    }
    assertThat(error(broken)).contains("line 1");
  }

  @Test
  void aBodyOverTheLimitIs413() {
    // given a schedule whose variables make the body larger than 1 MiB
    String big = "{\"pipeline\": \"release_it\", \"variables\": {\"blob\": \""
        + "x".repeat(1024 * 1024) + "\"}}";

    // when it is posted, with its length declared and chunked without one
    HttpResponse<String> declared = http.post("/pipelines/schedule", big);
    HttpResponse<String> chunked = http.send(ApiFixture.authorised(
            HttpRequest.newBuilder(http.uri("/api/v1/jobs")), http.token())
        .POST(HttpRequest.BodyPublishers.ofInputStream(
            () -> new ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8))))
        .build());

    // then both are refused with 413, and the server goes on serving
    assertThat(declared.statusCode()).isEqualTo(413);
    assertThat(error(declared)).isEqualTo("Request body is larger than 1048576 bytes");
    assertThat(chunked.statusCode()).isEqualTo(413);
    assertThat(http.get("/pipelines").statusCode()).isEqualTo(200);
  }

  @Test
  void unknownRoutesAre404AndWrongMethods405InJson() {
    // given the server
    // when unknown paths and a known path with the wrong method are requested
    HttpResponse<String> unknown = http.get("/nope");
    HttpResponse<String> almost = http.get("/pipelinesjobs");
    HttpResponse<String> deeper = http.get("/api/v1/jobs/" + UUID.randomUUID() + "/nope");
    HttpResponse<String> wrongMethod = http.get("/pipelines/schedule");

    // then 404 Not found, and 405 naming the method allowed
    for (HttpResponse<String> r : List.of(unknown, almost, deeper)) {
      assertThat(r.statusCode()).as(r.uri().toString()).isEqualTo(404);
      assertThat(error(r)).isEqualTo("Not found");
    }
    assertThat(wrongMethod.statusCode()).isEqualTo(405);
    assertThat(error(wrongMethod)).isEqualTo("Method not allowed, allowed: POST");
    assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("POST");
    assertThat(http.get("/pipelines").statusCode()).isEqualTo(200);
  }

  @Test
  void aFailingRunnerIs500AndTheServerGoesOn() {
    // given a runner that fails to list its jobs
    http.api.failJobsWith(new IllegalStateException("disk on fire"));

    // when the jobs are listed
    HttpResponse<String> response = http.get("/pipelines/jobs");

    // then 500 without the runner's internals, and the next request is served
    assertThat(response.statusCode()).isEqualTo(500);
    assertThat(error(response)).isEqualTo("Internal server error");
    assertThat(http.get("/pipelines").statusCode()).isEqualTo(200);
  }
}
