package dev.drover.flow;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Turns a node action's journaled input into what its worker receives, when the attempt starts:
 * the place for what is only known then, such as the callback token or the failed task of an
 * on-error task. The pipeline layer renders its script templates here.
 */
@FunctionalInterface
public interface NodeInputRenderer {

  /**
   * @param input the action's input as the flow defines it
   * @param task the attempt's context (params, upstream outputs, callback token)
   * @return the input to submit to the worker
   * @throws RuntimeException to fail the attempt with the exception's message (kind "input")
   */
  JsonNode render(JsonNode input, TaskContext task);

  /** Submits the input as the flow defines it. */
  NodeInputRenderer AS_IS = (input, task) -> input;
}
