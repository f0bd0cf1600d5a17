package dev.drover.pipeline;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The environment of a task's process, each layer overriding the one before:
 *
 * <ol>
 *   <li>the server's variables that {@link PassedVariables} lets through ({@code PATH}, {@code
 *       HOME}, ...; never {@code DROVER_*} or {@code PRUNNER_*});
 *   <li>the pipeline's {@code env};
 *   <li>{@code TASK_NAME}, the task's name ({@code on_error} for the error handler);
 *   <li>the task's {@code env}, which may even set {@code TASK_NAME};
 *   <li>for a task with {@code await_callback} only, {@code DROVER_CALLBACK_URL} and {@code
 *       DROVER_CALLBACK_TOKEN}.
 * </ol>
 *
 * Layers 2 to 4 are prunner's, in prunner's order; prunner puts its whole process environment
 * below them, where Drover puts only the variables it passes. prunner sets no other variable:
 * the job id is not in the environment (scripts get it as {@code {{ .__jobID }}}), and env values
 * are passed as written, not rendered as templates. Drover keeps both: a value like {@code {{ .x
 * }}} in {@code env} stays that text.
 *
 * @param pipelineEnv the pipeline's {@code env}
 * @param taskName the task's name
 * @param taskEnv the task's {@code env}
 */
public record TaskEnvironment(
    Map<String, String> pipelineEnv, String taskName, Map<String, String> taskEnv) {

  /** The variable holding the task's name. */
  public static final String TASK_NAME = "TASK_NAME";

  public TaskEnvironment {
    Objects.requireNonNull(taskName, "taskName");
    pipelineEnv = checked(pipelineEnv, "pipeline env");
    taskEnv = checked(taskEnv, "env of task \"" + taskName + "\"");
  }

  /** What the pipeline gives the task: pipeline env, TASK_NAME, task env. */
  public Map<String, String> overrides() {
    Map<String, String> env = new LinkedHashMap<>(pipelineEnv);
    env.put(TASK_NAME, taskName);
    env.putAll(taskEnv);
    return Collections.unmodifiableMap(env);
  }

  /** The whole environment of the task's process, on top of the server's {@code passed} ones. */
  public Map<String, String> over(Map<String, String> passed) {
    Map<String, String> env = new LinkedHashMap<>(passed);
    env.putAll(overrides());
    return Collections.unmodifiableMap(env);
  }

  /** Makes {@code process}'s environment the task's, on top of the server's {@code passed} ones. */
  public void applyTo(ProcessBuilder process, Map<String, String> passed) {
    process.environment().clear();
    process.environment().putAll(over(passed));
  }

  /**
   * A copy, refusing what no process environment can hold, so the mistake is reported with the
   * pipeline's name for it instead of as ProcessBuilder's bare IllegalArgumentException.
   */
  private static Map<String, String> checked(Map<String, String> env, String what) {
    Map<String, String> copy = new LinkedHashMap<>();
    env.forEach(
        (name, value) -> {
          if (name == null || name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("invalid variable name \"" + name + "\" in " + what);
          }
          if (value == null || value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(
                "variable " + name + " in " + what + " has no value or holds a NUL character");
          }
          copy.put(name, value);
        });
    return Collections.unmodifiableMap(copy);
  }
}
