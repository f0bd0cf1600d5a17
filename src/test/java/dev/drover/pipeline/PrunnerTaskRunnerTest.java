package dev.drover.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.pipeline.PipelineApi.JobView;
import dev.drover.pipeline.PipelineApi.TaskView;
import dev.drover.pipeline.definition.DefinitionException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * prunner's {@code TestTaskRunner} (taskctl/runner_test.go), ported to pipelines, and the shell
 * semantics around it: a task's lines run in one shell, a failing line ends the task with its
 * exit code, {@code allow_failure} runs the remaining lines and reports the task done, and
 * {@code shell: per-line} gives each line a shell of its own.
 *
 * <p>Of prunner's four tasks, task1 ({@code echo 'taskctl'} in the root directory) succeeds with
 * its output; task2 ({@code false}, with a timeout of a minute) errors with exit code 1; task3,
 * skipped by a failing condition in taskctl, is here a task skipped because the task it depends
 * on failed (pipelines have no conditions); task4 defines a function on one line and calls it
 * on the next. taskctl's execution contexts, variations and "interactive" have no counterpart in
 * a pipelines file.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrunnerTaskRunnerTest {
  private RunnerKit kit;

  @BeforeAll
  void start(@TempDir Path dir) {
    kit = new RunnerKit(dir, """
        pipelines:
          task_runner:
            continue_running_tasks_after_failure: true
            tasks:
              task1:
                script:
                  - cd /
                  - echo 'taskctl'
              task2:
                timeout: 1m
                script:
                  - "false"
              task3:
                depends_on: [task2]
                script:
                  - echo never
              task4:
                script:
                  - 'function test_func() { echo "BBB"; } '
                  - test_func
          lines:
            continue_running_tasks_after_failure: true
            tasks:
              failing:
                script:
                  - echo one
                  - exit 3
                  - echo never
              allowed:
                allow_failure: true
                script:
                  - echo one
                  - "false"
                  - echo three
          per_line:
            shell: per-line
            tasks:
              separate:
                script:
                  - FOO=bar
                  - echo "[$FOO]"
              shared:
                shell: session
                script:
                  - FOO=bar
                  - echo "[$FOO]"
        """);
  }

  @AfterAll
  void stop() throws Exception {
    kit.close();
  }

  @Test
  void prunnersFourTasksEndAsTheyDoThere() {
    // when prunner's four tasks run as a job
    JobView job = kit.completed(kit.schedule("task_runner", Map.of()).id());

    // then task1 succeeded with its output, exit code 0
    TaskView task1 = RunnerKit.task(job, "task1");
    assertThat(task1.status()).isEqualTo("done");
    assertThat(task1.exitCode()).isZero();
    assertThat(kit.stdout(job.id(), "task1")).isEqualTo("taskctl\n");
    // task2 errored with exit code 1
    TaskView task2 = RunnerKit.task(job, "task2");
    assertThat(task2.status()).isEqualTo("error");
    assertThat(task2.errored()).isTrue();
    assertThat(task2.exitCode()).isEqualTo(1);
    // task3 was skipped
    TaskView task3 = RunnerKit.task(job, "task3");
    assertThat(task3.status()).isEqualTo("skipped");
    assertThat(task3.skipped()).isTrue();
    // task4's function, defined on one line, ran on the next
    TaskView task4 = RunnerKit.task(job, "task4");
    assertThat(task4.status()).isEqualTo("done");
    assertThat(kit.stdout(job.id(), "task4")).isEqualTo("BBB\n");
  }

  @Test
  void aFailingLineEndsTheTaskWithItsExitCodeAndAllowFailureRunsTheRestAndIsDone() {
    // when the tasks with a failing middle line run
    JobView job = kit.completed(kit.schedule("lines", Map.of()).id());

    // then without allow_failure the task stops there and errors with the line's exit code
    TaskView failing = RunnerKit.task(job, "failing");
    assertThat(failing.status()).isEqualTo("error");
    assertThat(failing.exitCode()).isEqualTo(3);
    assertThat(kit.stdout(job.id(), "failing")).isEqualTo("one\n");
    // and with it the remaining lines run and the task is done with exit code 0, as in prunner
    TaskView allowed = RunnerKit.task(job, "allowed");
    assertThat(allowed.status()).isEqualTo("done");
    assertThat(allowed.exitCode()).isZero();
    assertThat(kit.stdout(job.id(), "allowed")).isEqualTo("one\nthree\n");
  }

  @Test
  void aPipelinesPerLineShellGivesEachLineItsOwnAndATaskMayChooseTheSession() {
    // when a per-line pipeline runs a task that keeps it and one that chooses a session
    JobView job = kit.completed(kit.schedule("per_line", Map.of()).id());

    // then only the session's second line sees the first line's variable
    assertThat(kit.stdout(job.id(), "separate")).isEqualTo("[]\n");
    assertThat(kit.stdout(job.id(), "shared")).isEqualTo("[bar]\n");
  }

  @Test
  void anUnknownShellIsAProblemAtLoad(@TempDir Path dir) {
    assertThatThrownBy(() -> RunnerKit.definitions(dir, """
        pipelines:
          p:
            tasks:
              t:
                shell: zsh
                script: ["true"]
        """)).isInstanceOf(DefinitionException.class)
        .hasMessageContaining("shell of task \"t\" must be \"session\" or \"per-line\", got \"zsh\"");
  }
}
