package dev.drover.observe;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Consumer;

/**
 * The bounded history of one actor's state machine.
 *
 * <p>Owned by a single actor, so it is not thread-safe; {@link #entries()} hands out an immutable
 * copy for status replies. The newest entries are kept when the bound is reached.
 */
public final class TransitionLog {
  private final String actor;
  private final int capacity;
  private final Clock clock;
  private final Consumer<Transition> publisher;
  private final ArrayDeque<Transition> entries;
  private String current = "-";

  /**
   * @param actor the name recorded in each entry
   * @param capacity how many entries to keep
   * @param publisher called with every new entry, e.g. to put it on the event stream
   */
  public TransitionLog(String actor, int capacity, Consumer<Transition> publisher) {
    this(actor, capacity, publisher, Clock.systemUTC());
  }

  TransitionLog(String actor, int capacity, Consumer<Transition> publisher, Clock clock) {
    if (capacity < 1) {
      throw new IllegalArgumentException("a transition log keeps at least one entry, got " + capacity);
    }
    this.actor = actor;
    this.capacity = capacity;
    this.publisher = publisher;
    this.clock = clock;
    this.entries = new ArrayDeque<>(Math.min(capacity, 64));
  }

  /** Records a move to {@code to}; a move to the current state is recorded too, as a re-entry. */
  public Transition record(String to, String cause) {
    Transition t = new Transition(actor, current, to, cause, clock.instant());
    current = to;
    if (entries.size() == capacity) {
      entries.removeFirst();
    }
    entries.addLast(t);
    publisher.accept(t);
    return t;
  }

  /** The state of the last transition, {@code -} before the first. */
  public String current() {
    return current;
  }

  /** The kept entries, oldest first. */
  public List<Transition> entries() {
    return List.copyOf(entries);
  }
}
