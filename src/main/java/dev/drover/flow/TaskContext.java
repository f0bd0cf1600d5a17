package dev.drover.flow;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * What a task attempt sees: the execution's input, the outputs of the tasks it depends on, its
 * own parameters, and for delegate tasks the token a third party completes it with.
 *
 * @param executionId the execution's id
 * @param taskName this task's name
 * @param attempt 1 for the first attempt, 2 for the first retry, ...
 * @param input the execution's input, visible to every task
 * @param upstream the outputs of the tasks this one depends on, by task name
 * @param params the task's own parameters from the flow definition
 * @param callbackToken the token that completes this attempt through the API
 * @param output where streamed output goes (the execution's output sink)
 */
public record TaskContext(
    String executionId, String taskName, int attempt, JsonNode input,
    Map<String, JsonNode> upstream, JsonNode params, String callbackToken, OutputSink output) {

  /** The output of upstream task {@code name}; fails if it is not a dependency. */
  public JsonNode upstream(String name) {
    JsonNode v = upstream.get(name);
    if (v == null && !upstream.containsKey(name)) {
      throw new IllegalArgumentException("task '" + taskName + "' does not depend on '" + name
          + "'; it sees " + upstream.keySet());
    }
    return v;
  }

  /**
   * Receives streamed output of tasks, e.g. what a shell script writes, byte for byte and in
   * the order it was written; called on one thread at a time per task.
   */
  @FunctionalInterface
  public interface OutputSink {
    /**
     * @param stream "stdout", "stderr" or another name
     * @param bytes the next bytes of that stream, as written (not necessarily whole lines)
     */
    void write(String executionId, String taskName, String stream, byte[] bytes);

    OutputSink DISCARD = (e, t, s, l) -> { };
  }
}
