package dev.drover.flow;

import dev.drover.TestJvm;
import static dev.drover.flow.FlowTestKit.WAIT;
import static dev.drover.flow.FlowTestKit.get;
import static dev.drover.flow.TaskStatus.DELAYED;
import static dev.drover.flow.TaskStatus.FAILED;
import static dev.drover.flow.TaskStatus.PENDING;
import static dev.drover.flow.TaskStatus.RETRY_WAIT;
import static dev.drover.flow.TaskStatus.RUNNING;
import static dev.drover.flow.TaskStatus.SCHEDULED;
import static dev.drover.flow.TaskStatus.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.drover.flow.CompletionResult.Outcome;
import dev.drover.flow.FlowService.CompletionStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An engine JVM killed with SIGKILL mid-execution; another JVM resumes on the same data. */
class CrashRecoveryTest {
  @TempDir Path dir;

  @Test
  void executionResumesAfterTheEngineIsKilledAndEndsWithItsHistoryIntact() throws Exception {
    Path data = dir.resolve("data");
    Path markers = Files.createDirectories(dir.resolve("markers"));
    Path out = dir.resolve("engine.log");

    // given an engine JVM running an execution with a waiting delegate and a long task
    List<String> command = TestJvm.java("256m");
    command.addAll(List.of("-cp", System.getProperty("java.class.path"),
        CrashEngineMain.class.getName(), data.toString(), markers.toString()));
    Process engineJvm = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(out.toFile()).start();
    try {
      await().atMost(WAIT.multipliedBy(2)).until(() ->
          Files.exists(out) && Files.readString(out).contains("READY"));

      // when it is killed with SIGKILL
      engineJvm.destroyForcibly();
      engineJvm.waitFor();
    } finally {
      engineJvm.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
      engineJvm.destroyForcibly();
    }

    // then a new engine on the same data resumes the execution without being asked:
    // the long task, not idempotent, fails as interrupted and its retry runs it again
    try (FlowTestKit engine = new FlowTestKit(data)) {
      String id = CrashEngineMain.EXECUTION;
      engine.until(id, s -> s.task("long").attempt() == 2
          && s.task("long").status() == RUNNING);
      Files.createFile(markers.resolve("release"));

      // and the delegate, still waiting, is completed through the API
      String token = Files.readString(markers.resolve("approve.token"));
      assertThat(get(engine.flows.completeTask(id, "approve", token, CompletionStatus.SUCCESS,
          TextNode.valueOf("approved"), null)).outcome()).isEqualTo(Outcome.ACCEPTED);

      ExecutionState end = engine.awaitEnd(id);
      assertThat(end.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
      assertThat(end.task("long").statuses()).containsExactly(PENDING, SCHEDULED, RUNNING,
          FAILED, RETRY_WAIT, SCHEDULED, RUNNING, SUCCEEDED);
      assertThat(end.task("long").history()).filteredOn(s -> s.status() == FAILED)
          .singleElement().satisfies(s ->
              assertThat(s.note()).isEqualTo("interrupted: " + TaskRun.INTERRUPTED));
      assertThat(end.task("approve").statuses())
          .containsExactly(PENDING, SCHEDULED, RUNNING, DELAYED, SUCCEEDED);
      // and nothing ran twice that is not idempotent: each attempt once, the delegate once
      assertThat(Files.readAllLines(markers.resolve("long.runs")))
          .containsExactly("attempt 1", "attempt 2");
      assertThat(Files.readAllLines(markers.resolve("approve.runs"))).containsExactly("attempt 1");
      assertThat(Files.readAllLines(markers.resolve("after.runs"))).containsExactly("attempt 1");
    }
  }
}
