package dev.drover.observe;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bounded history of one actor's state machine.
 *
 * <p>Each record is checked against the actor's transition table. A move the table does not
 * allow is still recorded — the log says what happened, and an actor must not fail over its
 * own bookkeeping — but it is logged as a warning and counted in {@link #illegal()}, which tests
 * and simulations assert to be zero.
 *
 * <p>Owned by a single actor, so it is not thread-safe; {@link #entries()} hands out an immutable
 * copy for status replies. The newest entries are kept when the bound is reached.
 *
 * @param <S> the actor's state enum
 */
public final class TransitionLog<S extends Enum<S>> {
  private static final Logger LOG = LoggerFactory.getLogger(TransitionLog.class);

  private final String actor;
  private final int capacity;
  private final Clock clock;
  private final BiPredicate<S, S> allowed;
  private final Consumer<Transition<S>> publisher;
  private final ArrayDeque<Transition<S>> entries;
  private S current;
  private int illegal;

  /**
   * @param actor the name recorded in each entry
   * @param capacity how many entries to keep
   * @param allowed the transition table: whether a move from the first state (null before the
   *     first record) to the second is legal
   * @param publisher called with every new entry, e.g. to put it on the event stream
   */
  public TransitionLog(String actor, int capacity, BiPredicate<S, S> allowed,
      Consumer<Transition<S>> publisher) {
    this(actor, capacity, allowed, publisher, Clock.systemUTC());
  }

  TransitionLog(String actor, int capacity, BiPredicate<S, S> allowed,
      Consumer<Transition<S>> publisher, Clock clock) {
    if (capacity < 1) {
      throw new IllegalArgumentException(
          "a transition log keeps at least one entry, got " + capacity);
    }
    this.actor = actor;
    this.capacity = capacity;
    this.allowed = allowed;
    this.publisher = publisher;
    this.clock = clock;
    this.entries = new ArrayDeque<>(Math.min(capacity, 64));
  }

  /** Records a move to {@code to}; a move to the current state is recorded too, as a re-entry. */
  public Transition<S> record(S to, String cause) {
    if (!allowed.test(current, to)) {
      illegal++;
      LOG.warn("{}: illegal transition {} -> {} ({}); recorded anyway", actor,
          current == null ? "-" : current, to, cause);
    }
    Transition<S> t = new Transition<>(actor, current, to, cause, clock.instant());
    current = to;
    if (entries.size() == capacity) {
      entries.removeFirst();
    }
    entries.addLast(t);
    publisher.accept(t);
    return t;
  }

  /** The state of the last transition, null before the first. */
  public S current() {
    return current;
  }

  /** How many recorded moves the transition table did not allow. */
  public int illegal() {
    return illegal;
  }

  /** The kept entries, oldest first. */
  public List<Transition<S>> entries() {
    return List.copyOf(entries);
  }
}
