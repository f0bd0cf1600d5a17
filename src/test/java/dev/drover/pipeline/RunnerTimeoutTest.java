package dev.drover.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.pipeline.PipelineApi.JobView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A task's {@code timeout} ends its script, on the worker, and the pool goes on. */
class RunnerTimeoutTest {
  @TempDir Path dir;
  private RunnerKit kit;
  private final String marker = "600." + (100000 + new java.util.Random().nextInt(900000));

  @AfterEach
  void stop() throws Exception {
    if (kit != null) {
      kit.close();
    }
    processesWith(marker).forEach(ProcessHandle::destroyForcibly);
  }

  @Test
  void aTaskPastItsTimeoutFailsAsTimedOutItsScriptIsGoneAndTheNextJobRuns() {
    // given a pipeline whose task sleeps 600 s with a timeout of 2 s
    kit = new RunnerKit(dir, """
        pipelines:
          slow:
            tasks:
              nap:
                timeout: 2s
                script:
                  - sleep %s
          quick:
            tasks:
              hello:
                script:
                  - echo hello
        """.formatted(marker));

    // when a job of it runs
    JobView job = kit.schedule("slow", Map.of());
    await().atMost(RunnerKit.WAIT).until(() -> !processesWith(marker).isEmpty());
    JobView ended = kit.completed(job.id());

    // then the task failed as timed out and no process of its script is left
    assertThat(ended.errored()).isTrue();
    assertThat(RunnerKit.task(ended, "nap").status()).isEqualTo("error");
    assertThat(RunnerKit.task(ended, "nap").error()).contains("timed out");
    await().atMost(Duration.ofSeconds(5)).until(() -> processesWith(marker).isEmpty());
    // and the next job runs
    JobView next = kit.completed(kit.schedule("quick", Map.of()).id());
    assertThat(next.errored()).isFalse();
    assertThat(kit.stdout(next.id(), "hello")).isEqualTo("hello\n");
  }

  private static java.util.List<ProcessHandle> processesWith(String marker) {
    try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
      return all.filter(ProcessHandle::isAlive).filter(p -> {
        try {
          return Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline"))
              .contains(marker);
        } catch (IOException | RuntimeException e) {
          return false;
        }
      }).toList();
    }
  }
}
