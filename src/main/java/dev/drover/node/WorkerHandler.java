package dev.drover.node;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The code a worker runs: the service provider interface a host system implements.
 *
 * <p>A worker JVM loads its handler by class name (a public class with a public no-argument
 * constructor) when it starts, then calls {@link #handle} once per piece of work its lease holder
 * submits. Calls never overlap: a worker serves one client and one piece of work at a time. The
 * call runs on a thread of its own, so it may block; it should return soon after
 * {@link WorkContext#isCancelled()} turns true.
 *
 * <p>Inputs, payloads and results are JSON values ({@link JsonNode}), so they cross JVMs as they
 * are.
 *
 * <pre>{@code
 * public final class Squaring implements WorkerHandler {
 *   public JsonNode handle(JsonNode input, WorkContext context) {
 *     int n = input.asInt();
 *     context.emit(IntNode.valueOf(n * n));
 *     return IntNode.valueOf(n * n);
 *   }
 * }
 * }</pre>
 */
public interface WorkerHandler {

  /**
   * Does one piece of work.
   *
   * @param input what the client submitted
   * @param context streams payloads to the client and tells of cancellation
   * @return the result, sent to the client after every payload
   * @throws Exception to end the work with a failure; the worker stays usable
   */
  JsonNode handle(JsonNode input, WorkContext context) throws Exception;

  /** Called once when the worker's lease ends, before it takes another; resets state. */
  default void reset() {}
}
