package dev.drover.pipeline.definition;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A pipeline as {@code pipelines.yml} declares it: prunner's schema, the same keys with the same
 * defaults, plus Drover's {@code schedule} and {@code quote_variables}. {@link PipelinesLoader}
 * builds these from files and checks every rule; the constructor only guards its invariants.
 *
 * @param name the pipeline's name, its key under {@code pipelines}
 * @param concurrency how many jobs of this pipeline may run at once, greater than 0; default 1
 * @param queueLimit how many jobs may wait when {@code concurrency} jobs run: null for no limit
 *     (prunner's default), 0 for no waiting at all. Never set with
 *     {@link QueueStrategy#PARTITIONED_REPLACE}
 * @param queueStrategy what a new job does when the pipeline is busy; {@link QueueStrategy#APPEND}
 *     unless given
 * @param queuePartitionLimit how many jobs may wait per partition, at least 1; set exactly when
 *     the strategy is {@link QueueStrategy#PARTITIONED_REPLACE}, else null
 * @param startDelay how long every job waits before it starts (a debounce with
 *     {@link QueueStrategy#REPLACE}); zero unless given
 * @param continueRunningTasksAfterFailure whether running tasks go on when one fails (prunner's
 *     default, false, cancels them)
 * @param retentionPeriod how long a finished job is kept, or null (or zero) to keep it whatever
 *     its age
 * @param retentionCount how many finished jobs are kept, or null (or zero) for all of them
 * @param env environment variables for every task, over the process's, in declaration order
 * @param onError the task run after a job failed, or null
 * @param tasks the tasks by name, in declaration order
 * @param schedule when the pipeline runs by itself, or null
 * @param quoteVariables whether template values are shell-quoted when put into a script
 *     ({@code quote_variables}, default true); false puts them in verbatim, as prunner does
 * @param sourcePath the file that declares the pipeline, or null when built in code
 */
public record PipelineDefinition(
    String name,
    int concurrency,
    Integer queueLimit,
    QueueStrategy queueStrategy,
    Integer queuePartitionLimit,
    Duration startDelay,
    boolean continueRunningTasksAfterFailure,
    Duration retentionPeriod,
    Integer retentionCount,
    Map<String, String> env,
    OnErrorDefinition onError,
    Map<String, TaskDefinition> tasks,
    CronSchedule schedule,
    boolean quoteVariables,
    Path sourcePath) {

  /** prunner's default: one job at a time. */
  public static final int DEFAULT_CONCURRENCY = 1;

  public PipelineDefinition {
    Objects.requireNonNull(name, "name");
    if (concurrency <= 0) {
      throw new IllegalArgumentException("concurrency must be greater than 0, got " + concurrency);
    }
    Objects.requireNonNull(queueStrategy, "queueStrategy");
    Objects.requireNonNull(startDelay, "startDelay");
    env = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(env)));
    tasks = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(tasks)));
  }
}
