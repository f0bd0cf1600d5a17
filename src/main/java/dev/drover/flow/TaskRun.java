package dev.drover.flow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.serialization.CborSerializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One task of an execution: its state, its current attempt and its history.
 *
 * @param name the task's name
 * @param status where it is
 * @param attempt the current (or last) attempt, 0 before the first
 * @param reruns attempts re-run after a crash (they do not use up retries)
 * @param token the callback token of the current attempt
 * @param tokens the tokens of all attempts so far, oldest first, to tell a stale attempt
 * @param deadline when the current attempt's watchdog fires, or null
 * @param retryDue when the next attempt is due, while in RETRY_WAIT
 * @param output the task's output once succeeded (or what a failed attempt left)
 * @param errorKind the last failure's kind, or null
 * @param error the last failure's message, or null
 * @param history every status the task went through, oldest first
 */
public record TaskRun(
    String name, TaskStatus status, int attempt, int reruns, String token, List<String> tokens,
    Instant deadline, Instant retryDue, JsonNode output, String errorKind, String error,
    List<Step> history) implements CborSerializable {

  /**
   * The error of an attempt that was running when the engine stopped. Whether its work happened
   * is not known (a script may have finished its deploy a moment before the crash), so the
   * record says so; a next attempt starts only once the attempt's processes are gone.
   */
  public static final String INTERRUPTED = "interrupted by restart, fate unknown";

  /**
   * One entry of a task's history.
   *
   * @param status the status entered
   * @param attempt the attempt it concerns
   * @param at when
   * @param note why, e.g. the error, or null
   * @param due for RETRY_WAIT, when the next attempt is due; else null
   */
  public record Step(TaskStatus status, int attempt, Instant at, String note, Instant due)
      implements CborSerializable {}

  public TaskRun {
    output = ExecutionEvent.orNull(output);
    tokens = List.copyOf(tokens);
    history = List.copyOf(history);
  }

  static TaskRun pending(String name, Instant at) {
    return new TaskRun(name, TaskStatus.PENDING, 0, 0, null, List.of(), null, null, null, null,
        null, List.of(new Step(TaskStatus.PENDING, 0, at, null, null)));
  }

  /** This task moved to {@code next}; an illegal move is a bug in the engine, so it throws. */
  TaskRun moveTo(TaskStatus next, int attempt, Instant at, String note) {
    return moveTo(next, attempt, at, note, null);
  }

  TaskRun moveTo(TaskStatus next, int attempt, Instant at, String note, Instant due) {
    if (!status.canMoveTo(next)) {
      throw new IllegalStateException("task '" + name + "' cannot move from " + status + " to "
          + next);
    }
    List<Step> h = new ArrayList<>(history.size() + 1);
    h.addAll(history);
    h.add(new Step(next, attempt, at, note, due));
    return new TaskRun(name, next, attempt, reruns, token, tokens, deadline, retryDue, output,
        errorKind, error, h);
  }

  TaskRun withAttempt(String token, Instant deadline) {
    List<String> t = new ArrayList<>(tokens);
    t.add(token);
    return new TaskRun(name, status, attempt, reruns, token, t, deadline, null, output, errorKind,
        error, history);
  }

  TaskRun withOutput(JsonNode output) {
    return new TaskRun(name, status, attempt, reruns, token, tokens, null, retryDue, output,
        errorKind, error, history);
  }

  TaskRun withError(String kind, String message, JsonNode output) {
    return new TaskRun(name, status, attempt, reruns, token, tokens, null, retryDue, output, kind,
        message, history);
  }

  TaskRun withRetry(Instant due, boolean rerun) {
    return new TaskRun(name, status, attempt, rerun ? reruns + 1 : reruns, token, tokens,
        deadline, due, output, errorKind, error, history);
  }

  /** The statuses this task went through, oldest first. */
  public List<TaskStatus> statuses() {
    return history.stream().map(Step::status).toList();
  }
}
