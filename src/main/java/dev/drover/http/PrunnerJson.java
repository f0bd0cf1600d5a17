package dev.drover.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import dev.drover.pipeline.PipelineApi.JobView;
import dev.drover.pipeline.PipelineApi.PipelineInfo;
import dev.drover.pipeline.PipelineApi.TaskView;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The JSON shapes of prunner's API, field for field, so that prunner-ui and Flowpack.Prunner read
 * Drover's answers as they read prunner's.
 *
 * <p>Absent values are left out, as prunner's {@code omitempty} tags do (a job's {@code start},
 * {@code end}, {@code lastError} and empty {@code variables}; a task's empty {@code dependsOn},
 * {@code start}, {@code end} and {@code error}); {@code user} and {@code tasks} are always there,
 * because the PHP client reads them without a default. Drover's own routes use the same shapes.
 */
final class PrunnerJson {
  private PrunnerJson() {}

  /** A pipeline in {@code GET /pipelines}. */
  record Pipeline(String pipeline, boolean schedulable, boolean running) {
    static Pipeline of(PipelineInfo p) {
      return new Pipeline(p.pipeline(), p.schedulable(), p.running());
    }
  }

  /** {@code GET /pipelines}; {@code nextCursor} only when a limit left pipelines out. */
  record Pipelines(List<Pipeline> pipelines,
      @JsonInclude(Include.NON_NULL) String nextCursor) {}

  /** {@code GET /pipelines/jobs}: every pipeline, a page of jobs. */
  record PipelinesAndJobs(List<Pipeline> pipelines, List<Job> jobs,
      @JsonInclude(Include.NON_NULL) String nextCursor) {}

  /** The answer to a schedule. */
  record Scheduled(String jobId) {}

  /** {@code GET /job/logs}. */
  record Logs(String stdout, String stderr) {}

  /** An error: every refusal of the API has this body. */
  record Error(String error) {}

  /** A task of a job. */
  record Task(
      String name,
      @JsonInclude(Include.NON_EMPTY) List<String> dependsOn,
      String status,
      @JsonInclude(Include.NON_NULL) Instant start,
      @JsonInclude(Include.NON_NULL) Instant end,
      boolean skipped,
      int exitCode,
      boolean errored,
      @JsonInclude(Include.NON_NULL) String error) {

    static Task of(TaskView t) {
      return new Task(t.name(), t.dependsOn(), t.status(), t.start(), t.end(), t.skipped(),
          t.exitCode(), t.errored(), t.error());
    }
  }

  /** A job. */
  record Job(
      String id,
      String pipeline,
      List<Task> tasks,
      boolean completed,
      boolean canceled,
      boolean errored,
      Instant created,
      @JsonInclude(Include.NON_NULL) Instant start,
      @JsonInclude(Include.NON_NULL) Instant end,
      @JsonInclude(Include.NON_NULL) String lastError,
      @JsonInclude(Include.NON_EMPTY) Map<String, Object> variables,
      @JsonInclude(Include.NON_DEFAULT) boolean variablesTruncated,
      String user,
      @JsonInclude(Include.NON_NULL) String queuePartition) {

    /** The job whole, as its own route shows it. */
    static Job of(JobView j) {
      return of(j, new ListedVariables(j.variables(), false));
    }

    /** The job as a list shows it: its variables within {@code variablesBudget} of JSON. */
    static Job listed(JobView j, int variablesBudget) {
      return of(j, ListedVariables.of(j.variables(), variablesBudget));
    }

    private static Job of(JobView j, ListedVariables variables) {
      List<Task> tasks = j.tasks() == null ? List.of() : j.tasks().stream().map(Task::of).toList();
      return new Job(j.id().toString(), j.pipeline(), tasks, j.completed(), j.canceled(),
          j.errored(), j.created(), j.start(), j.end(), j.lastError(), variables.variables(),
          variables.truncated(), j.user() == null ? "" : j.user(), j.queuePartition());
    }
  }
}
