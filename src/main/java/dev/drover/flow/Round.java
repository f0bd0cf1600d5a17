package dev.drover.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.drover.flow.ExecutionEvent.ExecutionCancelled;
import dev.drover.flow.ExecutionEvent.ExecutionCompleted;
import dev.drover.flow.ExecutionEvent.ExecutionFailed;
import dev.drover.flow.ExecutionEvent.TaskCancelled;
import dev.drover.flow.ExecutionEvent.TaskFailed;
import dev.drover.flow.ExecutionEvent.TaskRetryScheduled;
import dev.drover.flow.ExecutionEvent.TaskScheduled;
import dev.drover.flow.ExecutionEvent.TaskSkipped;
import dev.drover.flow.ExecutionEvent.TaskStarted;
import dev.drover.flow.ExecutionEvent.TaskTimedOut;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The engine's decisions, as a pure function of an execution's state: which events follow.
 * {@link #advance} is one round: it skips what can no longer run, schedules and starts every
 * ready task (so independent branches go on while others wait), applies fail-fast, runs the
 * on-error task, and ends the execution when nothing is left. The {@link Execution} actor
 * persists the events of a round in one write, then carries out their side effects.
 */
final class Round {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private Round() {}

  /** The events that move {@code state} as far as it can go at {@code now}. */
  static List<ExecutionEvent> advance(ExecutionState state, Instant now, Supplier<String> tokens) {
    List<ExecutionEvent> events = new ArrayList<>();
    ExecutionState s = state;
    while (true) {
      List<ExecutionEvent> step = nextStep(s, now, tokens);
      if (step.isEmpty()) {
        return events;
      }
      for (ExecutionEvent e : step) {
        s = s.apply(e);
        events.add(e);
      }
    }
  }

  /** A failed attempt, followed by its retry when the task's policy allows one. */
  static List<ExecutionEvent> failure(
      ExecutionState state, String task, int attempt, String kind, String message,
      JsonNode output, Instant now) {
    List<ExecutionEvent> events = new ArrayList<>();
    events.add(kind.equals("timeout")
        ? new TaskTimedOut(task, attempt, now)
        : new TaskFailed(task, attempt, kind, message, output, now));
    retry(state, task, attempt, kind, now).ifPresent(events::add);
    return events;
  }

  /** Attempts that were running when the engine stopped: interrupted, re-run if idempotent. */
  static List<ExecutionEvent> interrupted(ExecutionState state, Instant now) {
    List<ExecutionEvent> events = new ArrayList<>();
    for (TaskRun run : state.tasks().values()) {
      if (run.status() != TaskStatus.RUNNING) {
        continue;
      }
      events.add(new TaskFailed(run.name(), run.attempt(), "interrupted", TaskRun.INTERRUPTED, null, now));
      Task task = state.flow().task(run.name());
      if (task.idempotent()) {
        events.add(new TaskRetryScheduled(run.name(), run.attempt() + 1, now, true, now));
      } else {
        retry(state, run.name(), run.attempt(), "interrupted", now).ifPresent(events::add);
      }
    }
    return events;
  }

  /** Cancels every task that has not ended, and the execution. */
  static List<ExecutionEvent> cancel(ExecutionState state, String reason, Instant now) {
    List<ExecutionEvent> events = new ArrayList<>(stopAll(state, reason, now, true));
    events.add(new ExecutionCancelled(reason, now));
    return events;
  }

  private static java.util.Optional<ExecutionEvent> retry(
      ExecutionState state, String task, int attempt, String kind, Instant now) {
    Task spec = state.flow().task(task);
    TaskRun run = state.task(task);
    int counted = attempt - (run == null ? 0 : run.reruns());
    if (!spec.retry().retries(counted, kind)) {
      return java.util.Optional.empty();
    }
    Instant due = now.plus(spec.retry().delayAfter(counted));
    return java.util.Optional.of(new TaskRetryScheduled(task, attempt + 1, due, false, now));
  }

  private static List<ExecutionEvent> nextStep(
      ExecutionState s, Instant now, Supplier<String> tokens) {
    if (s.status().isFinal()) {
      return List.of();
    }
    Flow flow = s.flow();
    Scan scan = new Scan(s, now);
    TaskRun failed = scan.failed;

    if (failed != null && flow.failFast()) {
      List<ExecutionEvent> stop = stopAll(s, "fail-fast: task '" + failed.name() + "' failed",
          now, false);
      if (!stop.isEmpty()) {
        return stop;
      }
    }
    if (!scan.skips.isEmpty()) {
      return scan.skips;
    }
    if (s.status() == ExecutionStatus.RUNNING) {
      if (!scan.schedules.isEmpty()) {
        return scan.schedules;
      }
      List<ExecutionEvent> step = new ArrayList<>();
      int running = scan.running;
      for (TaskRun run : scan.scheduled) {
        if (flow.maxParallel() > 0 && running >= flow.maxParallel()) {
          break;
        }
        step.add(start(flow.task(run.name()), run.attempt(), now, tokens));
        running++;
      }
      if (!step.isEmpty()) {
        return step;
      }
    }
    if (!scan.allEnded) {
      return List.of();
    }
    if (failed == null) {
      return List.of(new ExecutionCompleted(output(s), now));
    }
    String reason = "task '" + failed.name() + "' failed: " + failed.error();
    if (flow.onError() == null) {
      return List.of(new ExecutionFailed(failed.name(), reason, now));
    }
    TaskRun onError = s.task(Flow.ON_ERROR);
    if (onError == null) {
      return List.of(new TaskScheduled(Flow.ON_ERROR, 1, now));
    }
    if (onError.status() == TaskStatus.SCHEDULED) {
      return List.of(start(flow.onError(), onError.attempt(), now, tokens));
    }
    if (onError.status() == TaskStatus.RETRY_WAIT && !onError.retryDue().isAfter(now)) {
      return List.of(new TaskScheduled(Flow.ON_ERROR, onError.attempt(), now));
    }
    if (onError.status().isFinal()) {
      return List.of(new ExecutionFailed(failed.name(), reason, now));
    }
    return List.of();
  }

  /**
   * What one step decides from, gathered in one pass over the tasks in flow order (the on-error
   * task after them): a step used to walk the tasks once per question, and a round asks its
   * questions again after each step.
   */
  private static final class Scan {
    /** The first task whose failure fails the execution, or null. */
    TaskRun failed;
    /** Pending tasks that can no longer run: a task they depend on will never let them. */
    final List<ExecutionEvent> skips = new ArrayList<>();
    /** Pending tasks whose dependencies are done, and retries that are due, in flow order. */
    final List<ExecutionEvent> schedules = new ArrayList<>();
    /** Scheduled tasks waiting to start, in flow order. */
    final List<TaskRun> scheduled = new ArrayList<>();
    /** Attempts running. */
    int running;
    /** Every task of the flow (the on-error task aside) has ended. */
    boolean allEnded = true;

    Scan(ExecutionState s, Instant now) {
      Flow flow = s.flow();
      List<Task> tasks = flow.tasks();
      for (int i = 0; i < tasks.size(); i++) {
        Task t = tasks.get(i);
        TaskRun run = s.task(t.name());
        TaskStatus status = run.status();
        allEnded &= status.isFinal();
        switch (status) {
          case FAILED -> {
            if (failed == null && !t.allowFailure()) {
              failed = run;
            }
          }
          case RUNNING -> running++;
          case SCHEDULED -> scheduled.add(run);
          case RETRY_WAIT -> {
            if (!run.retryDue().isAfter(now)) {
              schedules.add(new TaskScheduled(t.name(), run.attempt(), now));
            }
          }
          case PENDING -> pending(s, flow, t, now);
          default -> { }
        }
      }
      TaskRun onError = flow.onError() == null ? null : s.task(Flow.ON_ERROR);
      if (onError != null) {
        if (onError.status() == TaskStatus.RUNNING) {
          running++;
        } else if (onError.status() == TaskStatus.SCHEDULED) {
          scheduled.add(onError);
        }
      }
    }

    /** A pending task is skipped, ready, or still waits for the tasks it depends on. */
    private void pending(ExecutionState s, Flow flow, Task t, Instant now) {
      boolean ready = true;
      for (String d : t.dependsOn()) {
        TaskRun dep = s.task(d);
        Task dependency = flow.task(d);
        TaskStatus st = dep.status();
        if (st == TaskStatus.CANCELLED || st == TaskStatus.SKIPPED
            || (st == TaskStatus.FAILED && !dependency.allowFailure())) {
          skips.add(new TaskSkipped(t.name(), "task '" + d + "' it depends on "
              + st.name().toLowerCase().replace('_', ' '), now));
          return;
        }
        ready &= satisfied(st, dependency);
      }
      if (ready) {
        schedules.add(new TaskScheduled(t.name(), 1, now));
      }
    }
  }

  private static TaskStarted start(Task task, int attempt, Instant now, Supplier<String> tokens) {
    Instant deadline = task.timeout() == null ? null : now.plus(task.timeout());
    return new TaskStarted(task.name(), attempt, tokens.get(), deadline, now);
  }

  /** Cancels the attempts in flight and the retries waiting; skips what has not started. */
  private static List<ExecutionEvent> stopAll(
      ExecutionState s, String reason, Instant now, boolean withOnError) {
    List<ExecutionEvent> events = new ArrayList<>();
    for (TaskRun run : s.tasks().values()) {
      if (!withOnError && run.name().equals(Flow.ON_ERROR)) {
        continue;
      }
      switch (run.status()) {
        case SCHEDULED, RUNNING, DELAYED, RETRY_WAIT ->
            events.add(new TaskCancelled(run.name(), run.attempt(), reason, now));
        case PENDING -> events.add(new TaskSkipped(run.name(), reason, now));
        default -> { }
      }
    }
    return events;
  }

  /** A dependency that lets its dependents run: succeeded, or failed with allow-failure. */
  private static boolean satisfied(TaskStatus st, Task dependency) {
    return st == TaskStatus.SUCCEEDED || (st == TaskStatus.FAILED && dependency.allowFailure());
  }

  /** The first task whose failure fails the execution, or null. */
  static TaskRun blockingFailure(ExecutionState s) {
    for (Task t : s.flow().tasks()) {
      TaskRun run = s.task(t.name());
      if (run.status() == TaskStatus.FAILED && !t.allowFailure()) {
        return run;
      }
    }
    return null;
  }

  /** The execution's output: the named task outputs, or those of its sink tasks. */
  static JsonNode output(ExecutionState s) {
    ObjectNode out = JSON.objectNode();
    if (s.flow().output().isEmpty()) {
      s.flow().sinks().forEach(t -> out.set(t, s.task(t).output()));
    } else {
      s.flow().output().forEach((field, task) -> out.set(field, s.task(task).output()));
    }
    return out;
  }
}
