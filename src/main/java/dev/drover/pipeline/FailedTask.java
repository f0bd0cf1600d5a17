package dev.drover.pipeline;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The task whose failure made a job run its {@code on_error} task. Its script sees the job's
 * variables and these, under prunner's names:
 *
 * <pre>
 * failedTaskName  failedTaskExitCode  failedTaskError  failedTaskStdout  failedTaskStderr
 * </pre>
 *
 * They come from a failed process, so their text is arbitrary: {@code echo "{{
 * .failedTaskStderr }}"} is only safe because
 * {@link dev.drover.pipeline.template.ScriptTemplate} quotes values.
 *
 * @param name the task's name
 * @param exitCode its exit code (a number: {@code {{ .failedTaskExitCode }}} renders {@code 1})
 * @param error what went wrong, or null
 * @param stdout its output, or null when it could not be read
 * @param stderr its error output, or null when it could not be read
 */
public record FailedTask(String name, int exitCode, String error, String stdout, String stderr) {

  public static final String NAME = "failedTaskName";
  public static final String EXIT_CODE = "failedTaskExitCode";
  public static final String ERROR = "failedTaskError";
  public static final String STDOUT = "failedTaskStdout";
  public static final String STDERR = "failedTaskStderr";

  public FailedTask {
    Objects.requireNonNull(name, "name");
  }

  /**
   * The variables of the {@code on_error} task: the job's, then these five, which win over job
   * variables of the same name as in prunner. A missing error or output is an empty string.
   */
  public Map<String, Object> addTo(Map<String, ?> jobVariables) {
    Map<String, Object> variables = new LinkedHashMap<>(jobVariables);
    variables.put(NAME, name);
    variables.put(EXIT_CODE, exitCode);
    variables.put(ERROR, Objects.requireNonNullElse(error, ""));
    variables.put(STDOUT, Objects.requireNonNullElse(stdout, ""));
    variables.put(STDERR, Objects.requireNonNullElse(stderr, ""));
    return Collections.unmodifiableMap(variables);
  }
}
