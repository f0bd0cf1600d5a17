package dev.drover.testkit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** How often the handlers of a simulation ran each piece of work, by work id. */
final class WorkLedger {
  private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();

  /** Counts a run of {@code workId}; returns how many there were, this one included. */
  int ran(String workId) {
    return runs.computeIfAbsent(workId, id -> new AtomicInteger()).incrementAndGet();
  }

  int runs(String workId) {
    AtomicInteger n = runs.get(workId);
    return n == null ? 0 : n.get();
  }
}
