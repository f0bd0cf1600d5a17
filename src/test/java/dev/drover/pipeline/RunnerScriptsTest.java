package dev.drover.pipeline;

import static dev.drover.pipeline.RunnerKit.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.drover.pipeline.PipelineApi.JobView;
import dev.drover.pipeline.PipelineApi.TaskView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a job's scripts see and leave: dependencies, environment, the on_error hook, template
 * values, and the job as the API shows it. Ports of prunner's prunner_test.go, each named above
 * its test; every pipeline belongs to one test, so the tests share one runner.
 */
class RunnerScriptsTest {
  private static final String PIPELINES = """
      pipelines:
        empty_script:
          tasks:
            a:
              script: [echo A]
            b:
              script: [echo B]
            c:
              script: [echo C]
            wait:
              depends_on: [a, b, c]

        complex_dep:
          tasks:
            a:
              script: ["echo a >> {{ .order }}"]
            b:
              depends_on: [a, e]
              script: ["echo b >> {{ .order }}"]
            c:
              depends_on: [d, b]
              script: ["echo c >> {{ .order }}"]
            d:
              depends_on: [a]
              script: ["echo d >> {{ .order }}"]
            e:
              depends_on: [a]
              script: ["echo e >> {{ .order }}"]
            f:
              depends_on: [b, e]
              script: ["echo f >> {{ .order }}"]
            g:
              depends_on: [c, f]
              script: ["echo g >> {{ .order }}"]

        no_dependencies:
          tasks:
            zeta:
              script: ["echo zeta >> {{ .order }}"]
            alpha:
              script: ["echo alpha >> {{ .order }}"]

        simple_dep:
          tasks:
            b:
              depends_on: [a]
              script: ["echo b >> {{ .order }}"]
            a:
              script: ["echo a >> {{ .order }}"]

        chain:
          tasks:
            site_export:
              depends_on: [prepare_directory]
              script: ["echo site_export >> {{ .order }}"]
            build_archive:
              depends_on: [site_export]
              script: ["echo build_archive >> {{ .order }}"]
            prepare_directory:
              script: ["echo prepare_directory >> {{ .order }}"]

        env_vars:
          env:
            MY_VAR: from pipeline
            OTHER_VAR: from pipeline
            HOME: from pipeline
            TASK_NAME: from pipeline
          tasks:
            pipeline_var:
              script:
                - printf '%s' "$MY_VAR,$OTHER_VAR,$HOME,$TASK_NAME,$PATH"
            task_var:
              env:
                MY_VAR: from task
                TASK_NAME: from task
              script:
                - printf '%s' "$MY_VAR,$OTHER_VAR,$HOME,$TASK_NAME,$PATH"

        erroring_script:
          tasks:
            a:
              script: [echo A]
            b:
              script:
                - echo stdoutContent
                - echo This message goes to stderr >&2
                - exit 42
            wait:
              depends_on: [a, b]
          on_error:
            script:
              - echo ON_ERROR
              - "echo 'Failed Task Name: {{ .failedTaskName }}'"
              - "echo 'Failed Task Exit Code: {{ .failedTaskExitCode }}'"
              - "echo 'Failed Task Error: {{ .failedTaskError }}'"
              - "echo 'Failed Task Stdout: {{ .failedTaskStdout }}'"
              - "echo 'Failed Task Stderr: {{ .failedTaskStderr }}'"

        erroring_script_failing_hook:
          tasks:
            a:
              script: [echo A]
            b:
              script:
                - echo stdoutContent
                - echo This message goes to stderr >&2
                - exit 42
            wait:
              depends_on: [a, b]
          on_error:
            script:
              - echo ON_ERROR
              - exit 1

        erroring_script_unknown_variable:
          tasks:
            a:
              script: [echo A]
            b:
              script:
                - echo stdoutContent
                - echo This message goes to stderr >&2
                - exit 42
            wait:
              depends_on: [a, b]
          on_error:
            script:
              - echo ON_ERROR
              - echo {{ .does_not_exist_and_error }}

        injection_quoted:
          tasks:
            echo:
              script:
                - echo {{ .v }}

        injection_unquoted:
          quote_variables: false
          tasks:
            echo:
              script:
                - echo {{ .v }}

        views_ok:
          tasks:
            first:
              script: [echo first]
            second:
              depends_on: [first]
              script: [echo second]

        views_failed:
          tasks:
            first:
              script: [echo first]
            broken:
              depends_on: [first]
              script: [exit 3]
            after_broken:
              depends_on: [broken]
              script: [echo never]
            last:
              depends_on: [after_broken, first]
              script: [echo never]
      """;

