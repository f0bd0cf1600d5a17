package dev.drover.flow;

/**
 * {@link FlowService#start} refused a start because {@code drover.flow.max-starts-in-flight}
 * starts were already waiting for their journal writes. The refusal is immediate and guarantees
 * that the execution was <em>not</em> created: nothing was sent to it. Retry later (with the
 * same id: starting is idempotent).
 */
public final class EngineOverloaded extends RuntimeException {
  private final int limit;

  /** @param limit the number of starts in flight that was reached */
  public EngineOverloaded(int limit) {
    super("the flow engine is overloaded (" + limit + " starts in flight, "
        + "drover.flow.max-starts-in-flight); the execution was not created, retry");
    this.limit = limit;
  }

  /** The number of starts in flight that was reached. */
  public int limit() {
    return limit;
  }
}
