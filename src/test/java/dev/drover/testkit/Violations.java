package dev.drover.testkit;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Broken invariants noticed where they happen (a worker's gate, a handler's thread), kept until
 * the next check reports them with the step that was running.
 */
final class Violations {
  private final List<String> seen = new CopyOnWriteArrayList<>();

  void add(String violation) {
    seen.add(violation);
  }

  List<String> all() {
    return List.copyOf(seen);
  }
}
