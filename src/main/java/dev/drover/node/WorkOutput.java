package dev.drover.node;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The output of one piece of work on its way to the lease holder, under flow control: at most
 * {@code window} bytes are sent and not yet acknowledged, and {@link #emit} blocks the handler's
 * thread until the holder acknowledges more (so a script that writes faster than the holder
 * stores waits on its pipe instead of filling memory or overflowing the transport's queue).
 * Output that fits the window costs no acknowledgement at all. Safe to call from any thread.
 */
final class WorkOutput {
  private final ActorRef<WorkEvent> holder;
  private final String leaseId;
  private final String workId;
  private final long window;
  private final Duration stallLimit;
  private long seq;
  private long sent;
  private long acked;
  private boolean closed;

  /**
   * @param window the most unacknowledged bytes, as the holder asked
   * @param stallLimit how long {@link #emit} waits for an acknowledgement before it fails
   */
  WorkOutput(ActorRef<WorkEvent> holder, String leaseId, String workId, long window,
      Duration stallLimit) {
    this.holder = holder;
    this.leaseId = leaseId;
    this.workId = workId;
    this.window = Math.max(window, Frames.FRAME_SIZE);
    this.stallLimit = stallLimit;
  }

  /** Sends one payload, in one frame or — when large — in several. */
  synchronized void emit(JsonNode payload) {
    send(Frames.encode(payload), false);
  }

  /**
   * Prepares the end of the work: the result itself when it fits an end message, else null
   * after sending it in result frames.
   */
  synchronized JsonNode result(JsonNode result) {
    if (result == null) {
      return null;
    }
    byte[] bytes = Frames.encode(result);
    if (bytes.length <= Frames.FRAME_SIZE) {
      return result;
    }
    send(bytes, true);
    return null;
  }

  /** The holder has handled {@code bytes} bytes of this work's output. */
  synchronized void acknowledged(long bytes) {
    if (bytes > acked) {
      acked = bytes;
      notifyAll();
    }
  }

  /** The holder is gone: later output is dropped, a waiting {@link #emit} returns. */
  synchronized void close() {
    closed = true;
    notifyAll();
  }

  /** Frames sent so far. */
  synchronized long frames() {
    return seq;
  }

  private void send(byte[] bytes, boolean result) {
    List<byte[]> frames = Frames.cut(bytes);
    for (int i = 0; i < frames.size(); i++) {
      byte[] frame = frames.get(i);
      awaitCredit(frame.length);
      if (closed) {
        return;
      }
      holder.tell(new WorkEvent.Output(leaseId, workId, seq++, frame, i < frames.size() - 1,
          result));
      sent += frame.length;
    }
  }

  private void awaitCredit(int bytes) {
    long deadline = System.nanoTime() + stallLimit.toNanos();
    while (!closed && sent > acked && sent - acked + bytes > window) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new IllegalStateException("the lease holder acknowledged no output of work "
            + workId + " for " + stallLimit);
      }
      try {
        wait(Math.max(1, left / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting to send output of work "
            + workId, e);
      }
    }
  }
}
