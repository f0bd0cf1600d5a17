package dev.drover.pipeline;

import dev.drover.flow.ExecutionState;
import dev.drover.flow.Flow;
import dev.drover.flow.TaskRun;
import dev.drover.flow.TaskStatus;
import dev.drover.pipeline.PipelineApi.JobView;
import dev.drover.pipeline.PipelineApi.TaskView;
import dev.drover.pipeline.definition.PipelineDefinition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Shows a job (its queue record and its flow execution) the way prunner's API does. */
final class JobViews {
  static final String INTERRUPTED = "interrupted";

  private JobViews() {}

  /** A job's tasks as its execution shows them, and whether one failed that may not. */
  record Tasks(List<TaskView> tasks, boolean errored) {}

  /**
   * @param def the job's pipeline, for the tasks of a job that has not started; may be null
   * @param execution the job's execution, or null before it started or once the job ended with
   *     its tasks recorded
   */
  static JobView view(JobRecord job, PipelineDefinition def, ExecutionState execution) {
    Tasks tasks;
    if (job.finalTasks() != null) {
      tasks = new Tasks(job.finalTasks(), job.errored());
    } else if (execution != null && execution.isStarted()) {
      tasks = tasks(execution);
    } else {
      List<TaskView> planned = new ArrayList<>();
      if (def != null) {
        def.tasks().values().forEach(t -> planned.add(new TaskView(t.name(), t.dependsOn(),
            job.phase() == JobRecord.Phase.ENDED ? "canceled" : "waiting", null, null, false, 0,
            false, null)));
      }
      tasks = new Tasks(planned, false);
    }
    return new JobView(job.id(), job.pipeline(), tasks.tasks(),
        job.phase() == JobRecord.Phase.ENDED, "canceled".equals(job.endStatus()),
        tasks.errored(), job.created(), job.started(), job.ended(), job.lastError(),
        job.variables(), job.user(), job.queuePartition());
  }

  /** The tasks of a started execution. */
  static Tasks tasks(ExecutionState execution) {
    List<TaskView> tasks = new ArrayList<>();
    boolean errored = false;
    for (TaskRun run : execution.tasks().values()) {
      List<String> deps = run.name().equals(Flow.ON_ERROR) ? List.of()
          : execution.flow().task(run.name()).dependsOn();
      TaskView t = task(run, deps);
      errored |= t.errored() && !execution.flow().task(run.name()).allowFailure();
      tasks.add(t);
    }
    return new Tasks(List.copyOf(tasks), errored);
  }

  /**
   * A failed task's error as prunner words it: a script's non-zero exit is {@code exit status N}.
   */
  static String error(TaskRun run) {
    if ("exit-code".equals(run.errorKind()) && run.output() != null
        && run.output().has("exitCode")) {
      return "exit status " + run.output().get("exitCode").asInt();
    }
    return run.error();
  }

  static TaskView task(TaskRun run, List<String> dependsOn) {
    boolean interrupted = run.status() == TaskStatus.FAILED
        && INTERRUPTED.equals(run.errorKind());
    String status = switch (run.status()) {
      case PENDING, SCHEDULED -> "waiting";
      case RUNNING, DELAYED, RETRY_WAIT -> "running";
      case SUCCEEDED -> "done";
      case FAILED -> interrupted ? "canceled" : "error";
      case CANCELLED -> "canceled";
      case SKIPPED -> "skipped";
    };
    Instant start = run.history().stream().filter(s -> s.status() == TaskStatus.RUNNING)
        .map(TaskRun.Step::at).findFirst().orElse(null);
    Instant end = run.status().isFinal() ? run.history().get(run.history().size() - 1).at()
        : null;
    int exitCode = run.output() != null && run.output().has("exitCode")
        ? run.output().get("exitCode").asInt()
        : run.status() == TaskStatus.SUCCEEDED ? 0 : -1;
    boolean errored = run.status() == TaskStatus.FAILED && !interrupted;
    String error = switch (run.status()) {
      case FAILED -> interrupted ? dev.drover.flow.TaskRun.INTERRUPTED : error(run);
      default -> null;
    };
    return new TaskView(run.name(), dependsOn, status, start, end,
        run.status() == TaskStatus.SKIPPED, exitCode, errored, error);
  }
}
