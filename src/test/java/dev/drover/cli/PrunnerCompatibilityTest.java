package dev.drover.cli;

import dev.drover.TestJvm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drover.http.JwtIssuer;
import dev.drover.http.JwtSecret;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A prunner user's directory under {@code drover serve}, unchanged: prunner's pipelines files
 * (shell state across lines, functions, {@code [[ ]]}, Go templates, allow_failure), its
 * {@code .env} and {@code .env.local}, its {@code .prunner.yml} with a 16-character secret, its
 * configuration as PRUNNER_* variables and no option on the command line; the jobs, their
 * statuses and their exact logs as prunner's API shows them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrunnerCompatibilityTest {
  private static final String SECRET = "prunner-16-chars";
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  private Path dir;
  private Process server;
  private int port;
  private final HttpClient http = HttpClient.newHttpClient();
  // a token as Flowpack.Prunner makes it: HS256 with the secret of .prunner.yml
  private final String token = new JwtIssuer(JwtSecret.of(SECRET)).issue("php", Duration.ofHours(1));

  @BeforeAll
  void serveThePrunnerDirectory(@TempDir Path dir) throws Exception {
    this.dir = dir;
    copy("pipelines.yml", "pipelines.yml");
    copy("dotenv.env", ".env");
    copy("dotenv.local.env", ".env.local");
    copy("prunner.yml", ".prunner.yml");
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    // prunner's configuration as its users' deployments give it: PRUNNER_* variables
    List<String> command = TestJvm.java("512m");
    command.addAll(List.of("-Ddrover.node.launcher=in-process",
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve"));
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("serve.log").toFile()));
    builder.environment().putAll(Map.of(
        "PRUNNER_ADDRESS", "127.0.0.1:" + port,
        "PRUNNER_DATA", dir.resolve(".prunner").toString(),
        "PRUNNER_DISABLE_ANSI", "1"));
    server = builder.start();
    await().atMost(WAIT).until(() -> status("/pipelines") == 200);
  }

  @AfterAll
  void stop() throws Exception {
    if (server != null) {
      server.descendants().forEach(ProcessHandle::destroyForcibly);
      server.destroyForcibly();
      server.waitFor();
    }
  }

  private void copy(String resource, String as) throws IOException {
    try (InputStream in = getClass().getResourceAsStream("/compat/" + resource)) {
      Files.copy(in, dir.resolve(as));
    }
  }

  private int status(String path) {
    try {
      return http.send(request(path).build(), HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + token);
  }

  private JsonNode get(String path) throws Exception {
    return JSON.readTree(http.send(request(path).build(), HttpResponse.BodyHandlers.ofString())
        .body());
  }

  /** Schedules a job as prunner-ui does and returns it once completed. */
  private JsonNode run(String pipeline, String variables) throws Exception {
    HttpResponse<String> r = http.send(request("/pipelines/schedule")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"pipeline\": \"" + pipeline
            + "\", \"variables\": " + variables + "}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    String id = JSON.readTree(r.body()).get("jobId").asText();
    await().atMost(WAIT).until(() -> get("/job/detail?id=" + id).get("completed").asBoolean());
    return get("/job/detail?id=" + id);
  }

  private String stdout(JsonNode job, String task) throws Exception {
    return get("/job/logs?id=" + job.get("id").asText() + "&task=" + task).get("stdout").asText();
  }

  @Test
  void aTasksLinesShareOneShellSessionAsInPrunner() throws Exception {
    JsonNode job = run("session", "{}");

    assertThat(job.get("errored").asBoolean()).as(job.toString()).isFalse();
    assertThat(stdout(job, "build"))
        .isEqualTo("in build\nfoo is bar\nhello world\nbash test works\n");
  }

  @Test
  void theDotenvFilesReachTheTasksBelowThePipelinesEnv() throws Exception {
    JsonNode job = run("dotenv", "{}");

    assertThat(stdout(job, "show")).isEqualTo("hello from local and pipeline\n");
  }

  @Test
  void goTemplatesRenderAsInPrunner() throws Exception {
    JsonNode job = run("templates",
        "{\"name\": \"Drover\", \"loud\": true, \"items\": [\"a\", \"b\"]}");

    assertThat(job.get("errored").asBoolean()).as(job.toString()).isFalse();
    assertThat(stdout(job, "render")).isEqualTo("Drover\nLOUD\nitem a\nitem b\n");
  }

  @Test
  void allowFailureRunsTheRestAndTheJobSucceedsWithoutItsErrorHandler() throws Exception {
    JsonNode job = run("tolerant", "{}");

    assertThat(job.get("errored").asBoolean()).as(job.toString()).isFalse();
    assertThat(job.get("canceled").asBoolean()).isFalse();
    List<String> tasks = new ArrayList<>();
    job.get("tasks").forEach(t -> tasks.add(t.get("name").asText() + ":"
        + t.get("status").asText()));
    assertThat(tasks).containsExactly("flaky:done", "next:done");
    assertThat(stdout(job, "flaky")).isEqualTo("before\nafter\n");
    assertThat(stdout(job, "next")).isEqualTo("next ran\n");
  }

  @Test
  void prunnersDirectoryKeepsItsOwnNamesAndLogsAsLogfmt() throws Exception {
    // the secret came from .prunner.yml (every request here is signed with it), no .drover.yml
    // was created, the data went to PRUNNER_DATA, and the log is logfmt (PRUNNER_DISABLE_ANSI)
    assertThat(Files.exists(dir.resolve(".drover.yml"))).isFalse();
    assertThat(dir.resolve(".prunner").resolve("journal")).isDirectory();
    assertThat(Files.readAllLines(dir.resolve("serve.log")))
        .anySatisfy(l -> assertThat(l).startsWith("time=").contains(" level=INFO ")
            .contains("msg=\"HTTP API listening on 127.0.0.1:" + port + "\""));
  }
}
