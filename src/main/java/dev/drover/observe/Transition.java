package dev.drover.observe;

import dev.drover.serialization.CborSerializable;
import java.time.Instant;

/**
 * One state change of one actor: who moved, from which state to which, why, and when.
 *
 * <p>Every Drover actor records its transitions; they are published on the actor system's
 * event stream, kept in a bounded {@link TransitionLog} per actor and returned by status queries.
 * The states are the actor's own enum, so a receiver (a supervisor reading its worker's moves)
 * switches over constants the compiler checks, never over strings it re-parses.
 *
 * @param actor the actor's name, e.g. {@code supervisor/shell} or {@code worker/3}
 * @param from the state before, null for the first state
 * @param to the state after
 * @param cause why it moved, in words a user can read
 * @param at when it moved
 * @param <S> the actor's state enum
 */
public record Transition<S extends Enum<S>>(String actor, S from, S to, String cause, Instant at)
    implements CborSerializable {

  @Override
  public String toString() {
    return actor + ": " + (from == null ? "-" : from) + " -> " + to + " (" + cause + ") at " + at;
  }
}