  @TempDir static Path dir;
  static RunnerKit kit;

  @BeforeAll
  static void startRunner() {
    kit = new RunnerKit(dir.resolve("data"), PIPELINES);
  }

  @AfterAll
  static void stopRunner() throws Exception {
    kit.close();
  }

  // port of TestPipelineRunner_ScheduleAsync_WithEmptyScriptTask
  @Test
  void taskWithoutAScriptEndsDoneOnceItsDependenciesAreDone() {
    // given a task "wait" with no script that depends on three echoing tasks
    // when a job of the pipeline runs
    JobView job = kit.completed(kit.schedule("empty_script", Map.of()).id());

    // then the job ends without an error and every task, "wait" included, is done
    assertThat(job.lastError()).isNull();
    assertThat(job.errored()).isFalse();
    assertThat(job.tasks()).extracting(TaskView::status).containsOnly("done");
  }

  // port of TestJobTasks_sortTasksByDependencies ("complex dep"). prunner sorts a job's tasks
  // topologically for its UI because a Go map has no order; Drover keeps the order of
  // pipelines.yml (the PipelineApi contract), so the listing is checked against the file, and
  // what the sort stands for, dependencies before dependents, against the order the tasks ran in
  @Test
  void tasksRunAfterTheirDependenciesAndAreListedInDefinitionOrder() throws Exception {
    // given the "complex dep" graph of prunner's test, each task appending its name to a file
    Path order = dir.resolve("complex-order.txt");

    // when a job runs
    JobView job = kit.completed(
        kit.schedule("complex_dep", Map.of("order", order.toString())).id());

    // then every task ran after each task it depends on
    List<String> ran = Files.readAllLines(order);
    assertThat(ran).containsExactlyInAnyOrder("a", "b", "c", "d", "e", "f", "g");
    for (TaskView t : job.tasks()) {
      for (String dependency : t.dependsOn()) {
        assertThat(ran.indexOf(t.name()))
            .as("%s runs after %s in %s", t.name(), dependency, ran)
            .isGreaterThan(ran.indexOf(dependency));
      }
    }
    // and the job lists its tasks as pipelines.yml declares them, with their dependencies
    assertThat(job.tasks()).extracting(TaskView::name)
        .containsExactly("a", "b", "c", "d", "e", "f", "g");
    assertThat(task(job, "c").dependsOn()).containsExactly("d", "b");
    assertThat(task(job, "a").dependsOn()).isEmpty();
  }

  // port of TestJobTasks_sortTasksByDependencies ("no dependencies" and "simple dep"), listed as
  // declared where prunner sorts (see the test above)
  @Test
  void independentTasksAndASimpleDependencyAreListedAsDeclared() throws Exception {
    // given two independent tasks declared zeta first, and b declared before a, which it needs
    Path simpleOrder = dir.resolve("simple-order.txt");

    // when a job of each pipeline runs
    JobView independent = kit.completed(kit.schedule("no_dependencies",
        Map.of("order", dir.resolve("independent-order.txt").toString())).id());
    JobView simple = kit.completed(
        kit.schedule("simple_dep", Map.of("order", simpleOrder.toString())).id());

    // then both are done and listed as declared, and b ran after a
    assertThat(independent.tasks()).extracting(TaskView::name).containsExactly("zeta", "alpha");
    assertThat(independent.tasks()).extracting(TaskView::status).containsOnly("done");
    assertThat(simple.tasks()).extracting(TaskView::name).containsExactly("b", "a");
    assertThat(Files.readAllLines(simpleOrder)).containsExactly("a", "b");
  }

  // port of TestJobTasks_sortTasksByDependencies ("chain"): the chain allows one order only
  @Test
  void chainOfDependenciesRunsInItsOnlyOrderWhateverTheDeclarationOrder() throws Exception {
    // given a chain declared last task first
    Path order = dir.resolve("chain-order.txt");

    // when a job runs
    JobView job = kit.completed(kit.schedule("chain", Map.of("order", order.toString())).id());

    // then the tasks ran in the order prunner's sort lists them
    assertThat(Files.readAllLines(order))
        .containsExactly("prepare_directory", "site_export", "build_archive");
    // and are listed as declared
    assertThat(job.tasks()).extracting(TaskView::name)
        .containsExactly("site_export", "build_archive", "prepare_directory");
  }

