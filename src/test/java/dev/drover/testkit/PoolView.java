package dev.drover.testkit;

import dev.drover.node.PoolStatus;
import dev.drover.node.PoolStatus.SlotState;
import dev.drover.node.SupervisorState;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** What a simulation reads from a {@link PoolStatus}, in the supervisor's own states. */
final class PoolView {
  private static final Set<SupervisorState> SETTLING =
      EnumSet.of(SupervisorState.STARTING, SupervisorState.POOL_STARTING, SupervisorState.ERR_POOL);
  private static final Set<SlotState> READY =
      EnumSet.of(SlotState.IDLE, SlotState.RESERVING, SlotState.RESERVED, SlotState.BUSY);

  private PoolView() {}

  static boolean ready(PoolStatus s) {
    return s.ready();
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

  static List<Integer> idleSlots(PoolStatus s) {
    return s.workers().stream().filter(w -> w.state() == SlotState.IDLE)
        .map(PoolStatus.WorkerStatus::slot).toList();
  }

  static List<Integer> leasedSlots(PoolStatus s) {
    return s.workers().stream()
        .filter(w -> w.state() == SlotState.RESERVED || w.state() == SlotState.BUSY)
        .map(PoolStatus.WorkerStatus::slot).toList();
  }

  /** Whether any worker's lease is held by client {@code clientId}. */
  static boolean holds(PoolStatus s, String clientId) {
    return s.workers().stream().anyMatch(w -> w.leaseHolder() != null
        && w.leaseHolder().startsWith(clientId + " "));
  }
}
