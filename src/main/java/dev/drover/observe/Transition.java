package dev.drover.observe;

import dev.drover.serialization.CborSerializable;
import java.time.Instant;

/**
 * One state change of one actor: who moved, from which state to which, why, and when.
 *
 * <p>Every Drover actor records its transitions; they are published on the actor system's
 * event stream, kept in a bounded {@link TransitionLog} per actor and returned by status queries.
 *
 * @param actor the actor's name, e.g. {@code supervisor/shell} or {@code worker/3}
 * @param from the state before, {@code -} for the first state
 * @param to the state after
 * @param cause why it moved, in words a user can read
 * @param at when it moved
 */
public record Transition(String actor, String from, String to, String cause, Instant at)
    implements CborSerializable {

  @Override
  public String toString() {
    return actor + ": " + from + " -> " + to + " (" + cause + ") at " + at;
  }
}
