package dev.drover.node;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.serialization.CborSerializable;

/**
 * What a worker tells its lease holder: the payloads and the end of each piece of work, refusals
 * and the end of the lease. Every event names its lease so a client holding several leases can
 * tell them apart. The worker's state changes go to its supervisor (pool status) and its own
 * event stream, not to the holder, which learns all it acts on from these events.
 */
public sealed interface WorkEvent extends CborSerializable {

  /** The lease this event belongs to. */
  String leaseId();

  /**
   * A frame of work {@code workId}'s output: payloads encoded as CBOR one after another, or —
   * {@code partial} — the next part of one payload too large for a frame, continued in the next
   * frame. {@code seq} counts the work's frames from 0; a gap means a frame was lost. Frames of a
   * {@code result} carry the work's result instead, when it is too large for its end message.
   * The holder acknowledges what it has handled with {@link Worker.OutputAck}.
   */
  record Output(String leaseId, String workId, long seq, byte[] data, boolean partial,
      boolean result) implements WorkEvent {}

  /**
   * The work ended well with {@code result} (null when it came in result frames); {@code frames}
   * output frames were sent before this, so a holder missing some fails the work instead.
   */
  record WorkSucceeded(String leaseId, String workId, JsonNode result, long frames)
      implements WorkEvent {
    /** An end with no output frames before it. */
    public WorkSucceeded(String leaseId, String workId, JsonNode result) {
      this(leaseId, workId, result, 0);
    }
  }

  /** The work ended with an error: the handler threw, it was cancelled, or it timed out. */
  record WorkFailed(String leaseId, String workId, String error, Failure failure, long frames)
      implements WorkEvent {}

  /** How work failed. */
  enum Failure {
    /** The handler threw, or its result could not be sent. */
    ERROR,
    /** The holder cancelled it, or its lease ended while it ran. */
    CANCELLED,
    /** It ran past its work timeout. */
    TIMED_OUT
  }

  /** The worker would not take a message; nothing was started or changed. */
  record WorkRefused(String leaseId, String workId, Refusal reason, String message)
      implements WorkEvent {}

  /** The lease is over (released, timed out, or the worker is stopping); the worker is free. */
  record LeaseEnded(String leaseId, String reason) implements WorkEvent {}

  /**
   * The worker's process or actor is gone while leased; any running work is lost. {@code
   * workTimedOut}: it was replaced because its handler did not stop work that ran past its
   * timeout, so that work fails with {@link ErrWorkTimeout} (this may arrive before the worker's
   * own {@code WorkFailed}, which travels another way).
   */
  record WorkerLost(String leaseId, String cause, boolean workTimedOut) implements WorkEvent {}

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
