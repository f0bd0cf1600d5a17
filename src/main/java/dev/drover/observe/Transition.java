package dev.drover.observe;

import dev.drover.serialization.CborSerializable;
import java.time.Instant;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;

/**
 * One state change of one actor: who moved, from which state to which, why, and when.
 *
 * <p>Every Drover actor records its transitions; they are published on the actor system's
 * event stream, kept in a bounded {@link TransitionLog} per actor and returned by status queries.
 * The states are the actor's own enum, so a receiver (a supervisor reading its worker's moves)
 * switches over constants the compiler checks, never over strings it re-parses.
 *
 * <p>A transition crosses JVMs only inside a message that names its enum (a worker's {@code
 * Supervisor.WorkerStateChanged}, a {@link dev.drover.node.PoolStatus}), where Jackson knows
 * what {@code S} is. Alone, it is published on the local event stream only, and read back alone
 * it could not tell its enum: so the test suite's {@code serialize-messages} leaves it be.
 *
 * @param actor the actor's name, e.g. {@code supervisor/shell} or {@code worker/3}
 * @param from the state before, null for the first state
 * @param to the state after
 * @param cause why it moved, in words a user can read
 * @param at when it moved
 * @param <S> the actor's state enum
 */
public record Transition<S extends Enum<S>>(String actor, S from, S to, String cause, Instant at)
    implements CborSerializable, NoSerializationVerificationNeeded {

  @Override
  public String toString() {
    return actor + ": " + (from == null ? "-" : from) + " -> " + to + " (" + cause + ") at " + at;
  }
}
