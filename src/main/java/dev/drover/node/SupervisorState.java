package dev.drover.node;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The states of a {@link Supervisor}, and which may follow which.
 *
 * <p>PoolStarting and PoolReady share one behaviour: both lease, grow and repair the pool, and
 * they differ only in whether {@code min} workers are ready, which the supervisor derives with
 * {@link #pooling} after every step. ErrPool refuses requests until a reset.
 *
 * <pre>
 *   (start)      -> Starting
 *   Starting     -> PoolStarting
 *   PoolStarting -> PoolReady | ErrPool
 *   PoolReady    -> PoolStarting | ErrPool
 *   ErrPool      -> PoolStarting (reset)
 * </pre>
 */
public enum SupervisorState {
  STARTING("Starting"),
  POOL_STARTING("PoolStarting"),
  POOL_READY("PoolReady"),
  ERR_POOL("ErrPool");

  private final String label;

  SupervisorState(String label) {
    this.label = label;
  }

  /** The name users see in logs, events and status replies. */
  @JsonValue
  public String label() {
    return label;
  }

  @Override
  public String toString() {
    return label;
  }

  /** The leasing state a pool with {@code ready} registered workers is in. */
  static SupervisorState pooling(int ready, int min) {
    return ready >= min ? POOL_READY : POOL_STARTING;
  }

  /**
   * The transition table: whether a supervisor may move from {@code from} (null: none) to
   * {@code to}.
   */
  public static boolean allowed(SupervisorState from, SupervisorState to) {
    if (from == null) {
      return to == STARTING;
    }
    return switch (from) {
      case STARTING -> to == POOL_STARTING;
      case POOL_STARTING -> to == POOL_READY || to == ERR_POOL;
      case POOL_READY -> to == POOL_STARTING || to == ERR_POOL;
      case ERR_POOL -> to == POOL_STARTING;
    };
  }
}