  // port of TestPipelineRunner_ScheduleAsync_WithEnvVars, with TASK_NAME and an overridden
  // process variable added. prunner sets its process variable with os.Setenv; a JVM cannot
  // change its own environment, so PATH, which every JVM has and no pipeline here sets, stands
  // for the process variable that must reach the script, and HOME for one the pipeline overrides
  @Test
  void environmentLayersFromProcessToPipelineToTaskNameToTask() {
    // given a pipeline env over the process env (HOME), and a task env over both and TASK_NAME
    // when a job runs
    JobView job = kit.completed(kit.schedule("env_vars", Map.of("test_var", "test")).id());

    // then a task without env sees the pipeline's values, its own name and the process's PATH
    assertThat(job.errored()).isFalse();
    String path = System.getenv("PATH");
    assertThat(kit.stdout(job.id(), "pipeline_var"))
        .isEqualTo("from pipeline,from pipeline,from pipeline,pipeline_var," + path);
    // (byte for byte: printf '%s' wrote no newline, and none is added)
    // and a task env wins over the pipeline env and over TASK_NAME
    assertThat(kit.stdout(job.id(), "task_var"))
        .isEqualTo("from task,from pipeline,from pipeline,from task," + path);
  }

  // port of TestPipelineRunner_ScheduleAsync_WithFailingScript_TriggersOnErrorHook. Changed
  // where Drover fixes prunner: "wait", a dependent of the failed task, ends skipped where
  // prunner leaves it waiting, and successful tasks report exit code 0 where prunner says -1
  @Test
  void failingTaskTriggersOnErrorWithTheFailedTasksNameExitCodeErrorAndOutput() {
    // given task b that prints to stdout and stderr and exits 42, and an on_error hook
    // when a job runs
    JobView job = kit.completed(kit.schedule("erroring_script", Map.of()).id());

    // then the hook saw what b did, under prunner's variable names
    assertThat(job.lastError()).isNotNull();
    assertThat(job.errored()).isTrue();
    assertThat(kit.stdout(job.id(), "on_error")).isEqualTo("""
        ON_ERROR
        Failed Task Name: b
        Failed Task Exit Code: 42
        Failed Task Error: exit status 42
        Failed Task Stdout: stdoutContent

        Failed Task Stderr: This message goes to stderr

        """);
    // and the hook itself is done, neither canceled nor errored
    TaskView onError = task(job, "on_error");
    assertThat(onError.status()).isEqualTo("done");
    assertThat(onError.errored()).isFalse();
    assertThat(onError.error()).isNull();
    assertThat(onError.exitCode()).isZero();
    // and b failed with its exit code, while "wait", which needed b, was skipped
    assertThat(task(job, "b")).satisfies(b -> {
      assertThat(b.status()).isEqualTo("error");
      assertThat(b.exitCode()).isEqualTo(42);
      assertThat(b.error()).isEqualTo("exit status 42");
    });
    assertThat(task(job, "wait").status()).isEqualTo("skipped");
  }

  // port of TestPipelineRunner_ScheduleAsync_WithFailingScript_TriggersOnErrorHook_
  // AndSetsStateCorrectlyIfErrorHookFails
  @Test
  void onErrorHookThatFailsEndsInError() {
    // given an on_error hook that exits 1
    // when a job with a failing task runs
    JobView job = kit.completed(kit.schedule("erroring_script_failing_hook", Map.of()).id());

    // then the hook is errored, not canceled, with its error set
    assertThat(job.lastError()).isNotNull();
    TaskView onError = task(job, "on_error");
    assertThat(onError.status()).isEqualTo("error");
    assertThat(onError.errored()).isTrue();
    assertThat(onError.error()).isEqualTo("exit status 1");
    assertThat(kit.stdout(job.id(), "on_error")).isEqualTo("ON_ERROR\n");
  }

