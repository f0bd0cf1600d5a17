package dev.drover.pipeline.definition;

import java.util.Arrays;
import java.util.Optional;

/**
 * What happens to a job scheduled while its pipeline runs at its {@code concurrency}: prunner's
 * {@code queue_strategy}.
 */
public enum QueueStrategy {
  /** The job waits at the end of the queue; a full queue refuses it. The default. */
  APPEND("append"),
  /** The job waits at the end of the queue; when the queue is full it takes the last job's place. */
  REPLACE("replace"),
  /**
   * As {@link #REPLACE}, but per queue partition (a key given when the job is scheduled), each
   * partition holding at most {@code queue_partition_limit} waiting jobs; the pipeline's
   * {@code concurrency} stays shared by all partitions.
   */
  PARTITIONED_REPLACE("partitioned_replace");

  private final String yamlName;

  QueueStrategy(String yamlName) {
    this.yamlName = yamlName;
  }

  /** The name in {@code pipelines.yml}, e.g. {@code partitioned_replace}. */
  public String yamlName() {
    return yamlName;
  }

  /** The strategy named {@code yamlName} in {@code pipelines.yml}, if there is one. */
  public static Optional<QueueStrategy> fromYaml(String yamlName) {
    return Arrays.stream(values()).filter(s -> s.yamlName.equals(yamlName)).findFirst();
  }
}
