package dev.drover.flow;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Items gathered for one write, with at most one flush asked for at a time: the first item
 * after a flush asks for the next one (an {@link Execution} tells itself {@code Flush}), and
 * whatever arrives before that flush runs goes into the same write. Owned by one actor.
 *
 * @param <T> what is gathered
 */
final class FlushOnce<T> {
  private final List<T> items = new ArrayList<>();
  private final Runnable requestFlush;
  private boolean requested;

  /** @param requestFlush asks for a flush, e.g. by a message to the owning actor itself */
  FlushOnce(Runnable requestFlush) {
    this.requestFlush = requestFlush;
  }

  /** Gathers {@code item}, asking for a flush unless one is asked for already. */
  void add(T item) {
    items.add(item);
    if (!requested) {
      requested = true;
      requestFlush.run();
    }
  }

  /** The flush runs: everything gathered, oldest first; the next item asks for a new flush. */
  List<T> take() {
    requested = false;
    List<T> out = List.copyOf(items);
    items.clear();
    return out;
  }

  /**
   * Forgets everything, after a restart: the flush asked for went to the old incarnation's
   * mailbox or will find nothing, and what was gathered was never written.
   */
  void reset() {
    items.clear();
    requested = false;
  }

  boolean isEmpty() {
    return items.isEmpty();
  }

  boolean anyMatch(Predicate<T> test) {
    return items.stream().anyMatch(test);
  }

  void removeIf(Predicate<T> test) {
    items.removeIf(test);
  }
}
