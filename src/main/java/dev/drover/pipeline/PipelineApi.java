package dev.drover.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.flow.CompletionResult;
import dev.drover.node.ClusterView;
import dev.drover.node.NodePool;
import dev.drover.node.PoolStatus;
import dev.drover.pipeline.definition.QueueStrategy;
import dev.drover.serialization.CborSerializable;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
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
   * A page of the jobs that match {@code query}'s filters, newest first: at most {@code
   * query.limit()}, after {@code query.after()} or else just before {@code query.before()}. Only
   * the jobs of the page are looked at closely, so a page costs the same however many jobs there
   * are.
   */
  default JobPage jobs(JobQuery query) {
    return JobCursor.window(jobs().stream()
        .filter(j -> query.matches(j.pipeline(), JobStatus.of(j))).toList(), JobCursor::of, query)
        .map(page -> page);
  }

  /**
   * Schedules a job; completes once the job is durable. Fails with {@link ScheduleRejected}
   * (unknown pipeline, full queue: a 400 with its message), {@link VariablesTooLarge} (a 413)
   * or {@link ShuttingDown} (a 503).
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
   * Calls {@code text} with the task's output: what is written so far, then each new piece as
   * it is written, until closed; calls {@code ended} once after the task's last piece, when the
   * task has ended (at once for a task that ended before).
   *
   * @throws JobNotFound when there is no such job
   * @throws TaskNotFound when the job has no such task
   */
  AutoCloseable followLogs(UUID job, String task, Consumer<LogText> text, Runnable ended);

  /** The status of the worker pool of {@code kind}. */
  CompletionStage<PoolStatus> poolStatus(String kind);

  /** False once shutdown began: new schedules are refused with {@link ShuttingDown}. */
  boolean acceptingJobs();

  /**
   * The pipelines as an operator's screen shows them: their variables, queues and schedules. By
   * default what {@link #pipelines()} knows, without variables or schedule.
   */
  default List<PipelineOverview> overview() {
    return pipelines().stream().map(p -> new PipelineOverview(p.pipeline(), p.schedulable(),
        p.running(), p.tasks(), List.of(), 1, null, QueueStrategy.APPEND.yamlName(),
        p.running() ? 1 : 0, 0, null, null, null)).toList();
  }

  /**
   * Every attempt of every task of a job, with the policies that shaped them, or empty when there
   * is no such job. By default one attempt per task, spanning its start and end.
   */
  default CompletionStage<Optional<JobTimeline>> timeline(UUID id) {
    return CompletableFuture.completedFuture(job(id).map(job ->
        new JobTimeline(job.id(), job.tasks().stream().map(t -> new TaskTimeline(t.name(),
            t.status(), t.dependsOn(), "shell", false, null, 0, null, 1.0, null, null,
            t.start() == null ? List.of() : List.of(new AttemptSpan(1, t.start(), t.end(), null,
                t.status(), t.error(), null)))).toList())));
  }

  /**
   * The status of every worker pool the cluster has: one per supervisor, that is per kind and
   * node. By default the local pool of kind {@code shell}.
   */
  default CompletionStage<List<NodePool>> pools() {
    return poolStatus("shell").thenApply(status -> List.of(new NodePool("local", status, null)));
  }

  /**
   * Whether the job queue runs on this node (in a cluster it is a singleton on one engine node),
   * so that this node alone reports the queue's lengths as metrics. True by default.
   */
  default boolean holdsQueue() {
    return true;
  }

  /** The members of the cluster this node belongs to, with their roles. */
  default ClusterView cluster() {
    return new ClusterView("local", null, List.of());
  }

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

  /**
   * Which page of the jobs to list.
   *
   * @param limit the most jobs on the page, at least 1
   * @param after the cursor of the last job of the page before (older jobs follow), or null
   * @param before the cursor of the first job of the page after (the newer jobs just before it
   *     are listed), or null; ignored when {@code after} is given. Both null: the newest jobs
   * @param pipeline only jobs of this pipeline, or null for all
   * @param status only jobs with this status, or null for all
   */
  record JobQuery(int limit, JobCursor after, JobCursor before, String pipeline,
      JobStatus status) {
    public JobQuery {
      if (limit < 1) {
        throw new IllegalArgumentException("limit must be at least 1, got " + limit);
      }
    }

    /** The page of {@code limit} jobs of any pipeline and status after {@code after}. */
    public JobQuery(int limit, JobCursor after) {
      this(limit, after, null, null, null);
    }

    /** Whether a job of {@code jobPipeline} with {@code jobStatus} passes the filters. */
    public boolean matches(String jobPipeline, JobStatus jobStatus) {
      return (pipeline == null || pipeline.equals(jobPipeline))
          && (status == null || status == jobStatus);
    }
  }

  /**
   * A page of jobs.
   *
   * @param jobs the jobs, newest first
   * @param next the cursor of the next page (older jobs), or null when this is the last
   * @param previous the cursor of the page before (newer jobs, passed as {@link
   *     JobQuery#before()}), or null when this is the first
   */
  record JobPage(List<JobView> jobs, JobCursor next, JobCursor previous) {
    public JobPage {
      jobs = List.copyOf(jobs);
    }
  }

  /**
   * A pipeline as an operator sees it.
   *
   * @param pipeline its name
   * @param schedulable whether a schedule would be accepted now
   * @param running whether a job of it runs
   * @param tasks its task names in definition order
   * @param variables the variables its scripts read, for the form that starts a job
   * @param concurrency how many of its jobs may run at once
   * @param queueLimit how many may wait, or null for no limit
   * @param queueStrategy {@code append}, {@code replace} or {@code partitioned_replace}
   * @param runningJobs how many of its jobs run now
   * @param waitingJobs how many wait
   * @param schedule its cron expression, or null
   * @param timezone the time zone of its cron expression, or null
   * @param nextRun when its schedule is next due, or null
   */
  record PipelineOverview(String pipeline, boolean schedulable, boolean running,
      List<String> tasks, List<PipelineVariable> variables, int concurrency, Integer queueLimit,
      String queueStrategy, int runningJobs, int waitingJobs, String schedule, String timezone,
      Instant nextRun) {}

  /**
   * A variable the scripts of a pipeline read.
   *
   * @param name its name
   * @param defaultValue the default its templates give it, or null
   * @param required whether a job fails without it (a line reads it without a default)
   */
  record PipelineVariable(String name, String defaultValue, boolean required) {}

  /** The tasks of a job with their attempts. */
  record JobTimeline(UUID id, List<TaskTimeline> tasks) {}

  /**
   * One task of a job: how it is set up to run and what its attempts did.
   *
   * @param status as in {@link TaskView}
   * @param pool the kind of worker it runs on
   * @param awaitCallback whether it waits for a callback after its script
   * @param timeout the watchdog of each attempt, or null
   * @param retries how many retries it may have after the first attempt
   * @param retryDelay the delay before the first retry, or null
   * @param retryBackoff the growth of the delay per retry
   * @param waiting {@code callback} while it waits for its callback, {@code retry} while it waits
   *     for its next attempt, else null
   * @param due the deadline of the callback it waits for, or when its next attempt is due; null
   *     when it does not wait or waits without a deadline
   * @param attempts its attempts, oldest first
   */
  record TaskTimeline(String name, String status, List<String> dependsOn, String pool,
      boolean awaitCallback, Duration timeout, int retries, Duration retryDelay,
      double retryBackoff, String waiting, Instant due, List<AttemptSpan> attempts) {}

  /**
   * One attempt of a task.
   *
   * @param attempt 1 for the first, 2 for the first retry, ...
   * @param start when it started running
   * @param end when it ended, or null while it runs or waits
   * @param callbackWait when its script ended and it began to wait for its callback, or null
   * @param outcome {@code running}, {@code waiting for callback}, {@code done}, {@code error},
   *     {@code timeout}, {@code interrupted} or {@code canceled}
   * @param error why it failed or was canceled, or null
   * @param retryDue when the next attempt was due after this one failed, or null
   */
  record AttemptSpan(int attempt, Instant start, Instant end, Instant callbackWait,
      String outcome, String error, Instant retryDue) {}

  /** A request to run a pipeline; {@code user} is the token's subject. */
  record ScheduleRequest(
      String pipeline, Map<String, Object> variables, String queuePartition, String user) {}

  /**
   * A task's output so far, as text: the bytes the script wrote, decoded as UTF-8 (an invalid
   * byte becomes U+FFFD, as in prunner's JSON); the log files hold the bytes themselves.
   */
  record TaskLogs(String stdout, String stderr) {}

  /**
   * A state change: of the job when {@code task} is null, else of one task.
   *
   * @param status the job's ({@code waiting, running, done, error, canceled}) or task's status
   */
  record JobEvent(UUID jobId, String pipeline, String task, String status, Instant at)
      implements CborSerializable {}

  /**
   * The next piece of a task's output on {@code stream} (stdout or stderr), as written: not
   * necessarily whole lines; newlines and carriage returns are part of the text. Decoded as
   * {@link TaskLogs} are; {@code end} is the byte offset in the stream after this piece.
   */
  record LogText(String stream, String text, long end) {}

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

  /** A list's cursor that no page of it gave out. */
  final class InvalidCursor extends RuntimeException {
    public InvalidCursor() {
      super("Invalid cursor", null, false, false);
    }
  }

  /** The job's variables are larger than the configured limit; nothing was scheduled. */
  final class VariablesTooLarge extends RuntimeException {
    public VariablesTooLarge(long size, long limit) {
      super("variables of " + size + " bytes (as JSON) exceed the limit of " + limit
          + " bytes (drover.pipeline.max-variables-size)");
    }
  }

  /** The runner is shutting down and takes no new job. */
  final class ShuttingDown extends RuntimeException {
    public ShuttingDown() {
      super("Server is shutting down");
    }
  }
}
