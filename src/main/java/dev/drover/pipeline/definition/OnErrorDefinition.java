package dev.drover.pipeline.definition;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A pipeline's {@code on_error} handler: a task run once after a job failed, for example to send
 * a notification. It runs as a task named {@code on_error}; its script sees the job's variables
 * plus {@code failedTaskName}, {@code failedTaskExitCode}, {@code failedTaskError},
 * {@code failedTaskStdout} and {@code failedTaskStderr}.
 *
 * @param script the shell command lines, run in order; may be empty
 * @param env environment variables for the handler, over the pipeline's, in declaration order
 * @param shell how its lines run: the pipeline's {@code shell}
 */
public record OnErrorDefinition(List<String> script, Map<String, String> env, ShellMode shell) {

  public OnErrorDefinition {
    script = List.copyOf(script);
    env = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(env)));
    Objects.requireNonNull(shell, "shell");
  }

  /** A handler whose lines run in one shell session. */
  public OnErrorDefinition(List<String> script, Map<String, String> env) {
    this(script, env, ShellMode.SESSION);
  }
}
