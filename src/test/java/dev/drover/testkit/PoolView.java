package dev.drover.testkit;

import dev.drover.node.PoolStatus;
import java.util.List;
import java.util.Set;

/**
 * What a simulation reads from a {@link PoolStatus}: the one place that knows how the
 * supervisor names its states and its workers' states.
 */
final class PoolView {
  private static final Set<String> SETTLING = Set.of("Starting", "PoolStarting", "ErrPool");
  private static final Set<String> READY = Set.of("Idle", "Reserving", "Reserved", "Busy");

  private PoolView() {}

  static boolean ready(PoolStatus s) {
    return s.state().equals("PoolReady");
  }

  /** The pool is still starting, or gave up: its size criteria do not hold. */
  static boolean settling(PoolStatus s) {
    return SETTLING.contains(s.state());
  }

  /** A worker is being started, stopped or replaced: the pool may be below its minimum. */
  static boolean replacing(PoolStatus s) {
    return s.workers().stream().anyMatch(w -> !READY.contains(w.state()));
  }

  static long readyWorkers(PoolStatus s) {
    return s.workers().stream().filter(w -> READY.contains(w.state())).count();
  }

  static List<Integer> slots(PoolStatus s, String state) {
    return s.workers().stream().filter(w -> w.state().equals(state))
        .map(PoolStatus.WorkerStatus::slot).toList();
  }

  static List<Integer> idleSlots(PoolStatus s) {
    return slots(s, "Idle");
  }

  static List<Integer> leasedSlots(PoolStatus s) {
    return s.workers().stream()
        .filter(w -> w.state().equals("Reserved") || w.state().equals("Busy"))
        .map(PoolStatus.WorkerStatus::slot).toList();
  }

  /** Whether any worker's lease is held by client {@code clientId}. */
  static boolean holds(PoolStatus s, String clientId) {
    return s.workers().stream().anyMatch(w -> w.leaseHolder() != null
        && w.leaseHolder().startsWith(clientId + " "));
  }
}
