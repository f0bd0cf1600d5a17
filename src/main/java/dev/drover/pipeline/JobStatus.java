package dev.drover.pipeline;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A job's status as lists show it and filter by: waiting in its queue, running, or how it ended.
 * The job events ({@link PipelineApi.JobEvent}) carry the same words.
 */
public enum JobStatus {
  WAITING, RUNNING, DONE, ERROR, CANCELED;

  /** The word clients see: {@code waiting}, {@code running}, {@code done}, ... */
  public String text() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The status a client named.
   *
   * @throws IllegalArgumentException naming the statuses there are, when {@code text} is none
   */
  public static JobStatus parse(String text) {
    for (JobStatus s : values()) {
      if (s.text().equals(text)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown status \"" + text + "\", expected one of "
        + Arrays.stream(values()).map(JobStatus::text).collect(Collectors.joining(", ")));
  }

  /** The status of a job as its queue keeps it. */
  public static JobStatus of(JobRecord job) {
    return switch (job.phase()) {
      case WAITING -> WAITING;
      case RUNNING -> RUNNING;
      case ENDED -> "canceled".equals(job.endStatus()) ? CANCELED
          : "done".equals(job.endStatus()) ? DONE : ERROR;
    };
  }

  /** The status of a job as shown (the same as the web UI derives from its fields). */
  public static JobStatus of(PipelineApi.JobView job) {
    if (!job.completed()) {
      return job.start() == null ? WAITING : RUNNING;
    }
    if (job.canceled()) {
      return CANCELED;
    }
    return job.errored() || job.lastError() != null ? ERROR : DONE;
  }
}
