package dev.drover.node;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The states of a {@link Client}, and which may follow which.
 *
 * <p>SuperReady, WorkerRequested and WorkerReady share one behaviour, the attached one: in each
 * the client requests, submits, releases and hears from its workers alike. They are phases of
 * being attached that observers want to see, derived by {@link #attached} from the client's
 * open requests and held leases.
 *
 * <pre>
 *   (start)              -> Disconnected | ConnectingSupervisor
 *   Disconnected         -> ConnectingSupervisor
 *   ConnectingSupervisor -> ConnectingSupervisor (next address) | SuperReady | WorkerReady
 *                           | Disconnected
 *   SuperReady           -> WorkerRequested | WorkerReady | ConnectingSupervisor
 *   WorkerRequested      -> SuperReady | WorkerReady | ConnectingSupervisor
 *   WorkerReady          -> SuperReady | WorkerRequested | ConnectingSupervisor
 * </pre>
 */
public enum ClientState {
  DISCONNECTED("Disconnected"),
  CONNECTING_SUPERVISOR("ConnectingSupervisor"),
  SUPER_READY("SuperReady"),
  WORKER_REQUESTED("WorkerRequested"),
  WORKER_READY("WorkerReady");

  private final String label;

  ClientState(String label) {
    this.label = label;
  }

  /** The name users see in logs, events and status replies. */
  @JsonValue
  public String label() {
    return label;
  }

  @Override
  public String toString() {
    return label;
  }

  /** Whether the client is attached to a supervisor in this state. */
  public boolean isAttached() {
    return this == SUPER_READY || this == WORKER_REQUESTED || this == WORKER_READY;
  }

  /** The attached phase of a client with {@code requests} open and {@code leases} held. */
  static ClientState attached(int requests, int leases) {
    return requests > 0 ? WORKER_REQUESTED : leases > 0 ? WORKER_READY : SUPER_READY;
  }

  /**
   * The transition table: whether a client may move from {@code from} (null: none) to
   * {@code to}.
   */
  public static boolean allowed(ClientState from, ClientState to) {
    if (from == null) {
      return to == DISCONNECTED || to == CONNECTING_SUPERVISOR;
    }
    return switch (from) {
      case DISCONNECTED -> to == CONNECTING_SUPERVISOR;
      case CONNECTING_SUPERVISOR -> to == CONNECTING_SUPERVISOR || to == DISCONNECTED
          || to.isAttached();
      case SUPER_READY, WORKER_REQUESTED, WORKER_READY ->
          to != from && (to.isAttached() || to == CONNECTING_SUPERVISOR);
    };
  }
}
