package dev.drover.flow;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;

/** How an attempt ended: with an output, with an error, or delayed until a third party answers. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = TaskOutcome.Success.class, name = "success"),
    @JsonSubTypes.Type(value = TaskOutcome.Failure.class, name = "failure"),
    @JsonSubTypes.Type(value = TaskOutcome.Delayed.class, name = "delayed")
})
public sealed interface TaskOutcome {

  /** The attempt succeeded with {@code output}. */
  record Success(JsonNode output) implements TaskOutcome {}

  /**
   * The attempt failed.
   *
   * @param kind what kind of error, matched by the retry policy's break-on list
   * @param message what went wrong, for a user
   * @param output whatever the attempt produced before failing, or null
   */
  record Failure(String kind, String message, JsonNode output) implements TaskOutcome {}

  /** The attempt waits for {@code FlowService.completeTask} with its callback token. */
  record Delayed() implements TaskOutcome {}

  static TaskOutcome success(JsonNode output) {
    return new Success(output == null ? NullNode.getInstance() : output);
  }

  static TaskOutcome failure(String kind, String message) {
    return new Failure(kind, message, null);
  }

  static TaskOutcome delayed() {
    return new Delayed();
  }
}
