package dev.drover.node;

import com.fasterxml.jackson.annotation.JsonValue;
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
 * @param availability the transitions of its {@code WorkersAvailable} flag, oldest first
 * @param illegalTransitions moves its tables did not allow: of the supervisor, its flag, its
 *     slots, and those its workers reported; zero unless Drover has a bug
 */
public record PoolStatus(
    String kind, SupervisorState state, boolean workersAvailable, String error, int min, int warm,
    int max, int target, int idle, int busy, int waitingRequests, List<WorkerStatus> workers,
    List<Transition<SupervisorState>> transitions, List<Transition<Availability>> availability,
    int illegalTransitions) implements CborSerializable {

  /**
   * The state of one slot of the pool as its supervisor keeps it: the slot's process lifecycle
   * (Launching, Failed), the lease the supervisor is granting (Reserving), and the moves its
   * worker reports (Idle, Reserved, Busy, Stopping). Kept once, in the supervisor's {@link Pool}.
   *
   * <pre>
   *   (start)   -> Launching
   *   Launching -> Launching (relaunched) | Idle | Stopping | Failed
   *   Idle      -> Reserving | Reserved | Launching | Stopping | Failed
   *   Reserving -> Reserved | Busy | Idle | Launching | Stopping | Failed
   *   Reserved  -> Reserved | Busy | Idle | Launching | Stopping | Failed
   *   Busy      -> Reserved | Idle | Launching | Stopping | Failed
   *   Stopping  -> Stopping | Idle | Launching | Failed
   *   Failed    -> Launching | Failed
   * </pre>
   */
  public enum SlotState {
    LAUNCHING("Launching"),
    IDLE("Idle"),
    RESERVING("Reserving"),
    RESERVED("Reserved"),
    BUSY("Busy"),
    STOPPING("Stopping"),
    FAILED("Failed");

    private final String label;

    SlotState(String label) {
      this.label = label;
    }

    /** The name users see in status replies and metrics. */
    @JsonValue
    public String label() {
      return label;
    }

    @Override
    public String toString() {
      return label;
    }

    /** Whether a client holds (or is being granted) the slot's worker. */
    public boolean leased() {
      return this == RESERVING || this == RESERVED || this == BUSY;
    }

    /**

     * The transition table: whether a slot may move from {@code from} (null: none) to

     * {@code to}.

     */
    public static boolean allowed(SlotState from, SlotState to) {
      if (from == null) {
        return to == LAUNCHING;
      }
      return switch (from) {
        case LAUNCHING -> to == LAUNCHING || to == IDLE || to == STOPPING || to == FAILED;
        case IDLE -> to != IDLE && to != BUSY;
        case RESERVING -> to != RESERVING;
        case RESERVED -> to != RESERVING;
        case BUSY -> to != BUSY && to != RESERVING;
        case STOPPING -> to == STOPPING || to == IDLE || to == LAUNCHING || to == FAILED;
        case FAILED -> to == LAUNCHING || to == FAILED;
      };
    }
  }

  /**
   * One worker of the pool.
   *
   * @param slot the slot's number
   * @param pid the worker's OS process id, 0 before it was started
   * @param state where the slot is
   * @param leaseId the current lease, or null
   * @param leaseHolder the client holding the lease, or null
   * @param restarts how often this slot was restarted after a failure
   * @param lastError the last failure of this slot, or null
   * @param uptime since the current worker registered, zero before that
   * @param transitions the worker's last reported transitions, oldest first
   */
  public record WorkerStatus(
      int slot, long pid, SlotState state, String leaseId, String leaseHolder, int restarts,
      String lastError, Duration uptime, List<Transition<WorkerState>> transitions)
      implements CborSerializable {}

  /** Whether the pool is ready: at least {@code min} workers registered (PoolReady). */
  public boolean ready() {
    return state == SupervisorState.POOL_READY;
  }

  /** The pids of the workers that have a running process. */
  public List<Long> pids() {
    return workers.stream().map(WorkerStatus::pid).filter(p -> p > 0).toList();
  }
}
