package dev.drover.node;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a worker tells its lease holder: the payloads and the end of each piece of work, refusals
 * and the end of the lease. Every event names its lease so a client holding several leases can
 * tell them apart. The worker's state changes go to its supervisor (pool status) and its own
 * event stream, not to the holder, which learns all it acts on from these events.
 */
public sealed interface WorkEvent extends CborSerializable {

  /** The lease this event belongs to. */
  String leaseId();

  /** One piece of output of work {@code workId}; {@code seq} counts from 0 within the work. */
  record Payload(String leaseId, String workId, long seq, JsonNode data) implements WorkEvent {}

  /** The work ended well with {@code result}; no payload of it follows. */
  record WorkSucceeded(String leaseId, String workId, JsonNode result) implements WorkEvent {}

  /** The work ended with an error (the handler threw, or it was cancelled). */
  record WorkFailed(String leaseId, String workId, String error, boolean cancelled)
      implements WorkEvent {}

  /** The worker would not take a message; nothing was started or changed. */
  record WorkRefused(String leaseId, String workId, Refusal reason, String message)
      implements WorkEvent {}

  /** The lease is over (released, timed out, or the worker is stopping); the worker is free. */
  record LeaseEnded(String leaseId, String reason) implements WorkEvent {}

  /** The worker's process or actor is gone while leased; any running work is lost. */
  record WorkerLost(String leaseId, String cause) implements WorkEvent {}

  /** Why a worker refused a message. */
  enum Refusal {
    /** The sender does not hold the worker's current lease. */
    NOT_LEASE_HOLDER,
    /** The worker is already running a piece of work for this lease. */
    BUSY,
    /** The work id is not the one running. */
    UNKNOWN_WORK
  }
}
