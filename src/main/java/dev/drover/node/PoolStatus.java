package dev.drover.node;

import dev.drover.observe.Transition;
import dev.drover.serialization.CborSerializable;
import java.time.Duration;
import java.util.List;

/**
 * A supervisor's answer to a status query: its state and transition log, and each worker.
 *
 * @param kind the kind of worker supervised
 * @param state Starting, PoolStarting, PoolReady or ErrPool
 * @param workersAvailable whether at least one worker is idle
 * @param error why the pool is in ErrPool, else null
 * @param min the pool criterion {@code min}
 * @param warm the pool criterion {@code warm}
 * @param max the pool criterion {@code max}
 * @param target how many workers the pool aims at now
 * @param idle workers ready and not leased
 * @param busy workers leased (reserved or running work)
 * @param waitingRequests worker requests waiting for an idle worker
 * @param workers every slot of the pool
 * @param transitions the supervisor's own transitions, oldest first
 */
public record PoolStatus(
    String kind, String state, boolean workersAvailable, String error, int min, int warm, int max,
    int target, int idle, int busy, int waitingRequests, List<WorkerStatus> workers,
    List<Transition> transitions) implements CborSerializable {

  /**
   * One worker of the pool.
   *
   * @param slot the slot's number
   * @param pid the worker's OS process id, 0 before it was started
   * @param state Launching, Idle, Reserving, Reserved, Busy, Stopping or Failed
   * @param leaseId the current lease, or null
   * @param leaseHolder the client holding the lease, or null
   * @param restarts how often this slot was restarted after a failure
   * @param lastError the last failure of this slot, or null
   * @param uptime since the current worker registered, zero before that
   * @param transitions the worker's last reported transitions, oldest first
   */
  public record WorkerStatus(
      int slot, long pid, String state, String leaseId, String leaseHolder, int restarts,
      String lastError, Duration uptime, List<Transition> transitions) implements CborSerializable {}

  /** The pids of the workers that have a running process. */
  public List<Long> pids() {
    return workers.stream().map(WorkerStatus::pid).filter(p -> p > 0).toList();
  }
}
