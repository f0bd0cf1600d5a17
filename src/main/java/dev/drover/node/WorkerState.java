package dev.drover.node;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The states of a {@link Worker}, and which may follow which.
 *
 * <p>The worker reports each move to its supervisor with this enum (Jackson writes the label),
 * so the supervisor switches over constants, never over strings it re-parses.
 *
 * <pre>
 *   (start)  -> Starting
 *   Starting -> Idle | Stopping
 *   Idle     -> Reserved | Stopping
 *   Reserved -> Reserved (input refused) | Busy | Idle | Stopping
 *   Busy     -> Busy (lease ending) | Reserved | Idle | Stopping
 *   Stopping -> Stopping (told to stop while recycling)
 * </pre>
 */
public enum WorkerState {
  STARTING("Starting"),
  IDLE("Idle"),
  RESERVED("Reserved"),
  BUSY("Busy"),
  STOPPING("Stopping");

  private final String label;

  WorkerState(String label) {
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

  /**
   * The transition table: whether a worker may move from {@code from} (null: none) to
   * {@code to}.
   */
  public static boolean allowed(WorkerState from, WorkerState to) {
    if (from == null) {
      return to == STARTING;
    }
    return switch (from) {
      case STARTING -> to == IDLE || to == STOPPING;
      case IDLE -> to == RESERVED || to == STOPPING;
      case RESERVED, BUSY -> to != STARTING;
      case STOPPING -> to == STOPPING;
    };
  }
}
