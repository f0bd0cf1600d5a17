package dev.drover.node;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/** One piece of work submitted to a leased worker. */
public final class Work {
  private static final Object END = new Object();

  private final String id;
  private final CompletableFuture<JsonNode> result;
  private final Runnable cancel;
  private PayloadQueue payloads;

  Work(String id, CompletableFuture<JsonNode> result, Runnable cancel) {
    this.id = id;
    this.result = result;
    this.cancel = cancel;
  }

  void attach(PayloadQueue queue) {
    this.payloads = queue;
    result.whenComplete((r, e) -> queue.end());
  }

  public String id() {
    return id;
  }

  /** The work's result, or its failure ({@link ErrWorker}, {@link WorkerLost}). */
  public CompletionStage<JsonNode> result() {
    return result;
  }

  /** Asks the worker to cancel this work; the result then fails as cancelled. */
  public void cancel() {
    cancel.run();
  }

  /**
   * The payloads in order, blocking until each arrives; the stream ends with the work. Only for
   * work submitted without a payload callback.
   */
  public Stream<JsonNode> payloads() {
    if (payloads == null) {
      throw new IllegalStateException("work " + id + " was submitted with a payload callback");
    }
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(
        payloads.iterator(), Spliterator.ORDERED | Spliterator.NONNULL), false);
  }

  /** Payloads handed over from the client's thread to the reader's. */
  static final class PayloadQueue {
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();

    void add(JsonNode payload) {
      queue.add(payload);
    }

    void end() {
      queue.add(END);
    }

    Iterator<JsonNode> iterator() {
      return new Iterator<>() {
        private Object next;

        @Override
        public boolean hasNext() {
          if (next == null) {
            try {
              next = queue.take();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              next = END;
            }
          }
          return next != END;
        }

        @Override
        public JsonNode next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          JsonNode n = (JsonNode) next;
          next = null;
          return n;
        }
      };
    }
  }
}
