package dev.drover.flow;

import java.util.EnumSet;
import java.util.Set;

/**
 * The states of a task in an execution and the moves allowed between them: the one place that
 * says which transition is legal (like JobRunr's {@code AllowedJobStateStateChanges}).
 *
 * <pre>
 * Pending ──▶ Scheduled ──▶ Running ──▶ Succeeded
 *    │            │            │ ├────▶ Delayed ──▶ Succeeded / Failed / Cancelled
 *    │            │            │ └────▶ Failed ──▶ RetryWait ──▶ Scheduled
 *    ├──▶ Skipped  └──▶ Cancelled ◀──┘
 * </pre>
 */
public enum TaskStatus {
  /** Waiting for its dependencies. */
  PENDING,
  /** Ready; handed to its executor. */
  SCHEDULED,
  /** An attempt is running. */
  RUNNING,
  /** The attempt waits for a third party's completion through the API. */
  DELAYED,
  /** Waiting for the retry delay to pass. */
  RETRY_WAIT,
  SUCCEEDED,
  /** The last attempt failed; final unless a retry is scheduled. */
  FAILED,
  CANCELLED,
  /** Never ran: a task it depends on failed or was cancelled, or the execution failed fast. */
  SKIPPED;

  /** Whether a task may move from this state to {@code next}. */
  public boolean canMoveTo(TaskStatus next) {
    return allowedNext().contains(next);
  }

  /** The states a task may move to from this one. */
  public Set<TaskStatus> allowedNext() {
    return switch (this) {
      case PENDING -> EnumSet.of(SCHEDULED, SKIPPED, CANCELLED);
      case SCHEDULED -> EnumSet.of(RUNNING, CANCELLED, SKIPPED);
      case RUNNING -> EnumSet.of(SUCCEEDED, FAILED, DELAYED, CANCELLED);
      case DELAYED -> EnumSet.of(SUCCEEDED, FAILED, CANCELLED);
      case FAILED -> EnumSet.of(RETRY_WAIT);
      case RETRY_WAIT -> EnumSet.of(SCHEDULED, CANCELLED);
      case SUCCEEDED, CANCELLED, SKIPPED -> EnumSet.noneOf(TaskStatus.class);
    };
  }

  /** Whether the task has ended (FAILED counts: a retry is a new move out of it). */
  public boolean isFinal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED || this == SKIPPED;
  }

  /** Whether an attempt is in flight: it holds a thread, a worker or a callback. */
  public boolean isActive() {
    return this == SCHEDULED || this == RUNNING || this == DELAYED;
  }
}