  // port of TestPipelineRunner_ScheduleAsync_WithFailingScript_TriggersOnErrorHook_
  // AndSetsStateCorrectlyIfErrorHookUsesUnknownVariables. The message is Drover's (prunner's is
  // Go's text/template one); both name the missing key
  @Test
  void onErrorHookUsingAnUnknownVariableFailsWithAMessageNamingTheKey() {
    // given an on_error hook whose second line uses a variable nobody set
    // when a job with a failing task runs
    JobView job = kit.completed(
        kit.schedule("erroring_script_unknown_variable", Map.of()).id());

    // then the hook is errored with a message naming the key, the line and the task
    assertThat(job.lastError()).isNotNull();
    TaskView onError = task(job, "on_error");
    assertThat(onError.status()).isEqualTo("error");
    assertThat(onError.errored()).isTrue();
    assertThat(onError.error()).isEqualTo("missing variable \"does_not_exist_and_error\""
        + " in script line 2 of task \"on_error\"");
  }

  // Drover: template values are shell-quoted (prunner pastes them unquoted, a defect we fix)
  @Test
  void variableHoldingShellCodeIsPrintedAndNotRun() {
    // given a variable whose value would run a command if pasted into the script
    Path file = dir.resolve("injected-quoted");
    String value = "x; touch " + file;

    // when a job echoes it
    JobView job = kit.completed(kit.schedule("injection_quoted", Map.of("v", value)).id());

    // then the value is printed as it is and the command never ran
    assertThat(job.errored()).isFalse();
    assertThat(kit.stdout(job.id(), "echo")).isEqualTo(value + "\n");
    assertThat(file).doesNotExist();
  }

  // documents prunner's behaviour, which quote_variables: false keeps for pipelines relying on it
  @Test
  void withQuoteVariablesOffAVariableHoldingShellCodeRunsIt() {
    // given the same value in a pipeline with quote_variables: false
    Path file = dir.resolve("injected-unquoted");
    String value = "x; touch " + file;

    // when a job echoes it
    JobView job = kit.completed(kit.schedule("injection_unquoted", Map.of("v", value)).id());

    // then the shell ran the pasted command: echo printed only x and the file exists
    assertThat(job.errored()).isFalse();
    assertThat(kit.stdout(job.id(), "echo")).isEqualTo("x\n");
    assertThat(file).exists();
  }

  @Test
  void successfulJobShowsEndTimesAndExitCodeZero() {
    // given a pipeline of two successful tasks
    // when a job runs
    JobView job = kit.completed(kit.schedule("views_ok", Map.of()).id());

    // then the job and every task have an end time, and each task exit code 0
    assertThat(job.end()).isNotNull();
    assertThat(job.canceled()).isFalse();
    assertThat(job.errored()).isFalse();
    assertThat(job.tasks()).allSatisfy(t -> {
      assertThat(t.status()).isEqualTo("done");
      assertThat(t.exitCode()).isZero();
      assertThat(t.start()).isNotNull();
      assertThat(t.end()).isNotNull();
      assertThat(t.error()).isNull();
    });
  }

  @Test
  void dependentsOfAFailedTaskEndSkippedNeverStuckWaiting() {
    // given a chain first -> broken (exit 3) -> after_broken -> last
    // when a job runs
    JobView job = kit.completed(kit.schedule("views_failed", Map.of()).id());

    // then the job ended errored with an end time
    assertThat(job.end()).isNotNull();
    assertThat(job.errored()).isTrue();
    assertThat(job.lastError()).isNotNull();
    // and its tasks are listed in definition order, with their dependencies
    assertThat(job.tasks()).extracting(TaskView::name, TaskView::dependsOn).containsExactly(
        tuple("first", List.of()),
        tuple("broken", List.of("first")),
        tuple("after_broken", List.of("broken")),
        tuple("last", List.of("after_broken", "first")));
    // and the failed task says why, while everything after it was skipped, none left waiting
    assertThat(task(job, "first").exitCode()).isZero();
    assertThat(task(job, "broken")).satisfies(t -> {
      assertThat(t.status()).isEqualTo("error");
      assertThat(t.exitCode()).isEqualTo(3);
      assertThat(t.errored()).isTrue();
    });
    assertThat(List.of(task(job, "after_broken"), task(job, "last"))).allSatisfy(t -> {
      assertThat(t.status()).isEqualTo("skipped");
      assertThat(t.skipped()).isTrue();
      assertThat(t.end()).isNotNull();
    });
  }
}
