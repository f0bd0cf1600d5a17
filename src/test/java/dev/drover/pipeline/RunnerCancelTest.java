package dev.drover.pipeline;

import static dev.drover.pipeline.RunnerKit.WAIT;
import static dev.drover.pipeline.RunnerKit.get;
import static dev.drover.pipeline.RunnerKit.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.pipeline.PipelineApi.JobView;
import dev.drover.pipeline.PipelineApi.TaskView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cancelling jobs, by a user or by a failing task (fail-fast). Ports of prunner's
 * prunner_test.go; where prunner used a MockRunner, a script blocked on a gate file stands for
 * the long task. Every pipeline belongs to one test, so the tests share one runner.
 */
class RunnerCancelTest {
  private static final String PIPELINES = """
      pipelines:
        long_running:
          tasks:
            sleep:
              script:
                - while [ ! -f {{ .gate }} ]; do sleep 0.05; done

        long_running_queued:
          tasks:
            sleep:
              script:
                - while [ ! -f {{ .gate }} ]; do sleep 0.05; done

        long_running_with_error:
          tasks:
            err:
              script:
                - while [ ! -s {{ .pid }} ]; do sleep 0.05; done
                - exit 1
            ok:
              script:
                - >-
                  trap 'echo INT > {{ .signal }}; exit 130' INT;
                  echo $$ > {{ .pid }}; while [ ! -f {{ .gate }} ]; do sleep 0.05; done

        long_running_with_error_continued:
          continue_running_tasks_after_failure: true
          tasks:
            err:
              script:
                - while [ ! -s {{ .pid }} ]; do sleep 0.05; done
                - exit 1
            ok:
              script:
                - echo $$ > {{ .pid }}; while [ ! -f {{ .gate }} ]; do sleep 0.05; done

        canceled_with_on_error:
          tasks:
            sleep:
              script:
                - while [ ! -f {{ .gate }} ]; do sleep 0.05; done
          on_error:
            script:
              - touch {{ .marker }}
      """;

  @TempDir static Path dir;
  static RunnerKit kit;
  static Gates gates;

  @BeforeAll
  static void startRunner() {
    kit = new RunnerKit(dir.resolve("data"), PIPELINES);
    gates = new Gates(dir.resolve("gates"));
  }

  @AfterEach
  void releaseScripts() {
    gates.close();
  }

  @AfterAll
  static void stopRunner() throws Exception {
    kit.close();
  }

  // port of TestPipelineRunner_CancelJob_WithRunningJob
  @Test
  void cancelledRunningJobEndsCanceledWithItsTaskCanceledNotErrored() {
    // given a job whose task runs until its gate opens
    JobView job = kit.schedule("long_running", Map.of("gate", gates.gate().toString()));
    kit.until(job.id(), j -> task(j, "sleep").status().equals("running"));

    // when the job is cancelled
    get(kit.runner.cancel(job.id()));

    // then it ends canceled, its task canceled and not errored, with no error
    JobView end = kit.completed(job.id());
    assertThat(end.canceled()).isTrue();
    assertThat(end.end()).isNotNull();
    TaskView sleep = task(end, "sleep");
    assertThat(sleep.status()).isEqualTo("canceled");
    assertThat(sleep.errored()).isFalse();
    assertThat(sleep.error()).isNull();
  }

  // port of TestPipelineRunner_CancelJob_WithQueuedJob
  @Test
  void cancelledWaitingJobNeverStartsAndTheJobsAroundItRun() {
    // given one running job and two waiting behind it (concurrency 1)
    Path gate = gates.gate();
    Map<String, Object> vars = Map.of("gate", gate.toString());
    JobView job1 = kit.schedule("long_running_queued", vars);
    JobView job2 = kit.schedule("long_running_queued", vars);
    JobView job3 = kit.schedule("long_running_queued", vars);
    kit.until(job1.id(), j -> task(j, "sleep").status().equals("running"));

    // when the second one is cancelled, then the first one may go on
    get(kit.runner.cancel(job2.id()));
    assertThat(kit.until(job2.id(), JobView::canceled).completed()).isTrue();
    Gates.open(gate);

    // then the first and the third end done
    assertThat(kit.completed(job1.id()).lastError()).isNull();
    assertThat(kit.completed(job3.id()).lastError()).isNull();
    assertThat(kit.job(job3.id()).canceled()).isFalse();
    // and the second never started, its task canceled
    JobView canceled = kit.job(job2.id());
    assertThat(canceled.start()).isNull();
    assertThat(task(canceled, "sleep").status()).isEqualTo("canceled");
  }

