package dev.drover.node;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A supervisor's {@code WorkersAvailable} flag as a two-state machine: whether a worker is idle.
 * The labels stay {@code true} and {@code false}, as status replies and events always showed.
 */
public enum Availability {
  NONE_IDLE("false"),
  SOME_IDLE("true");

  private final String label;

  Availability(String label) {
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

  static Availability of(int idle) {
    return idle > 0 ? SOME_IDLE : NONE_IDLE;
  }

  /** The transition table: the flag starts off and then flips. */
  public static boolean allowed(Availability from, Availability to) {
    return from == null ? to == NONE_IDLE : from != to;
  }
}
