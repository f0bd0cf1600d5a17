package dev.drover.flow;

import dev.drover.serialization.CborSerializable;

/**
 * The answer to {@code completeTask}: exactly one completion per attempt is {@link
 * Outcome#ACCEPTED}; every other gets a refusal that says why.
 *
 * @param outcome what happened
 * @param message for a user, e.g. {@code task 'approve' of execution e1 is already completed}
 */
public record CompletionResult(Outcome outcome, String message) implements CborSerializable {

  /** What became of a completion. */
  public enum Outcome {
    /** Recorded; the task ended as asked. */
    ACCEPTED,
    /** This attempt was already completed (or ended otherwise: timed out, cancelled). */
    ALREADY_COMPLETED,
    /** The token belongs to an earlier attempt of the task. */
    STALE_ATTEMPT,
    /** The token belongs to no attempt of the task. */
    BAD_TOKEN,
    /** The execution has no such task. */
    UNKNOWN_TASK,
    /** No execution has this id. */
    UNKNOWN_EXECUTION
  }

  public boolean accepted() {
    return outcome == Outcome.ACCEPTED;
  }
}