  // port of TestPipelineRunner_FirstErroredTaskShouldCancelAllRunningTasks_ByDefault; the
  // MockRunner's cancel is here a real SIGINT (prunner's cancel signal) to the other task
  @Test
  void firstFailingTaskCancelsTheOtherRunningTaskAndStopsItsProcess() throws Exception {
    // given task "ok" running (its shell's pid in a file) when task "err" fails
    Path pid = dir.resolve("fail-fast.pid");
    Path signal = dir.resolve("fail-fast.signal");
    JobView job = kit.schedule("long_running_with_error", Map.of("pid", pid.toString(),
        "signal", signal.toString(), "gate", gates.gate().toString()));

    // when the job ends
    JobView end = kit.completed(job.id());

    // then err is errored, ok canceled, and the job failed
    assertThat(end.lastError()).isNotNull();
    assertThat(task(end, "err").errored()).isTrue();
    assertThat(task(end, "ok").status()).isEqualTo("canceled");
    assertThat(task(end, "ok").errored()).isFalse();
    // and ok's process got SIGINT and is gone, though its gate never opened
    long okPid = Long.parseLong(Files.readString(pid).trim());
    await().atMost(WAIT).until(() -> !ProcessHandle.of(okPid).map(ProcessHandle::isAlive)
        .orElse(false));
    assertThat(signal).hasContent("INT");
  }

  // port of TestPipelineRunner_FirstErroredTaskShouldNotCancelAllOtherRunningTasks_IfConfigured
  @Test
  void withContinueRunningTasksAfterFailureTheOtherTaskRunsToItsEnd() throws Exception {
    // given continue_running_tasks_after_failure, task "ok" running when task "err" fails
    Path pid = dir.resolve("continued.pid");
    Path gate = gates.gate();
    JobView job = kit.schedule("long_running_with_error_continued",
        Map.of("pid", pid.toString(), "gate", gate.toString()));
    JobView failed = kit.until(job.id(), j -> task(j, "err").status().equals("error"));

    // then ok still runs, its process alive
    assertThat(task(failed, "ok").status()).isEqualTo("running");
    long okPid = Long.parseLong(Files.readString(pid).trim());
    assertThat(ProcessHandle.of(okPid)).hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());

    // when ok's gate opens
    Gates.open(gate);

    // then ok ends done, and the job completed, not canceled, with the error of err
    JobView end = kit.completed(job.id());
    assertThat(task(end, "err").errored()).isTrue();
    assertThat(task(end, "ok").status()).isEqualTo("done");
    assertThat(end.completed()).isTrue();
    assertThat(end.canceled()).isFalse();
    assertThat(end.lastError()).isNotNull();
  }

  // Drover: prunner runs on_error after a user's cancel (its cancel fails the job); a cancel is
  // not a failure here, so on_error does not run
  @Test
  void onErrorDoesNotRunAfterAUsersCancel() {
    // given a running job of a pipeline with an on_error hook that leaves a marker file
    Path marker = dir.resolve("on-error-ran");
    JobView job = kit.schedule("canceled_with_on_error",
        Map.of("gate", gates.gate().toString(), "marker", marker.toString()));
    kit.until(job.id(), j -> task(j, "sleep").status().equals("running"));

    // when a user cancels it
    get(kit.runner.cancel(job.id()));

    // then the job ended canceled, with no on_error task, and the hook never ran
    JobView end = kit.completed(job.id());
    assertThat(end.canceled()).isTrue();
    assertThat(end.tasks()).extracting(TaskView::name).containsExactly("sleep");
    assertThat(marker).doesNotExist();
  }
}
