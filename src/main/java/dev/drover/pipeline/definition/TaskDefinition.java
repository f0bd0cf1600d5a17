package dev.drover.pipeline.definition;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One task of a pipeline as {@code pipelines.yml} declares it: prunner's {@code script},
 * {@code depends_on}, {@code allow_failure} and {@code env}, and Drover's {@code timeout},
 * {@code retry}, {@code await_callback} and {@code pool}.
 *
 * @param name the task's name, its key under {@code tasks}
 * @param script the shell command lines, run in order (in one shell unless {@code shell} is
 *     {@code per-line}); may be empty. Each line is a
 *     Go-style template ({@code {{ .name }}}) over the job's variables
 * @param dependsOn the tasks that must end before this one starts, as declared
 * @param allowFailure whether the job goes on when this task fails
 * @param env environment variables for this task, over the pipeline's, in declaration order
 * @param timeout how long the task may run before it fails as timed out, or null for no limit
 * @param retry how a failed task is tried again, or null for no retries
 * @param awaitCallback whether the task, once its script succeeded, waits for a third party to
 *     complete it through the API with its callback token
 * @param pool the kind of worker that runs the script; {@value #DEFAULT_POOL} unless given
 * @param shell how its lines run: the task's {@code shell}, else the pipeline's, else a session
 */
public record TaskDefinition(
    String name,
    List<String> script,
    List<String> dependsOn,
    boolean allowFailure,
    Map<String, String> env,
    Duration timeout,
    RetryDefinition retry,
    boolean awaitCallback,
    String pool,
    ShellMode shell) {

  /** The worker pool of a task that names none: the built-in shell workers. */
  public static final String DEFAULT_POOL = "shell";

  public TaskDefinition {
    Objects.requireNonNull(name, "name");
    script = List.copyOf(script);
    dependsOn = List.copyOf(dependsOn);
    env = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(env)));
    if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
      throw new IllegalArgumentException("timeout must be greater than 0, got " + timeout);
    }
    Objects.requireNonNull(pool, "pool");
    Objects.requireNonNull(shell, "shell");
  }

  /** A task whose lines run in one shell session. */
  public TaskDefinition(String name, List<String> script, List<String> dependsOn,
      boolean allowFailure, Map<String, String> env, Duration timeout, RetryDefinition retry,
      boolean awaitCallback, String pool) {
    this(name, script, dependsOn, allowFailure, env, timeout, retry, awaitCallback, pool,
        ShellMode.SESSION);
  }

  /** A task with only a script and dependencies, every other setting at its default. */
  public static TaskDefinition of(String name, List<String> script, List<String> dependsOn) {
    return new TaskDefinition(
        name, script, dependsOn, false, Map.of(), null, null, false, DEFAULT_POOL);
  }
}
