package dev.drover.pipeline;

import dev.drover.flow.ActionSpec;
import dev.drover.flow.ExecutionState;
import dev.drover.flow.Task;
import dev.drover.flow.TaskRun;
import dev.drover.flow.TaskStatus;
import dev.drover.pipeline.PipelineApi.AttemptSpan;
import dev.drover.pipeline.PipelineApi.JobTimeline;
import dev.drover.pipeline.PipelineApi.JobView;
import dev.drover.pipeline.PipelineApi.TaskTimeline;
import dev.drover.pipeline.PipelineApi.TaskView;
import dev.drover.pipeline.definition.TaskDefinition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A job's attempts, read from its execution's task histories: when each attempt ran, how it
 * ended, when a retry was due, and what a task waits for now.
 */
final class JobTimelines {
  private JobTimelines() {}

  /**
   * @param job the job as listed, for the tasks of a job whose execution never started
   * @param execution its execution, or null when it has none
   */
  static JobTimeline of(JobView job, ExecutionState execution) {
    List<TaskTimeline> tasks = new ArrayList<>();
    if (execution == null || !execution.isStarted()) {
      for (TaskView t : job.tasks()) {
        tasks.add(new TaskTimeline(t.name(), t.status(), t.dependsOn(), TaskDefinition.DEFAULT_POOL,
            false, null, 0, null, 1.0, null, null, List.of()));
      }
      return new JobTimeline(job.id(), tasks);
    }
    for (TaskRun run : execution.tasks().values()) {
      Task task = execution.flow().task(run.name());
      TaskView view = JobViews.task(run, task == null ? List.of() : task.dependsOn());
      tasks.add(task(run, task, view.status()));
    }
    return new JobTimeline(job.id(), tasks);
  }

  private static TaskTimeline task(TaskRun run, Task task, String status) {
    String pool = TaskDefinition.DEFAULT_POOL;
    boolean awaitCallback = false;
    if (task != null && task.action() instanceof ActionSpec.Node node) {
      pool = node.pool();
      awaitCallback = node.awaitCallback();
    }
    String waiting = switch (run.status()) {
      case DELAYED -> "callback";
      case RETRY_WAIT -> "retry";
      default -> null;
    };
    Instant due = switch (run.status()) {
      case DELAYED -> run.deadline();
      case RETRY_WAIT -> run.retryDue();
      default -> null;
    };
    return new TaskTimeline(run.name(), status, task == null ? List.of() : task.dependsOn(), pool,
        awaitCallback, task == null ? null : task.timeout(),
        task == null ? 0 : task.retry().count(),
        task == null || task.retry().count() == 0 ? null : task.retry().delay(),
        task == null ? 1.0 : task.retry().multiplier(), waiting, due, attempts(run));
  }

  /** The attempts of a task, from the statuses it went through. */
  static List<AttemptSpan> attempts(TaskRun run) {
    List<AttemptSpan> spans = new ArrayList<>();
    Open open = null;
    for (TaskRun.Step step : run.history()) {
      switch (step.status()) {
        case RUNNING -> {
          if (open != null) {
            spans.add(open.end(step.at(), "interrupted", null));
          }
          open = new Open(step.attempt(), step.at());
        }
        case DELAYED -> {
          if (open != null) {
            open.callbackWait = step.at();
          }
        }
        case SUCCEEDED, FAILED, CANCELLED -> {
          if (open != null) {
            spans.add(open.end(step.at(), outcome(step), error(step)));
            open = null;
          }
        }
        case RETRY_WAIT -> {
          if (!spans.isEmpty()) {
            AttemptSpan last = spans.remove(spans.size() - 1);
            spans.add(new AttemptSpan(last.attempt(), last.start(), last.end(),
                last.callbackWait(), last.outcome(), last.error(), step.due()));
          }
        }
        default -> { }
      }
    }
    if (open != null) {
      spans.add(new AttemptSpan(open.attempt, open.start, null, open.callbackWait,
          open.callbackWait != null ? "waiting for callback" : "running", null, null));
    }
    return List.copyOf(spans);
  }

  /** The step's reason without the kind of a script's exit, which says it again. */
  private static String error(TaskRun.Step step) {
    String note = step.note();
    return note != null && note.startsWith("exit-code: ") ? note.substring(11) : note;
  }

  private static String outcome(TaskRun.Step step) {
    if (step.status() == TaskStatus.SUCCEEDED) {
      return "done";
    }
    if (step.status() == TaskStatus.CANCELLED) {
      return "canceled";
    }
    String note = step.note() == null ? "" : step.note();
    if (note.startsWith("timeout:")) {
      return "timeout";
    }
    return note.startsWith(JobViews.INTERRUPTED + ":") ? "interrupted" : "error";
  }

  /** An attempt that started and has not ended yet. */
  private static final class Open {
    final int attempt;
    final Instant start;
    Instant callbackWait;

    Open(int attempt, Instant start) {
      this.attempt = attempt;
      this.start = start;
    }

    AttemptSpan end(Instant at, String outcome, String error) {
      return new AttemptSpan(attempt, start, at, callbackWait, outcome, error, null);
    }
  }
}
