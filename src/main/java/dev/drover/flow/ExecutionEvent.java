package dev.drover.flow;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.drover.serialization.CborSerializable;
import java.time.Instant;
import java.util.List;

/**
 * The facts an execution journals. Its state is the fold of these events; nothing else is
 * persisted. Each names its moment in {@code at}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "event")
@JsonSubTypes({
    @JsonSubTypes.Type(value = ExecutionEvent.ExecutionStarted.class, name = "ExecutionStarted"),
    @JsonSubTypes.Type(value = ExecutionEvent.TaskScheduled.class, name = "TaskScheduled"),
    @JsonSubTypes.Type(value = ExecutionEvent.TaskStarted.class, name = "TaskStarted"),
    @JsonSubTypes.Type(value = ExecutionEvent.TaskSucceeded.class, name = "TaskSucceeded"),
    @JsonSubTypes.Type(value = ExecutionEvent.TaskFailed.class, name = "TaskFailed"),
    @JsonSubTypes.Type(value = ExecutionEvent.TaskDelayed.class, name = "TaskDelayed"),
    @JsonSubTypes.Type(value = ExecutionEvent.TaskRetryScheduled.class, name = "TaskRetryScheduled"),
    @JsonSubTypes.Type(value = ExecutionEvent.TaskTimedOut.class, name = "TaskTimedOut"),
    @JsonSubTypes.Type(value = ExecutionEvent.TaskCancelled.class, name = "TaskCancelled"),
    @JsonSubTypes.Type(value = ExecutionEvent.TaskSkipped.class, name = "TaskSkipped"),
    @JsonSubTypes.Type(value = ExecutionEvent.ExecutionPaused.class, name = "ExecutionPaused"),
    @JsonSubTypes.Type(value = ExecutionEvent.ExecutionResumed.class, name = "ExecutionResumed"),
    @JsonSubTypes.Type(value = ExecutionEvent.ExecutionCompleted.class, name = "ExecutionCompleted"),
    @JsonSubTypes.Type(value = ExecutionEvent.ExecutionFailed.class, name = "ExecutionFailed"),
    @JsonSubTypes.Type(value = ExecutionEvent.ExecutionCancelled.class, name = "ExecutionCancelled"),
    @JsonSubTypes.Type(value = ExecutionEvent.Round.class, name = "Round")
})
public sealed interface ExecutionEvent extends CborSerializable {
  Instant at();

  /**
   * JSON null for a missing value: a journaled null reads back as JSON null, so events keep
   * one form before and after the journal.
   */
  static JsonNode orNull(JsonNode value) {
    return value == null ? NullNode.getInstance() : value;
  }

  /** Events that concern one task. */
  sealed interface TaskEvent extends ExecutionEvent {
    String task();
  }

  record ExecutionStarted(String executionId, Flow flow, JsonNode input, Instant at)
      implements ExecutionEvent {
    public ExecutionStarted {
      input = orNull(input);
    }
  }

  /** The task's dependencies are done (or its retry is due): attempt {@code attempt} may run. */
  record TaskScheduled(String task, int attempt, Instant at) implements TaskEvent {}

  /**
   * Attempt {@code attempt} was handed to its executor; {@code token} completes it through the
   * API, and {@code deadline} (or null) is when its watchdog fires.
   */
  record TaskStarted(String task, int attempt, String token, Instant deadline, Instant at)
      implements TaskEvent {}

  record TaskSucceeded(String task, int attempt, JsonNode output, Instant at)
      implements TaskEvent {
    public TaskSucceeded {
      output = orNull(output);
    }
  }

  /** The attempt failed with an error of {@code kind} ("exception", "timeout", ...). */
  record TaskFailed(
      String task, int attempt, String kind, String message, JsonNode output, Instant at)
      implements TaskEvent {
    public TaskFailed {
      output = orNull(output);
    }
  }

  /** The attempt waits for a third party's completion with its token. */
  record TaskDelayed(String task, int attempt, Instant at) implements TaskEvent {}

  /**
   * Attempt {@code nextAttempt} will be scheduled at {@code dueAt}. {@code rerun} marks an
   * idempotent task re-run after a crash, which does not use up a retry.
   */
  record TaskRetryScheduled(String task, int nextAttempt, Instant dueAt, boolean rerun, Instant at)
      implements TaskEvent {}

  /** The watchdog fired: the attempt ran (or waited) past its deadline. */
  record TaskTimedOut(String task, int attempt, Instant at) implements TaskEvent {}

  record TaskCancelled(String task, int attempt, String reason, Instant at)
      implements TaskEvent {}

  /** The task will never run, for {@code reason}. */
  record TaskSkipped(String task, String reason, Instant at) implements TaskEvent {}

  record ExecutionPaused(Instant at) implements ExecutionEvent {}

  record ExecutionResumed(Instant at) implements ExecutionEvent {}

  record ExecutionCompleted(JsonNode output, Instant at) implements ExecutionEvent {
    public ExecutionCompleted {
      output = orNull(output);
    }
  }

  /** The execution failed because of {@code failedTask}, after its on-error task if any. */
  record ExecutionFailed(String failedTask, String reason, Instant at) implements ExecutionEvent {}

  record ExecutionCancelled(String reason, Instant at) implements ExecutionEvent {}

  /**
   * The events of one round, journaled as one entry: a round's facts are written together or
   * not at all, and one row per round instead of one per fact is what lets the journal keep up
   * with thousands of task transitions a second. Readers of the journal unfold it with
   * {@link #facts()}.
   */
  record Round(List<ExecutionEvent> events, Instant at) implements ExecutionEvent {
    public Round {
      events = List.copyOf(events);
    }

    /** The facts in the order they happened. */
    public List<ExecutionEvent> facts() {
      return events;
    }
  }
}
