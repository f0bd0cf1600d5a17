package dev.drover.node;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;

/**
 * One piece of work as its client follows it: the output frames put back together in order and
 * handed to the payload callback, the acknowledgements the worker's flow control waits for, and
 * the check that the work's end came after every frame it announced. A missing frame fails the
 * work with the reason; it never ends well with output missing.
 */
final class WorkInFlight {
  final Client.Submit submit;
  /** Output bytes handled so far; what the acknowledgements carry. */
  long received;
  private long acknowledged;
  private long nextSeq;
  private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
  private ByteArrayOutputStream result;

  WorkInFlight(Client.Submit submit) {
    this.submit = submit;
  }

  /** Takes frame {@code o}; a problem when it is not the next one or cannot be decoded. */
  String accept(WorkEvent.Output o) {
    if (o.seq() != nextSeq) {
      return "output of work " + o.workId() + " lost between worker and client: frame " + nextSeq
          + " missing (frame " + o.seq() + " arrived)";
    }
    nextSeq++;
    received += o.data().length;
    if (o.result()) {
      if (result == null) {
        result = new ByteArrayOutputStream();
      }
      result.writeBytes(o.data());
      return null;
    }
    partial.writeBytes(o.data());
    if (o.partial()) {
      return null;
    }
    byte[] values = partial.toByteArray();
    partial.reset();
    try {
      for (JsonNode payload : Frames.decodeAll(values)) {
        submit.onPayload().accept(payload);
      }
    } catch (RuntimeException e) {
      return "output of work " + o.workId() + " cannot be handled: " + e.getMessage();
    }
    return null;
  }

  /** True when an acknowledgement is due: half the window was handled since the last one. */
  boolean toAcknowledge(long window) {
    if (received - acknowledged >= window / 2) {
      acknowledged = received;
      return true;
    }
    return false;
  }

  /** Completes the work with its result, or fails it when frames are missing. */
  void succeeded(WorkEvent.WorkSucceeded ok) {
    if (ok.frames() != nextSeq) {
      submit.result().completeExceptionally(new ErrWorker("output of work " + ok.workId()
          + " incomplete: " + nextSeq + " of " + ok.frames() + " frames arrived"));
      return;
    }
    JsonNode value;
    try {
      value = result != null ? Frames.decode(result.toByteArray()) : ok.result();
    } catch (RuntimeException e) {
      submit.result().completeExceptionally(new ErrWorker("result of work " + ok.workId()
          + " cannot be decoded: " + e.getMessage()));
      return;
    }
    submit.result().complete(value);
  }
}
