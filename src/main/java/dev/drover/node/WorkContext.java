package dev.drover.node;

import com.fasterxml.jackson.databind.JsonNode;

/** What a {@link WorkerHandler} sees of the piece of work it is doing. */
public interface WorkContext {

  /** The id the client gave this piece of work. */
  String workId();

  /** Sends one payload to the lease holder, in order with the others and before the result. */
  void emit(JsonNode payload);

  /** True once the client cancelled this work or its lease ended. */
  boolean isCancelled();

  /**
   * Runs {@code action} when the work is cancelled (at once if it already is), on a thread that
   * is not the handler's: the place to stop a child process.
   */
  void onCancel(Runnable action);
}
