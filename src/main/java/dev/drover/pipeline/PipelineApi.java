package dev.drover.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.flow.CompletionResult;
import dev.drover.node.PoolStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * What the HTTP API (and any other front end) asks of the pipeline runner. Every method is safe
 * to call from any thread.
 */
public interface PipelineApi {

  /** The loaded pipelines, by name. */
  List<PipelineInfo> pipelines();

  /** Every job the runner keeps, newest first. */
  List<JobView> jobs();

  /**
   * Schedules a job; completes once the job is durable. Fails with {@link ScheduleRejected}
   * (unknown pipeline, full queue: a 400 with its message) or {@link ShuttingDown} (a 503).
   */
  CompletionStage<JobView> schedule(ScheduleRequest request);

  /** The job, or empty when there is none with this id. */
  Optional<JobView> job(UUID id);

  /**
   * The output of a task so far (partial while it runs).
   *
   * @throws JobNotFound when there is no such job
   * @throws TaskNotFound when the job has no such task
   */
  TaskLogs logs(UUID job, String task);

  /** Cancels a job: a waiting one leaves its queue at once, a running one is stopped. */
  CompletionStage<Void> cancel(UUID job);

  /** Completes a task that awaits a callback, authorised by its token. */
  CompletionStage<CompletionResult> completeTask(
      UUID job, String task, String token, boolean success, JsonNode output, String error);

  /** Calls {@code listener} with every job and task state change until closed. */
  AutoCloseable subscribe(Consumer<JobEvent> listener);

  /**
   * Calls {@code lines} with the task's output: what is written so far, then each new line as it
   * is written, until closed.
   *
   * @throws JobNotFound when there is no such job
   * @throws TaskNotFound when the job has no such task
   */
  AutoCloseable followLogs(UUID job, String task, Consumer<LogLine> lines);

  /** The status of the worker pool of {@code kind}. */
  CompletionStage<PoolStatus> poolStatus(String kind);

  /** False once shutdown began: new schedules are refused with {@link ShuttingDown}. */
  boolean acceptingJobs();

  /**
   * A pipeline as listed.
   *
   * @param pipeline its name
   * @param schedulable whether a schedule would be accepted now (its queue is not full)
   * @param running whether a job of it runs
   * @param tasks its task names in definition order
   */
  record PipelineInfo(String pipeline, boolean schedulable, boolean running, List<String> tasks) {}

  /**
   * A job as prunner's API shows it.
   *
   * @param id the job's id
   * @param pipeline its pipeline
   * @param tasks its tasks in definition order, then {@code on_error} if it ran
   * @param completed whether it ended (succeeded, failed or canceled)
   * @param canceled whether it was canceled
   * @param errored whether a task failed (and was not allowed to)
   * @param created when it was scheduled
   * @param start when its first task started, or null
   * @param end when it ended, or null
   * @param lastError why it failed or was canceled, or null
   * @param variables the variables it was scheduled with
   * @param user who scheduled it (the token's subject, or {@code schedule} for cron)
   * @param queuePartition its queue partition, or null
   */
  record JobView(
      UUID id, String pipeline, List<TaskView> tasks, boolean completed, boolean canceled,
      boolean errored, Instant created, Instant start, Instant end, String lastError,
      Map<String, Object> variables, String user, String queuePartition) {}

  /**
   * A task of a job.
   *
   * @param status {@code waiting | running | done | error | canceled | skipped}
   * @param exitCode the script's exit code; 0 for a successful task
   * @param error what went wrong, or null
   */
  record TaskView(
      String name, List<String> dependsOn, String status, Instant start, Instant end,
      boolean skipped, int exitCode, boolean errored, String error) {}

  /** A request to run a pipeline; {@code user} is the token's subject. */
  record ScheduleRequest(
      String pipeline, Map<String, Object> variables, String queuePartition, String user) {}

  /** A task's output so far. */
  record TaskLogs(String stdout, String stderr) {}

  /**
   * A state change: of the job when {@code task} is null, else of one task.
   *
   * @param status the job's ({@code waiting, running, done, error, canceled}) or task's status
   */
  record JobEvent(UUID jobId, String pipeline, String task, String status, Instant at) {}

  /** One line of a task's output, of {@code stream} stdout or stderr. */
  record LogLine(String stream, String line) {}

  /** No job has this id. */
  final class JobNotFound extends RuntimeException {
    public JobNotFound(UUID id) {
      super("Job not found");
    }
  }

  /** The job has no task of this name. */
  final class TaskNotFound extends RuntimeException {
    public TaskNotFound(String task) {
      super("Task not found");
    }
  }

  /** The schedule was refused; the message is the one prunner's clients show. */
  final class ScheduleRejected extends RuntimeException {
    public ScheduleRejected(String message) {
      super(message);
    }
  }

  /** The runner is shutting down and takes no new job. */
  final class ShuttingDown extends RuntimeException {
    public ShuttingDown() {
      super("Server is shutting down");
    }
  }
}
