package dev.drover.pipeline;

import static dev.drover.pipeline.RunnerKit.WAIT;
import static dev.drover.pipeline.RunnerKit.get;
import static dev.drover.pipeline.RunnerKit.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.drover.flow.CompletionResult.Outcome;
import dev.drover.pipeline.PipelineApi.JobView;
import dev.drover.pipeline.PipelineApi.ShuttingDown;
import dev.drover.pipeline.PipelineApi.TaskView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shutdown and what a restart on the same data directory finds: Drover's persistence, where
 * prunner's tests load a MockStore into a new PipelineRunner. A restart here closes the runner
 * (its in-process shell workers die with its actor system) while a job runs, then starts a new
 * one on the same {@code data}: the journal still says the interrupted task was running, as after
 * a crash, so the new runner must end or retry it. (A SIGKILL of a separate server JVM is
 * another test's.) Each test has its own data directory and runners.
 */
class RunnerRestartTest {
  private static final String PIPELINES = """
      pipelines:
        queued:
          tasks:
            work:
              script:
                - echo {{ .name }} >> {{ .order }}
                - while [ ! -f {{ .gate }} ]; do sleep 0.05; done

        long_running:
          tasks:
            sleep:
              script:
                - while [ ! -f {{ .gate }} ]; do sleep 0.05; done

        retried:
          tasks:
            sleep:
              retry: {count: 1}
              script:
                - echo run >> {{ .runs }}
                - while [ ! -f {{ .gate }} ]; do sleep 0.05; done

        approval:
          tasks:
            ask:
              await_callback: true
              script:
                - echo "$DROVER_CALLBACK_TOKEN"
            after:
              depends_on: [ask]
              script: [echo approved]

        keep_one:
          retention_count: 1
          tasks:
            echo:
              script: [echo a]
      """;

  @TempDir Path dir;

  private RunnerKit runner() {
    return new RunnerKit(dir.resolve("data"), PIPELINES);
  }

  private static boolean running(JobView job, String task) {
    return task(job, task).status().equals("running");
  }

  @Test
  void waitingJobsAreStillWaitingAfterARestartAndRunInTheirOrder() throws Exception {
    try (Gates gates = new Gates(dir.resolve("gates"))) {
      Path gate = gates.gate();
      Path order = dir.resolve("order.txt");
      UUID job1;
      UUID job2;
      UUID job3;
      // given a running job and two waiting behind it (concurrency 1)
      try (RunnerKit kit = runner()) {
        job1 = kit.schedule("queued", vars("job1", order, gate)).id();
        job2 = kit.schedule("queued", vars("job2", order, gate)).id();
        job3 = kit.schedule("queued", vars("job3", order, gate)).id();
        kit.until(job1, j -> running(j, "work"));
        // (running in the job's view comes before the script's first line has run)
        await().atMost(WAIT).until(() -> lines(order) == 1);

        // when the runner stops
      }
      // and a new one starts on the same data
      try (RunnerKit kit = runner()) {
        // then the first job's task was interrupted, the second runs, the third still waits
        assertThat(kit.completed(job1).canceled()).isTrue();
        kit.until(job2, j -> running(j, "work"));
        assertThat(kit.job(job3).start()).isNull();
        assertThat(task(kit.job(job3), "work").status()).isEqualTo("waiting");

        // when the scripts may end, then both end done, the second before the third
        Gates.open(gate);
        assertThat(kit.completed(job2).errored()).isFalse();
        assertThat(kit.completed(job3).errored()).isFalse();
        assertThat(Files.readAllLines(order)).containsExactly("job1", "job2", "job3");
      }
    }
  }

  private static Map<String, Object> vars(String name, Path order, Path gate) {
    return Map.of("name", name, "order", order.toString(), "gate", gate.toString());
  }

  // port of TestPipelineRunner_Shutdown_WithRunningJob_Forced: prunner cancels the job when its
  // shutdown context ends; Drover leaves it to the journal and the next start ends it. Changed
  // where Drover fixes prunner: the recovered job has an end time (prunner leaves it empty)
  @Test
  void jobStillRunningWhenTheShutdownGraceEndsIsCanceledByTheRestart() throws Exception {
    try (Gates gates = new Gates(dir.resolve("gates"))) {
      UUID id;
      // given a running job
      try (RunnerKit kit = runner()) {
        id = kit.schedule("long_running", Map.of("gate", gates.gate().toString())).id();
        kit.until(id, j -> running(j, "sleep"));

        // when a shutdown's grace of 100 ms ends with the job still running
        kit.runner.stopAccepting();
        get(kit.runner.awaitNoRunningJobs(Duration.ofMillis(100)));
        assertThat(kit.job(id).completed()).isFalse();

        // and the runner stops
      }
      // then the next runner on the same data ends it canceled, with an end time
      try (RunnerKit kit = runner()) {
        JobView job = kit.completed(id);
        assertThat(job.canceled()).isTrue();
        assertThat(job.errored()).isFalse();
        assertThat(job.end()).isNotNull();
        assertThat(job.lastError()).contains("interrupted by restart, fate unknown");
        // and its task canceled, not errored, saying why, with an end time
        TaskView sleep = task(job, "sleep");
        assertThat(sleep.status()).isEqualTo("canceled");
        assertThat(sleep.errored()).isFalse();
        assertThat(sleep.error()).isEqualTo("interrupted by restart, fate unknown");
        assertThat(sleep.end()).isNotNull();
      }
    }
  }

  // port of TestPipelineRunner_CancelJob_WithStoppedJob_ShouldNotThrowFatalError: prunner loads a
  // job stored as running into a new runner and cancels it. Here the job really was running; its
  // task's retry lets the new runner run it again, and cancelling it then works
  @Test
  void interruptedTaskWhoseRetryAllowsItRunsAgainAfterTheRestartAndCanBeCanceled()
      throws Exception {
    try (Gates gates = new Gates(dir.resolve("gates"))) {
      Path runs = dir.resolve("runs.txt");
      Map<String, Object> vars = Map.of("runs", runs.toString(), "gate", gates.gate().toString());
      UUID id;
      // given a job whose task (retry count 1) runs when the runner stops
      try (RunnerKit kit = runner()) {
        id = kit.schedule("retried", vars).id();
        // (running in the job's view comes before the script's first line has run)
        await().atMost(WAIT).until(() -> lines(runs) == 1);
      }
      try (RunnerKit kit = runner()) {
        // when a new runner starts on the same data, then it runs the task again
        await().atMost(WAIT).until(() -> lines(runs) == 2);
        kit.until(id, j -> running(j, "sleep"));

        // when the job is cancelled, then it is, without an error
        get(kit.runner.cancel(id));
        JobView job = kit.completed(id);
        assertThat(job.canceled()).isTrue();
        assertThat(job.end()).isNotNull();
        assertThat(task(job, "sleep").status()).isEqualTo("canceled");
      }
    }
  }

  @Test
  void taskAwaitingACallbackKeepsWaitingThroughARestartAndIsCompletedAfterIt() throws Exception {
    UUID id;
    String token;
    // given a task that printed its callback token and waits for it: its script ended, which
    // the engine's DELAYED says (the API shows it running, as before its script ended)
    try (RunnerKit kit = runner()) {
      java.util.concurrent.atomic.AtomicBoolean delayed =
          new java.util.concurrent.atomic.AtomicBoolean();
      try (AutoCloseable events = kit.runner.flows().subscribe(e -> {
        if ("ask".equals(e.task()) && "DELAYED".equals(e.status())) {
          delayed.set(true);
        }
      })) {
        id = kit.schedule("approval", Map.of()).id();
        await().atMost(WAIT).untilTrue(delayed);
      }
      token = kit.stdout(id, "ask").strip();
    }
    // when a new runner starts on the same data
    try (RunnerKit kit = runner()) {
      // then the task still waits
      JobView waiting = kit.job(id);
      assertThat(waiting.completed()).isFalse();
      assertThat(task(waiting, "ask").status()).isEqualTo("running");

      // and completing it with its token lets the job end done
      assertThat(get(kit.runner.completeTask(id, "ask", token, true, null, null)).outcome())
          .isEqualTo(Outcome.ACCEPTED);
      JobView done = kit.completed(id);
      assertThat(done.errored()).isFalse();
      assertThat(done.tasks()).extracting(TaskView::status).containsOnly("done");
    }
  }

  // port of TestPipelineRunner_Shutdown_WithRunningJob_Graceful
  @Test
  void shutdownRefusesNewJobsAndWaitsForTheRunningOneToEnd() throws Exception {
    try (Gates gates = new Gates(dir.resolve("gates")); RunnerKit kit = runner()) {
      // given a running job
      Path gate = gates.gate();
      UUID id = kit.schedule("long_running", Map.of("gate", gate.toString())).id();
      kit.until(id, j -> running(j, "sleep"));

      // when the shutdown begins
      kit.runner.stopAccepting();
      CompletableFuture<Void> drained =
          kit.runner.awaitNoRunningJobs(WAIT).toCompletableFuture();

      // then it waits for the job, and new jobs are refused
      assertThat(drained).isNotDone();
      assertThatThrownBy(() -> kit.schedule("long_running", Map.of()))
          .hasRootCauseInstanceOf(ShuttingDown.class);

      // when the job's script ends, then the shutdown may go on, the job done, not canceled
      Gates.open(gate);
      get(drained);
      JobView job = kit.job(id);
      assertThat(job.completed()).isTrue();
      assertThat(job.canceled()).isFalse();
      assertThat(task(job, "sleep").status()).isEqualTo("done");
    }
  }

  // port of the second half of TestPipelineRunner_ShouldRemoveOldJobsWhenRetentionPeriodIsConfigured:
  // a new runner on the same store holds only the job retention kept
  @Test
  void jobsRemovedByRetentionStayRemovedAfterARestart() throws Exception {
    UUID job2;
    // given retention_count 1 and two finished jobs, the older one removed
    try (RunnerKit kit = runner()) {
      kit.completed(kit.schedule("keep_one", Map.of()).id());
      job2 = kit.schedule("keep_one", Map.of()).id();
      kit.completed(job2);
      await().atMost(WAIT).until(() -> kit.jobs("keep_one").size() == 1);
    }
    // when a new runner starts on the same data
    try (RunnerKit kit = runner()) {
      // then it holds only the newer job, with its output
      assertThat(kit.jobs("keep_one")).extracting(JobView::id).containsExactly(job2);
      assertThat(kit.stdout(job2, "echo")).isEqualTo("a\n");
    }
  }

  private static int lines(Path file) throws java.io.IOException {
    return Files.exists(file) ? Files.readAllLines(file).size() : 0;
  }
}
