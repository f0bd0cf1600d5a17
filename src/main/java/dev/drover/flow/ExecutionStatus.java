package dev.drover.flow;

import java.util.EnumSet;
import java.util.Set;

/** The states of an execution and the moves allowed between them. */
public enum ExecutionStatus {
  RUNNING,
  /** No new task starts; running ones finish. */
  PAUSED,
  SUCCEEDED,
  FAILED,
  CANCELLED;

  public boolean canMoveTo(ExecutionStatus next) {
    return allowedNext().contains(next);
  }

  public Set<ExecutionStatus> allowedNext() {
    return switch (this) {
      case RUNNING -> EnumSet.of(PAUSED, SUCCEEDED, FAILED, CANCELLED);
      case PAUSED -> EnumSet.of(RUNNING, SUCCEEDED, FAILED, CANCELLED);
      case SUCCEEDED, FAILED, CANCELLED -> EnumSet.noneOf(ExecutionStatus.class);
    };
  }

  public boolean isFinal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }
}
