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
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code drover serve} as an operator starts it, with {@code nohup}, the secret in a file and
 * another one in its environment: the secret stays out of scripts, what it writes is its user's
 * only, it says that SIGHUP cannot reload it while SIGUSR1 does, and a pipelines file deleted
 * before a reload keeps its pipelines.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServeHardeningTest {
  private static final String FILE_SECRET = "the-secret-in-the-file-long-enough-for-hs256";
  private static final String ENV_SECRET = "the-secret-in-the-environment-not-used-for-tokens";
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  private Path dir;
  private Process server;
  private int port;
  private final HttpClient http = HttpClient.newHttpClient();
  private final String token =
      new JwtIssuer(JwtSecret.of(FILE_SECRET)).issue("ops", Duration.ofHours(1));

  @BeforeAll
  void serve(@TempDir Path dir) throws Exception {
    this.dir = dir;
    Files.createDirectories(dir.resolve("defs/more"));
    Files.writeString(dir.resolve("defs/pipelines.yml"), """
        pipelines:
          env:
            tasks:
              show:
                script:
                  - env | sort
                  - echo "output for nobody else"
        """);
    Files.writeString(dir.resolve("jwt-secret"), FILE_SECRET + "\n");
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    List<String> command = new ArrayList<>(List.of("nohup"));
    command.addAll(TestJvm.java("512m"));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve",
        "--path", dir.resolve("defs").toString(), "--address", "127.0.0.1:" + port,
        "--data", dir.resolve("data").toString(), "--jwt-secret-file",
        dir.resolve("jwt-secret").toString()));
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("serve.log").toFile()));
    builder.environment().put("DROVER_JWT_SECRET", ENV_SECRET);
    builder.environment().put("PRUNNER_JWT_SECRET", ENV_SECRET);
    builder.environment().put("SERVER_ONLY_VARIABLE", "server-only");
    server = builder.start();
    await().atMost(WAIT).until(() -> {
      HttpResponse<String> r = get("/pipelines");
      return r != null && r.statusCode() == 200;
    });
  }

  private List<String> names() throws IOException {
    List<String> names = new ArrayList<>();
    json("/pipelines").get("pipelines").forEach(p -> names.add(p.get("pipeline").asText()));
    return names;
  }

  private void reload() throws Exception {
    new ProcessBuilder("kill", "-USR1", Long.toString(server.pid())).start().waitFor();
  }

  @AfterAll
  void stop() throws Exception {
    if (server != null) {
      server.descendants().forEach(ProcessHandle::destroyForcibly);
      server.destroyForcibly();
      server.waitFor();
    }
  }

  private HttpResponse<String> get(String path) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .header("Authorization", "Bearer " + token).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private JsonNode json(String path) throws IOException {
    return JSON.readTree(get(path).body());
  }

  private String runEnvJob() throws Exception {
    HttpResponse<String> scheduled = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/pipelines/schedule"))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"pipeline\": \"env\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(scheduled.statusCode()).as(scheduled.body()).isEqualTo(202);
    String id = JSON.readTree(scheduled.body()).get("jobId").asText();
    await().atMost(WAIT).until(() -> json("/job/detail?id=" + id).get("completed").asBoolean());
    return id;
  }

  @Test
  void aTaskSeesItsPipelinesVariablesAndTheAllowedOnesNeverTheServersSecrets() throws Exception {
    // given a server whose environment holds secrets and a variable of its own
    // when a job prints its task's environment
    String id = runEnvJob();
    String env = json("/job/logs?id=" + id + "&task=show").get("stdout").asText();

    // then the task has its name and PATH, and none of the server's secrets or other variables
    assertThat(env).contains("TASK_NAME=show").contains("PATH=");
    assertThat(env).doesNotContain(ENV_SECRET).doesNotContain(FILE_SECRET)
        .doesNotContain("SERVER_ONLY_VARIABLE").doesNotContain("DROVER_CALLBACK");
  }

  @Test
  void everythingTheServerWritesIsReadableByItsUserOnly() throws Exception {
    // given a job that wrote output
    runEnvJob();

    // then the data directory and everything under it, journal and logs, is 0700 or 0600
    Path data = dir.resolve("data");
    assertThat(Files.exists(data.resolve("logs"))).isTrue();
    assertThat(Files.exists(data.resolve("journal"))).isTrue();
    try (Stream<Path> all = Files.walk(data)) {
      assertThat(all.filter(p -> !Files.isSymbolicLink(p)).toList()).allSatisfy(p -> {
        Set<PosixFilePermission> perms =
            Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        assertThat(PosixFilePermissions.toString(perms)).as(p.toString())
            .isEqualTo(Files.isDirectory(p) ? "rwx------" : "rw-------");
      });
    }
  }

  @Test
  void underNohupTheServerSaysSighupCannotReloadIt() throws Exception {
    await().atMost(WAIT).until(() -> Files.readString(dir.resolve("serve.log"))
        .contains("SIGHUP is ignored by this process"));
  }

  @Test
  void underNohupSigusr1StillReloadsAsPrunnersReloadSignal() throws Exception {
    // given a new pipeline in a file of a server without --watch
    Files.writeString(dir.resolve("defs/more/pipelines.yml"), """
        pipelines:
          by_signal:
            tasks:
              t:
                script: ["true"]
        """);

    // when the server gets SIGUSR1 (which killed it before: exit 138)
    reload();

    // then it serves the new pipeline, and runs on
    await().atMost(WAIT).until(() -> names().contains("by_signal"));
    assertThat(server.isAlive()).isTrue();
  }

  @Test
  void aPipelinesFileDeletedBeforeAReloadKeepsItsPipelinesUntilItIsBack() throws Exception {
    // given the file is deleted (as an editor may, before it writes the file anew)
    Files.delete(dir.resolve("defs/pipelines.yml"));

    // when the server reloads
    reload();
    await().atMost(WAIT).until(() -> Files.readString(dir.resolve("serve.log"))
        .contains("is gone; keeping its pipelines"));

    // then it still serves the pipeline
    assertThat(names()).contains("env");

    // and when the file is back with another pipeline, that one is served
    Files.writeString(dir.resolve("defs/pipelines.yml"), """
        pipelines:
          env:
            tasks:
              show:
                script:
                  - env | sort
                  - echo "output for nobody else"
          back:
            tasks:
              t:
                script: ["true"]
        """);
    reload();
    await().atMost(WAIT).until(() -> names().contains("back"));
  }
}
