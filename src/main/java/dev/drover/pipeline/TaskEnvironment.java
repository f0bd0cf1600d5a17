package dev.drover.pipeline;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The environment of a task's process, composed as prunner composes it, each layer overriding the
 * one before:
 *
 * <ol>
 *   <li>the runner's own process environment;
 *   <li>the pipeline's {@code env};
 *   <li>{@code TASK_NAME}, the task's name ({@code on_error} for the error handler);
 *   <li>the task's {@code env}, which may even set {@code TASK_NAME}.
 * </ol>
 *
 * prunner sets no other variable: the job id is not in the environment (scripts get it as {@code
 * {{ .__jobID }}}), and env values are passed as written, not rendered as templates. Drover keeps
 * both: a value like {@code {{ .x }}} in {@code env} stays that text.
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

  /** What the task sets on top of the process environment: pipeline env, TASK_NAME, task env. */
  public Map<String, String> overrides() {
    Map<String, String> env = new LinkedHashMap<>(pipelineEnv);
    env.put(TASK_NAME, taskName);
    env.putAll(taskEnv);
    return Collections.unmodifiableMap(env);
  }

  /** The whole environment of the task's process, on top of {@code processEnv}. */
  public Map<String, String> over(Map<String, String> processEnv) {
    Map<String, String> env = new LinkedHashMap<>(processEnv);
    env.putAll(overrides());
    return Collections.unmodifiableMap(env);
  }

  /**
   * Sets the task's variables on {@code process}, whose environment starts as a copy of the
   * runner's own.
   */
  public void applyTo(ProcessBuilder process) {
    process.environment().putAll(overrides());
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
