package dev.drover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a script writes reaches its task log byte for byte, whatever its size and shape — many
 * short lines (more than any transport queue holds), one line larger than a remote message may
 * be, no newline at the end, carriage returns, invalid UTF-8 — with forked and with in-process
 * workers; and the same text comes back through {@code GET /job/logs} and the Server-Sent
 * Events follow.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutputIntegrityTest {
  private static final String LINE_OF_99 = "a".repeat(99);

  private Path dir;
  private ServeProcess forked;
  private ServeProcess inProcess;

  @BeforeAll
  void startServers(@TempDir Path dir) throws Exception {
    this.dir = dir;
    Path defs = ServeProcess.definitions(dir, """
        pipelines:
          out:
            quote_variables: false
            tasks:
              write:
                script:
                  - "{{ .cmd }}"
        """);
    forked = new ServeProcess(defs, dir.resolve("forked"), dir.resolve("forked.log"), List.of());
    inProcess = new ServeProcess(defs, dir.resolve("in-process"), dir.resolve("in-process.log"),
        List.of("-Ddrover.node.launcher=in-process"));
    forked.awaitUp();
    inProcess.awaitUp();
  }

  @AfterAll
  void stopServers() throws Exception {
    for (ServeProcess s : new ServeProcess[] {forked, inProcess}) {
      if (s != null) {
        s.close();
      }
    }
  }

  static Stream<Arguments> outputs() {
    Map<String, String> cases = Map.of(
        "1 MB of 100-byte lines", "yes " + LINE_OF_99 + " | head -c 1000000",
        "4 MB of 100-byte lines", "yes " + LINE_OF_99 + " | head -c 4000000",
        "20 MB of 100-byte lines", "yes " + LINE_OF_99 + " | head -c 20000000",
        "a single 1 MB line", "head -c 1000000 /dev/zero | tr '\\0' b; echo",
        "no newline at the end, carriage returns, invalid UTF-8",
        "printf 'a\\r\\nb\\rc\\377\\376d'; printf 'e\\rr\\377r' >&2");
    return cases.entrySet().stream().sorted(Map.Entry.comparingByKey()).flatMap(c -> Stream.of(
        Arguments.of("forked", c.getKey(), c.getValue()),
        Arguments.of("in-process", c.getKey(), c.getValue())));
  }

  @ParameterizedTest(name = "{0} workers: {1}")
  @MethodSource("outputs")
  void theTaskLogHoldsExactlyWhatTheScriptWrote(String launcher, String what, String command)
      throws Exception {
    ServeProcess server = launcher.equals("forked") ? forked : inProcess;
    // given what the command writes when run directly
    byte[] stdout = run(command, false);
    byte[] stderr = run(command, true);

    // when a job runs it as its task's script
    String id = server.schedule("out", ServeProcess.JSON.writeValueAsString(
        Map.of("cmd", command)));
    JsonNode job = server.awaitCompleted(id);

    // then the task succeeded and its log files hold exactly those bytes
    assertThat(job.get("errored").asBoolean()).as(job.toString()).isFalse();
    assertThat(job.get("tasks").get(0).get("status").asText()).isEqualTo("done");
    Path logs = server.data.resolve("logs").resolve(id);
    assertThat(sha256(Files.readAllBytes(logs.resolve("write-stdout.log"))))
        .isEqualTo(sha256(stdout));
    assertThat(sha256(stderr.length == 0 && !Files.exists(logs.resolve("write-stderr.log"))
        ? new byte[0] : Files.readAllBytes(logs.resolve("write-stderr.log"))))
        .isEqualTo(sha256(stderr));

    // and GET /job/logs gives that text (invalid UTF-8 as U+FFFD, as prunner's JSON does)
    JsonNode logsJson = server.get("/job/logs?id=" + id + "&task=write");
    assertThat(sha256(logsJson.get("stdout").asText().getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(sha256(new String(stdout, StandardCharsets.UTF_8)
            .getBytes(StandardCharsets.UTF_8)));
    assertThat(logsJson.get("stderr").asText())
        .isEqualTo(new String(stderr, StandardCharsets.UTF_8));

    // and so does following it with Server-Sent Events
    String followed = server.follow(id, "write", "stdout", stdout.length);
    assertThat(sha256(followed.getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(sha256(new String(stdout, StandardCharsets.UTF_8)
            .getBytes(StandardCharsets.UTF_8)));
  }

  @org.junit.jupiter.api.Test
  void aOneMegabyteVariableIsRefusedAtScheduleTimeWith413NamingTheLimit() throws Exception {
    // given the jobs the server has
    int jobs = forked.get("/pipelines/jobs").get("jobs").size();

    // when a job is scheduled with a variable of 1 MB (the request body itself is allowed)
    var response = forked.post("/pipelines/schedule", ServeProcess.JSON.writeValueAsString(
        Map.of("pipeline", "out", "variables", Map.of("cmd", "x".repeat(1_000_000)))));

    // then it is refused at once with 413, naming the limit, and no job was made
    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(response.body()).contains("262144 bytes").contains("max-variables-size");
    assertThat(forked.get("/pipelines/jobs").get("jobs").size()).isEqualTo(jobs);
  }

  /** What {@code command} writes to stdout (or stderr) when {@code /bin/sh -c} runs it here. */
  private byte[] run(String command, boolean stderr) throws Exception {
    Path out = Files.createTempFile(dir, "expected", ".out");
    Process p = new ProcessBuilder("/bin/sh", "-c", command)
        .redirectOutput(stderr ? ProcessBuilder.Redirect.DISCARD
            : ProcessBuilder.Redirect.to(out.toFile()))
        .redirectError(stderr ? ProcessBuilder.Redirect.to(out.toFile())
            : ProcessBuilder.Redirect.DISCARD)
        .start();
    assertThat(p.waitFor()).isZero();
    return Files.readAllBytes(out);
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
