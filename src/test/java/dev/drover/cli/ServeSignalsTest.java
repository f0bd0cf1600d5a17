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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code drover serve}'s stop signals, with real processes, against prunner's: SIGINT waits for
 * running jobs however long they take (prunner's graceful stop); a second SIGINT stops at once,
 * and the next start ends the interrupted job canceled. (SIGTERM's grace period is
 * ServeLifecycleTest's, SIGUSR1's reload ServeHardeningTest's.)
 */
class ServeSignalsTest {
  private static final String SECRET = "a-signals-test-secret-long-enough-for-hs256";
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private final List<Process> servers = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private final String token =
      new JwtIssuer(JwtSecret.of(SECRET)).issue("signals", Duration.ofHours(1));

  @AfterEach
  void stopServers() throws IOException {
    Files.writeString(dir.resolve("gate-1"), "");
    Files.writeString(dir.resolve("gate-2"), "");
    for (Process p : servers) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  private int start(Duration grace) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    // env resets SIGINT to its default: a process started in the background by a shell
    // without job control, as a test run may be, inherits it ignored
    // in-process workers: the signals are the server's business, and no worker JVM slows it
    List<String> command = new ArrayList<>(List.of("env", "--default-signal=INT"));
    command.addAll(TestJvm.java("512m"));
    command.addAll(List.of("-Ddrover.node.launcher=in-process",
        "-Ddrover.pipeline.shutdown-grace=" + grace.toMillis() + "ms",
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve",
        "--path", dir.resolve("defs").toString(), "--address", "127.0.0.1:" + port,
        "--data", dir.resolve("data").toString()));
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("serve.log").toFile()));
    builder.environment().put("DROVER_JWT_SECRET", SECRET);
    servers.add(builder.start());
    int bound = port;
    await().atMost(WAIT).until(() -> status(bound, "/pipelines") == 200);
    return port;
  }

  private Process last() {
    return servers.get(servers.size() - 1);
  }

  private int status(int port, String path) {
    try {
      return http.send(request(port, path).build(), HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private HttpRequest.Builder request(int port, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + token);
  }

  private JsonNode get(int port, String path) throws Exception {
    return JSON.readTree(http.send(request(port, path).build(),
        HttpResponse.BodyHandlers.ofString()).body());
  }

  private HttpResponse<String> schedule(int port, String gate) throws Exception {
    return http.send(request(port, "/pipelines/schedule")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"pipeline\": \"wait\", \"variables\": "
            + "{\"gate\": \"" + dir.resolve(gate) + "\"}}")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private String runningJob(int port, String gate) throws Exception {
    HttpResponse<String> r = schedule(port, gate);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    String id = JSON.readTree(r.body()).get("jobId").asText();
    await().atMost(WAIT).until(() -> get(port, "/job/detail?id=" + id).at("/tasks/0/status")
        .asText().equals("running"));
    return id;
  }

  private void signal(Process p, String signal) throws Exception {
    new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor();
  }

  private void definitions(String yaml) throws IOException {
    Files.createDirectories(dir.resolve("defs"));
    Files.writeString(dir.resolve("defs/pipelines.yml"), yaml);
  }

  private static final String WAIT_PIPELINE = """
      pipelines:
        wait:
          tasks:
            step:
              script:
                - while [ ! -f {{ .gate }} ]; do sleep 0.05; done
      """;

  @Test
  void sigintWaitsForTheRunningJobBeyondTheGracePeriodAndASecondOneStopsAtOnce()
      throws Exception {
    // given a server with a 1 s grace period running a job at its gate
    definitions(WAIT_PIPELINE);
    int port = start(Duration.ofSeconds(1));
    String first = runningJob(port, "gate-1");

    // when it gets SIGINT
    signal(last(), "INT");

    // then it refuses new jobs, and waits for the running one well past the grace period
    await().atMost(WAIT).until(() -> schedule(port, "gate-1").statusCode() == 503);
    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
        .until(() -> last().isAlive());

    // when the job ends, the server stops by itself
    Files.writeString(dir.resolve("gate-1"), "");
    assertThat(last().waitFor(50, TimeUnit.SECONDS)).isTrue();
    assertThat(last().exitValue()).isZero();

    // and the next start shows the job done
    int second = start(Duration.ofMinutes(10));
    JsonNode done = get(second, "/job/detail?id=" + first);
    assertThat(done.get("completed").asBoolean()).isTrue();
    assertThat(done.at("/tasks/0/status").asText()).isEqualTo("done");

    // when that server, with a long grace period, gets SIGINT while a job runs, and SIGINT again
    String interrupted = runningJob(second, "gate-2");
    signal(last(), "INT");
    await().atMost(WAIT).until(() -> schedule(second, "gate-2").statusCode() == 503);
    signal(last(), "INT");

    // then it stops without waiting for the job
    assertThat(last().waitFor(50, TimeUnit.SECONDS)).isTrue();

    // and the next start ends the job canceled, its task interrupted
    int third = start(Duration.ofSeconds(1));
    await().atMost(WAIT).untilAsserted(() -> {
      JsonNode canceled = get(third, "/job/detail?id=" + interrupted);
      assertThat(canceled.get("completed").asBoolean()).isTrue();
      assertThat(canceled.at("/tasks/0/status").asText()).isEqualTo("canceled");
    });
  }
}
