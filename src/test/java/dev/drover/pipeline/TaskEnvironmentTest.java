package dev.drover.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The environment of a task's process: passed env < pipeline env < TASK_NAME < task env. */
class TaskEnvironmentTest {

  /*
   * The precedence scenario of prunner, ported: prunner's runner merges the pipeline env (given to
   * the task runner), then sets TASK_NAME, then merges the task's env, and its executor appends
   * that to the process environment, the last value of a name winning (taskctl/runner.go Run,
   * taskctl/executor.go Execute). Each variable below is set by a different set of layers, so each
   * shows which layer wins over which.
   */
  private static final Map<String, String> PROCESS =
      Map.of(
          "PATH", "/usr/bin:/bin",
          "ONLY_PROCESS", "process",
          "PROCESS_AND_PIPELINE", "process",
          "PROCESS_AND_TASK", "process",
          "EVERYWHERE", "process",
          "TASK_NAME", "process");
  private static final Map<String, String> PIPELINE =
      Map.of(
          "ONLY_PIPELINE", "pipeline",
          "PROCESS_AND_PIPELINE", "pipeline",
          "PIPELINE_AND_TASK", "pipeline",
          "EVERYWHERE", "pipeline",
          "TASK_NAME", "pipeline");
  private static final Map<String, String> TASK =
      Map.of(
          "ONLY_TASK", "task",
          "PROCESS_AND_TASK", "task",
          "PIPELINE_AND_TASK", "task",
          "EVERYWHERE", "task");

  @Test
  void eachLayerOverridesTheOnesBeforeIt() {
    // given a process, pipeline and task env that overlap
    TaskEnvironment environment = new TaskEnvironment(PIPELINE, "build", TASK);

    // when the task's environment is composed
    Map<String, String> env = environment.over(PROCESS);

    // then the later layer wins wherever two set the same name, and TASK_NAME is the task's
    assertThat(env)
        .containsEntry("ONLY_PROCESS", "process")
        .containsEntry("ONLY_PIPELINE", "pipeline")
        .containsEntry("ONLY_TASK", "task")
        .containsEntry("PROCESS_AND_PIPELINE", "pipeline")
        .containsEntry("PROCESS_AND_TASK", "task")
        .containsEntry("PIPELINE_AND_TASK", "task")
        .containsEntry("EVERYWHERE", "task")
        .containsEntry("TASK_NAME", "build");
  }

  @Test
  void theTasksEnvMaySetTaskNameItself() {
    TaskEnvironment environment =
        new TaskEnvironment(Map.of(), "build", Map.of("TASK_NAME", "custom"));

    assertThat(environment.over(Map.of()).get("TASK_NAME")).isEqualTo("custom");
  }

  @Test
  void theTaskProcessSeesTheComposedEnvironment(@TempDir Path dir) {
    // given a process builder whose environment is the runner's, with a secret in it
    ProcessBuilder process =
        new ProcessBuilder(
            "/bin/sh",
            "-c",
            "printf '%s\\n' \"$ONLY_PROCESS $PROCESS_AND_PIPELINE $PROCESS_AND_TASK"
                + " $PIPELINE_AND_TASK $EVERYWHERE $TASK_NAME${DROVER_JWT_SECRET:-}\"");
    process.directory(dir.toFile());
    process.environment().put("DROVER_JWT_SECRET", "secret");

    // when the task's environment is applied over the passed variables and the process runs
    new TaskEnvironment(PIPELINE, "deploy", TASK).applyTo(process, PROCESS);
    Sh.Result result = Sh.run(process);

    // then the shell sees each variable from the layer that wins
    assertThat(result.stdout()).isEqualTo("process pipeline task task task deploy\n");
  }

  @Test
  void envValuesArePassedAsWrittenNotRendered() {
    // given an env value that looks like a template
    TaskEnvironment environment = new TaskEnvironment(Map.of("A", "{{ .name }}"), "t", Map.of());

    // then it stays that text, as in prunner
    assertThat(environment.overrides()).containsEntry("A", "{{ .name }}");
  }

  @Test
  void theOverridesAreWhatTheTaskAddsToTheProcess() {
    TaskEnvironment environment = new TaskEnvironment(PIPELINE, "build", TASK);

    Map<String, String> expected = new HashMap<>(PIPELINE);
    expected.put("TASK_NAME", "build");
    expected.putAll(TASK);
    assertThat(environment.overrides()).isEqualTo(expected);
  }

  @Test
  void aNameNoProcessCanHoldIsRefusedNamingTheTask() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> new TaskEnvironment(Map.of(), "build", Map.of("A=B", "x")))
        .withMessage("invalid variable name \"A=B\" in env of task \"build\"");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> new TaskEnvironment(Map.of("", "x"), "build", Map.of()))
        .withMessageContaining("pipeline env");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> new TaskEnvironment(Map.of("A", "x\0y"), "build", Map.of()))
        .withMessageContaining("NUL");
  }
}
