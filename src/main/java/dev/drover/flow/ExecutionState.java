package dev.drover.flow;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.flow.ExecutionEvent.ExecutionCancelled;
import dev.drover.flow.ExecutionEvent.ExecutionCompleted;
import dev.drover.flow.ExecutionEvent.ExecutionFailed;
import dev.drover.flow.ExecutionEvent.ExecutionPaused;
import dev.drover.flow.ExecutionEvent.ExecutionResumed;
import dev.drover.flow.ExecutionEvent.ExecutionStarted;
import dev.drover.flow.ExecutionEvent.TaskCancelled;
import dev.drover.flow.ExecutionEvent.TaskDelayed;
import dev.drover.flow.ExecutionEvent.TaskFailed;
import dev.drover.flow.ExecutionEvent.TaskRetryScheduled;
import dev.drover.flow.ExecutionEvent.TaskScheduled;
import dev.drover.flow.ExecutionEvent.TaskSkipped;
import dev.drover.flow.ExecutionEvent.TaskStarted;
import dev.drover.flow.ExecutionEvent.TaskSucceeded;
import dev.drover.flow.ExecutionEvent.TaskTimedOut;
import dev.drover.serialization.CborSerializable;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An execution as its events made it: the fold of {@link ExecutionEvent}s. Immutable; {@link
 * #apply} returns the next state. {@link #EMPTY} is the state before {@code ExecutionStarted}.
 *
 * @param id the execution's id, null before it started
 * @param flow the flow it runs
 * @param input its input
 * @param status where it is
 * @param tasks its tasks in flow order, the on-error task last once it was scheduled
 * @param startedAt when it started
 * @param endedAt when it ended, or null
 * @param output its output once succeeded
 * @param failedTask the task whose failure failed it, or null
 * @param error why it failed or was cancelled, or null
 */
public record ExecutionState(
    String id, Flow flow, JsonNode input, ExecutionStatus status, Map<String, TaskRun> tasks,
    Instant startedAt, Instant endedAt, JsonNode output, String failedTask, String error)
    implements CborSerializable {

  private static final Logger LOG = LoggerFactory.getLogger(ExecutionState.class);

  /** Indexes the runs of a state read back from the journal (Jackson gives a plain map). */
  public ExecutionState {
    if (flow != null && tasks != null) {
      tasks = TaskRuns.of(flow, tasks);
    }
  }

  public static final ExecutionState EMPTY =
      new ExecutionState(null, null, null, null, Map.of(), null, null, null, null, null);

  @JsonIgnore
  public boolean isStarted() {
    return id != null;
  }

  /** The task {@code name}, or null. */
  public TaskRun task(String name) {
    return tasks.get(name);
  }

  /**
   * The state after {@code event}. Total: a journal holds history, and an execution that cannot
   * replay its own history is lost, so an event this state cannot take — a second start, a
   * task event before the start, a move the status tables do not allow, an unknown event — is
   * logged and ignored, and the state stays as it was. Within a round each event is taken or
   * ignored on its own.
   */
  public ExecutionState apply(ExecutionEvent event) {
    if (event instanceof ExecutionEvent.Round round) {
      ExecutionState s = this;
      for (ExecutionEvent e : round.events()) {
        s = s.apply(e);
      }
      return s;
    }
    if (isStarted() == event instanceof ExecutionStarted) {
      return ignore(event, isStarted() ? "the execution started already" : "it has not started");
    }
    try {
      return take(event);
    } catch (IllegalStateException e) {
      // the status tables refused the move: an engine bug, or a journal of another version
      return ignore(event, e.getMessage());
    }
  }

  private ExecutionState ignore(ExecutionEvent event, String why) {
    LOG.warn("execution {}: ignored {} ({})", id, event.getClass().getSimpleName(), why);
    return this;
  }

  private ExecutionState take(ExecutionEvent event) {
    if (event instanceof ExecutionStarted e) {
      return new ExecutionState(e.executionId(), e.flow(), e.input(), ExecutionStatus.RUNNING,
          TaskRuns.pending(e.flow(), e.at()), e.at(), null, null, null, null);
    }
    if (event instanceof ExecutionEvent.TaskEvent te) {
      TaskRun run = applyToTask(te);
      return run == null ? ignore(event, "unknown task event") : withTask(run);
    }
    if (event instanceof ExecutionPaused) {
      return withStatus(ExecutionStatus.PAUSED, null, null);
    }
    if (event instanceof ExecutionResumed) {
      return withStatus(ExecutionStatus.RUNNING, null, null);
    }
    if (event instanceof ExecutionCompleted e) {
      return new ExecutionState(id, flow, input, moveTo(ExecutionStatus.SUCCEEDED), tasks,
          startedAt, e.at(), e.output(), null, null);
    }
    if (event instanceof ExecutionFailed e) {
      return new ExecutionState(id, flow, input, moveTo(ExecutionStatus.FAILED), tasks, startedAt,
          e.at(), null, e.failedTask(), e.reason());
    }
    if (event instanceof ExecutionCancelled e) {
      return new ExecutionState(id, flow, input, moveTo(ExecutionStatus.CANCELLED), tasks,
          startedAt, e.at(), null, null, e.reason());
    }
    return ignore(event, "unknown event");
  }

  private TaskRun applyToTask(ExecutionEvent.TaskEvent event) {
    TaskRun run = tasks.get(event.task());
    if (run == null) {
      // only the on-error task is added after the start
      run = TaskRun.pending(event.task(), event.at());
    }
    if (event instanceof TaskScheduled e) {
      return run.moveTo(TaskStatus.SCHEDULED, e.attempt(), e.at(), null);
    }
    if (event instanceof TaskStarted e) {
      return run.moveTo(TaskStatus.RUNNING, e.attempt(), e.at(), null)
          .withAttempt(e.token(), e.deadline());
    }
    if (event instanceof TaskSucceeded e) {
      return run.moveTo(TaskStatus.SUCCEEDED, e.attempt(), e.at(), null).withOutput(e.output());
    }
    if (event instanceof TaskFailed e) {
      return run.moveTo(TaskStatus.FAILED, e.attempt(), e.at(), e.kind() + ": " + e.message())
          .withError(e.kind(), e.message(), e.output());
    }
    if (event instanceof TaskTimedOut e) {
      String message = "attempt " + e.attempt() + " timed out";
      return run.moveTo(TaskStatus.FAILED, e.attempt(), e.at(), "timeout: " + message)
          .withError("timeout", message, null);
    }
    if (event instanceof TaskDelayed e) {
      return run.moveTo(TaskStatus.DELAYED, e.attempt(), e.at(), null);
    }
    if (event instanceof TaskRetryScheduled e) {
      return run.moveTo(TaskStatus.RETRY_WAIT, e.nextAttempt(), e.at(),
              e.rerun() ? "re-run after restart" : "retry", e.dueAt())
          .withRetry(e.dueAt(), e.rerun());
    }
    if (event instanceof TaskCancelled e) {
      return run.moveTo(TaskStatus.CANCELLED, e.attempt(), e.at(), e.reason())
          .withError("cancelled", e.reason(), run.output());
    }
    if (event instanceof TaskSkipped e) {
      return run.moveTo(TaskStatus.SKIPPED, run.attempt(), e.at(), e.reason());
    }
    return null;
  }

  private ExecutionState withTask(TaskRun run) {
    Map<String, TaskRun> next;
    if (tasks instanceof TaskRuns indexed) {
      next = indexed.with(run);
    } else {
      next = new LinkedHashMap<>(tasks);
      next.put(run.name(), run);
    }
    return new ExecutionState(id, flow, input, status, next, startedAt, endedAt, output,
        failedTask, error);
  }

  private ExecutionState withStatus(ExecutionStatus next, Instant ended, String reason) {
    return new ExecutionState(id, flow, input, moveTo(next), tasks, startedAt, ended, output,
        failedTask, reason == null ? error : reason);
  }

  private ExecutionStatus moveTo(ExecutionStatus next) {
    if (!status.canMoveTo(next)) {
      throw new IllegalStateException("execution " + id + " cannot move from " + status + " to "
          + next);
    }
    return next;
  }
}
