package dev.drover.cli;

import dev.drover.TestJvm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drover.http.JwtIssuer;
import dev.drover.http.JwtSecret;
import java.io.IOException;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code drover serve} stopped while a job runs: with SIGTERM it refuses new jobs and lets the
 * running one finish within its grace period; with SIGKILL (or past the grace period) the next
 * server on the same data directory ends the running job with its interrupted task marked and
 * runs the waiting ones in order.
 */
class ServeLifecycleTest {
  private static final String SECRET = "a-test-secret-that-is-long-enough-for-hs256";
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Workers in the server's JVM, for the tests of reloads, of a clean stop and for every server
   * started after a stop: they concern the server, not its worker JVMs, and a forked pool's JVMs
   * are most of a test's time on 2 cores. A server stopped while a script runs has worker JVMs.
   */
  private static final List<String> IN_PROCESS = List.of("-Ddrover.node.launcher=in-process");

  @TempDir Path dir;
  private final List<Process> servers = new ArrayList<>();
  private final List<Long> scripts = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private final String token = new JwtIssuer(JwtSecret.of(SECRET)).issue("crash", Duration.ofHours(1));

  @AfterEach
  void stopServers() throws IOException {
    // the gate lets a script orphaned by the SIGKILL finish
    Files.writeString(dir.resolve("gate"), "");
    for (Process p : servers) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    // a script that outlived its server has no parent left to find it by
    scripts.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
  }

  private Process serve(int port) throws IOException {
    return serve(port, Duration.ofSeconds(30));
  }

  private Process serve(int port, Duration grace, String... more) throws IOException {
    return serve(port, grace, List.of(), more);
  }

