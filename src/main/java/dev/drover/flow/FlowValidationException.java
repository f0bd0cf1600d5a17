package dev.drover.flow;

/** A flow that cannot run, found when it is built; {@link #problem()} says which rule it breaks. */
public final class FlowValidationException extends IllegalArgumentException {

  /** The rules a flow must keep. */
  public enum Problem {
    /** The flow has no task. */
    EMPTY,
    /** Two tasks share a name. */
    DUPLICATE_TASK,
    /** A task depends on a task that does not exist. */
    UNKNOWN_DEPENDENCY,
    /** Tasks depend on each other in a circle. */
    CYCLE,
    /** Anything else: a bad name, a bad setting. */
    INVALID
  }

  private final Problem problem;

  public FlowValidationException(Problem problem, String message) {
    super(message);
    this.problem = problem;
  }

  public Problem problem() {
    return problem;
  }
}