  private Process serve(int port, Duration grace, List<String> jvmOptions, String... more)
      throws IOException {
    // env resets SIGHUP and SIGINT to their defaults: a test run started under nohup, or in the
    // background by a shell without job control, passes them on ignored, and a JVM cannot
    // handle a signal ignored when it started (ServeSignalsTest does the same)
    List<String> command = new ArrayList<>(List.of("env", "--default-signal=HUP,INT"));
    command.addAll(TestJvm.java("512m"));
    command.add("-Ddrover.pipeline.shutdown-grace=" + grace.toMillis() + "ms");
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve",
        "--path", dir.resolve("defs").toString(), "--address", "127.0.0.1:" + port,
        "--data", dir.resolve("data").toString(), "--jwt-secret", SECRET));
    command.addAll(List.of(more));
    Process p = new ProcessBuilder(command)
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("serve.log").toFile()))
        .start();
    servers.add(p);
    return p;
  }

  private JsonNode get(int port, String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }

  private String schedule(int port, int n) throws Exception {
    HttpResponse<String> r = post(port, n);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    return JSON.readTree(r.body()).get("jobId").asText();
  }

  private HttpResponse<String> post(int port, int n) throws Exception {
    return postSchedule(port, "{\"pipeline\": \"line\", \"variables\": {\"n\": \"" + n
        + "\", \"out\": \"" + dir.resolve("order") + "\", \"gate\": \"" + dir.resolve("gate")
        + "\"}}");
  }

  /** {@code POST /pipelines/schedule} with {@code body}. */
  private HttpResponse<String> postSchedule(int port, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/pipelines/schedule"))
        .header("Authorization", "Bearer " + token)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static boolean up(HttpClient http, int port) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/pipelines"))
          .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 401;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** A pipeline that runs one job at a time, each appending its number to a file and then
   * waiting at a gate. */
  private void linePipeline() throws IOException {
    definitions("""
        pipelines:
          line:
            tasks:
              step:
                script:
                  - echo {{ .n }} >> {{ .out }}
                  - while [ ! -f {{ .gate }} ]; do sleep 0.05; done
        """);
  }

  /** Writes {@code yaml} as the pipelines file the servers load. */
  private void definitions(String yaml) throws IOException {
    Files.createDirectories(dir.resolve("defs"));
    Files.writeString(dir.resolve("defs/pipelines.yml"), yaml);
  }

  private List<String> pipelineNames(int port) throws Exception {
    List<String> names = new ArrayList<>();
    get(port, "/pipelines").get("pipelines").forEach(p -> names.add(p.get("pipeline").asText()));
    return names;
  }

  private static final String SECOND = """
      pipelines:
        line:
          tasks:
            step:
              script:
                - echo changed {{ .n }} >> {{ .out }}
        second:
          tasks:
            only:
              script: ["true"]
      """;

  @Test
  void aChangedPipelinesFileIsReloadedWithWatchAndRunningJobsKeepTheirDefinition()
      throws Exception {
    // given a server watching its pipelines, running job 0 at its gate
    linePipeline();
    int port = freePort();
    serve(port, Duration.ofSeconds(30), IN_PROCESS, "--watch");
    await().atMost(WAIT).until(() -> up(http, port));
    String first = schedule(port, 0);
    await().atMost(WAIT).until(() -> Files.exists(dir.resolve("order")));

    // when the file changes: the script is different and a pipeline is added
    definitions(SECOND);

    // then the server serves the new definitions
    await().atMost(WAIT).until(() -> pipelineNames(port).contains("second"));
    // and the running job ends with the script it started with, the next one uses the new one
    Files.writeString(dir.resolve("gate"), "");
    await().atMost(WAIT).until(() -> get(port, "/job/detail?id=" + first).get("completed")
        .asBoolean());
    String next = schedule(port, 1);
    await().atMost(WAIT).until(() -> get(port, "/job/detail?id=" + next).get("completed")
        .asBoolean());
    assertThat(Files.readAllLines(dir.resolve("order"))).containsExactly("0", "changed 1");
  }

  @Test
  void sighupReloadsThePipelinesAndABrokenFileKeepsTheOldOnes() throws Exception {
    // given a server without --watch
    linePipeline();
    int port = freePort();
    Process server = serve(port, Duration.ofSeconds(30), IN_PROCESS);
    await().atMost(WAIT).until(() -> up(http, port));

    // when a broken file is saved and the server gets SIGHUP, it keeps serving what it had
    definitions("pipelines:\n  line:\n    scripts: []\n");
    new ProcessBuilder("kill", "-HUP", Long.toString(server.pid())).start().waitFor();
    await().atMost(WAIT).until(() -> Files.readString(dir.resolve("serve.log"))
        .contains("Pipelines not reloaded"));
    assertThat(pipelineNames(port)).containsExactly("line");

    // when a good file is saved and the server gets SIGHUP, it serves the new pipelines
    definitions(SECOND);
    new ProcessBuilder("kill", "-HUP", Long.toString(server.pid())).start().waitFor();
    await().atMost(WAIT).until(() -> pipelineNames(port).contains("second"));
  }

  @Test
  void sigtermRefusesNewJobsAndLetsTheRunningJobFinishWithinTheGracePeriod() throws Exception {
    // given a server running a job that waits at its gate
    linePipeline();
    int port = freePort();
    Process server = serve(port, Duration.ofSeconds(60), IN_PROCESS);
    await().atMost(WAIT).until(() -> up(http, port));
    String running = schedule(port, 0);
    await().atMost(WAIT).until(() -> Files.exists(dir.resolve("order")));

    // when it gets SIGTERM
    server.destroy();

    // then new schedules are refused with 503 while the job may still finish
    await().atMost(WAIT).until(() -> post(port, 9).statusCode() == 503);
    assertThat(server.isAlive()).isTrue();
    // and once the job finished, the server stops by itself, well before the grace period
    Files.writeString(dir.resolve("gate"), "");
    assertThat(server.waitFor(50, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

    // and the next server shows the job done, not interrupted
    int again = freePort();
    serve(again, Duration.ofSeconds(30), IN_PROCESS);
    await().atMost(WAIT).until(() -> up(http, again));
    JsonNode job = get(again, "/job/detail?id=" + running);
    assertThat(job.get("completed").asBoolean()).isTrue();
    assertThat(job.get("errored").asBoolean()).isFalse();
    assertThat(job.get("tasks").get(0).get("status").asText()).isEqualTo("done");
    assertThat(Files.readAllLines(dir.resolve("order"))).containsExactly("0");
  }

  @Test
  void jobStillRunningWhenTheGracePeriodEndsIsInterruptedAndEndedByTheNextStart()
      throws Exception {
    // given a server with a 2 s grace period running a job that waits at its gate
    linePipeline();
    int port = freePort();
    Process server = serve(port, Duration.ofSeconds(2));
    await().atMost(WAIT).until(() -> up(http, port));
    String running = schedule(port, 0);
    await().atMost(WAIT).until(() -> Files.exists(dir.resolve("order")));

    // when it gets SIGTERM and the job does not finish in time
    server.destroy();
    assertThat(server.waitFor(50, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    Files.writeString(dir.resolve("gate"), "");

    // then the next server ends the job with its task marked as interrupted
    int again = freePort();
    serve(again, Duration.ofSeconds(30), IN_PROCESS);
    await().atMost(WAIT).until(() -> up(http, again));
    await().atMost(WAIT).untilAsserted(() -> {
      JsonNode job = get(again, "/job/detail?id=" + running);
      assertThat(job.get("completed").asBoolean()).isTrue();
      assertThat(job.get("tasks").get(0).get("error").asText()).isEqualTo("interrupted by restart, fate unknown");
    });
  }

  @Test
  void runningJobEndsInterruptedAndWaitingJobsRunInOrderAfterSigkill() throws Exception {
    // given a server running job 0 of a pipeline that runs one job at a time
    linePipeline();
    int port = freePort();
    Process first = serve(port);
    await().atMost(WAIT).until(() -> up(http, port));
    String running = schedule(port, 0);
    List<String> waiting = List.of(schedule(port, 1), schedule(port, 2), schedule(port, 3));
    await().atMost(WAIT).until(() -> Files.exists(dir.resolve("order")));

    // when the server is killed with SIGKILL while job 0 runs, and started again
    first.destroyForcibly();
    first.waitFor();
    Files.writeString(dir.resolve("gate"), "");
    int again = freePort();
    serve(again, Duration.ofSeconds(30), IN_PROCESS);
    await().atMost(WAIT).until(() -> up(http, again));

    // then job 0 ended, with its interrupted task canceled and an end time
    await().atMost(WAIT).untilAsserted(() -> {
      JsonNode job = get(again, "/job/detail?id=" + running);
      assertThat(job.get("completed").asBoolean()).isTrue();
      assertThat(job.path("end").isMissingNode() || job.get("end").isNull()).isFalse();
      JsonNode step = job.get("tasks").get(0);
      assertThat(step.get("status").asText()).isEqualTo("canceled");
      assertThat(step.get("error").asText()).isEqualTo("interrupted by restart, fate unknown");
    });
    // and the waiting jobs ran, in the order they were scheduled, each once
    await().atMost(WAIT).untilAsserted(() -> {
      for (String id : waiting) {
        JsonNode job = get(again, "/job/detail?id=" + id);
        assertThat(job.get("completed").asBoolean()).as(job.toString()).isTrue();
        assertThat(job.get("errored").asBoolean()).as(job.toString()).isFalse();
      }
    });
    assertThat(Files.readAllLines(dir.resolve("order"))).containsExactly("0", "1", "2", "3");
  }

  @Test
  void inProcessWorkersRunTheScriptsAndStopThemWhenTheServerStops() throws Exception {
    // given a server whose shell workers are actors in its own JVM
    definitions("""
        pipelines:
          wait:
            tasks:
              step:
                script:
                  - >-
                    echo $$ > {{ .pid }}.tmp && mv {{ .pid }}.tmp {{ .pid }}
                    && while [ ! -f {{ .gate }} ]; do sleep 0.05; done
        """);
    int port = freePort();
    Process server = serve(port, Duration.ofSeconds(1),
        List.of("-Ddrover.node.launcher=in-process"));
    await().atMost(WAIT).until(() -> up(http, port));
    await().atMost(WAIT).untilAsserted(() -> {
      JsonNode pool = get(port, "/api/v1/pools/shell");
      assertThat(pool.get("workers")).isNotEmpty();
      pool.get("workers").forEach(w ->
          assertThat(w.get("pid").asLong()).isEqualTo(server.pid()));
    });

    // when a job's script runs on one of them
    Path pidFile = dir.resolve("script.pid");
    HttpResponse<String> scheduled = postSchedule(port, "{\"pipeline\": \"wait\", \"variables\": "
        + "{\"pid\": \"" + pidFile + "\", \"gate\": \"" + dir.resolve("gate") + "\"}}");
    assertThat(scheduled.statusCode()).as(scheduled.body()).isEqualTo(202);
    await().atMost(WAIT).until(() -> Files.exists(pidFile));
    long script = Long.parseLong(Files.readString(pidFile).trim());
    scripts.add(script);
    assertThat(ProcessHandle.of(script)).as("the script's shell").isPresent();

    // and the server is stopped while the script still runs
    server.destroy();
    assertThat(server.waitFor(50, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

    // then the script did not outlive the server (its process group got SIGTERM)
    await().atMost(WAIT).until(() -> ProcessHandle.of(script).map(p -> !p.isAlive())
        .orElse(true));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
