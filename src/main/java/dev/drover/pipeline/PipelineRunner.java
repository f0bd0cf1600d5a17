package dev.drover.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.flow.CompletionResult;
import dev.drover.flow.ExecutionState;
import dev.drover.flow.ExecutionStatus;
import dev.drover.flow.FlowEvent;
import dev.drover.flow.FlowService;
import dev.drover.flow.TaskRun;
import dev.drover.node.PoolStatus;
import dev.drover.node.Supervisor;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline runner: jobs of the loaded pipelines, queued by {@link JobQueue} and run as flow
 * executions whose tasks are scripts on leased {@code shell} workers. It answers the HTTP API
 * through {@link PipelineApi}.
 */
public final class PipelineRunner implements PipelineApi, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PipelineRunner.class);
  private static final Duration ASK = Duration.ofSeconds(10);

  private final ActorSystem<?> system;
  private final FlowService flows;
  private final TaskLogStore logs;
  private final AtomicReference<Map<String, PipelineDefinition>> definitions;
  private final List<Consumer<JobEvent>> listeners = new CopyOnWriteArrayList<>();
  private final AtomicBoolean accepting = new AtomicBoolean(true);
  private final AutoCloseable flowSubscription;
  private ActorRef<JobQueue.Command> queue;

  private PipelineRunner(ActorSystem<?> system, FlowService flows, TaskLogStore logs,
      Map<String, PipelineDefinition> definitions) {
    this.system = system;
    this.flows = flows;
    this.logs = logs;
    this.definitions = new AtomicReference<>(Map.copyOf(definitions));
    this.flowSubscription = flows.subscribe(this::onFlowEvent);
  }

  /**
   * Starts the runner in {@code system} (which runs the {@code shell} supervisor): the flow
   * engine with the job logs under {@code dataDir/logs}, and the job queue, which resumes the
   * waiting and running jobs of an earlier run.
   *
   * @param callbackBase the server's base URL, for the callbacks of await_callback tasks
   */
  public static CompletionStage<PipelineRunner> start(ActorSystem<?> system,
      Map<String, PipelineDefinition> definitions, Path dataDir, Supplier<String> callbackBase,
      Clock clock) {
    TaskLogStore logs = new TaskLogStore(dataDir.resolve("logs"));
    return FlowService.start(system, logs, clock, new PipelineInputRenderer(logs, callbackBase))
        .thenApply(flows -> {
          PipelineRunner runner = new PipelineRunner(system, flows, logs, definitions);
          runner.queue = ClusterSingleton.get(system).init(SingletonActor.of(
              JobQueue.create(runner.new QueueRuntime(), clock), "drover-pipeline-jobs")
              .withSettings(ClusterSingletonSettings.create(system)
                  .withRole(FlowService.engineRole(system))));
          return runner;
        });
  }

  /** Replaces the definitions; running jobs keep the flow they started with. */
  public void reload(Map<String, PipelineDefinition> next) {
    definitions.set(Map.copyOf(next));
    LOG.info("pipelines reloaded: {}", next.keySet());
  }

  /** The definitions in force. */
  public Map<String, PipelineDefinition> definitions() {
    return definitions.get();
  }

  /**
   * Completes when no job runs any more, or after {@code grace}: the shutdown's grace period.
   * Jobs still running then are interrupted; the journal holds them, and a restart ends or
   * retries their interrupted tasks.
   */
  public CompletionStage<Void> awaitNoRunningJobs(Duration grace) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    long deadline = System.nanoTime() + grace.toNanos();
    org.apache.pekko.actor.Cancellable poll = system.scheduler().scheduleAtFixedRate(
        Duration.ZERO, Duration.ofMillis(200), () -> {
      if (done.isDone()) {
        return;
      }
      boolean running;
      try {
        running = records().stream().anyMatch(j -> j.phase() == JobRecord.Phase.RUNNING);
      } catch (RuntimeException e) {
        running = false;
      }
      if (!running || System.nanoTime() > deadline) {
        done.complete(null);
      }
    }, system.executionContext());
    done.whenComplete((v, e) -> poll.cancel());
    return done;
  }

  /** Refuses new schedules from now on (shutdown began). */
  public void stopAccepting() {
    accepting.set(false);
  }

  // ---- PipelineApi ----

  @Override
  public List<PipelineInfo> pipelines() {
    List<JobRecord> jobs = records();
    return definitions.get().values().stream()
        .sorted(Comparator.comparing(PipelineDefinition::name))
        .map(def -> {
          List<JobRecord> own = jobs.stream().filter(j -> j.pipeline().equals(def.name())).toList();
          boolean running = own.stream().anyMatch(j -> j.phase() == JobRecord.Phase.RUNNING);
          return new PipelineInfo(def.name(), schedulable(def, own), running,
              List.copyOf(def.tasks().keySet()));
        })
        .toList();
  }

  private static boolean schedulable(PipelineDefinition def, List<JobRecord> jobs) {
    long running = jobs.stream().filter(j -> j.phase() == JobRecord.Phase.RUNNING).count();
    long waiting = jobs.stream().filter(j -> j.phase() == JobRecord.Phase.WAITING).count();
    if (running < def.concurrency() && waiting == 0) {
      return true;
    }
    Integer limit = def.queueLimit();
    return limit == null || def.queueStrategy() != QueueStrategy.APPEND
        ? limit == null || limit > 0 : waiting < limit;
  }

  @Override
  public List<JobView> jobs() {
    List<JobRecord> records = records();
    List<CompletableFuture<JobView>> views = new ArrayList<>();
    for (JobRecord r : records) {
      views.add(view(r));
    }
    return views.stream().map(CompletableFuture::join)
        .sorted(Comparator.comparing(JobView::created).reversed())
        .toList();
  }

  private CompletableFuture<JobView> view(JobRecord r) {
    PipelineDefinition def = definitions.get().get(r.pipeline());
    if (r.started() == null || r.finalTasks() != null) {
      return CompletableFuture.completedFuture(JobViews.view(r, def, null));
    }
    return flows.get(r.id().toString()).toCompletableFuture()
        .thenApply(s -> JobViews.view(r, def, s.orElse(null)));
  }

  private List<JobRecord> records() {
    return get(AskPattern.<JobQueue.Command, JobQueue.Jobs>ask(queue, JobQueue.GetJobs::new, ASK,
        system.scheduler())).jobs();
  }

  private Optional<JobRecord> record(UUID id) {
    return Optional.ofNullable(get(AskPattern.<JobQueue.Command, JobQueue.Job>ask(queue,
        r -> new JobQueue.GetJob(id, r), ASK, system.scheduler())).job());
  }

  @Override
  public CompletionStage<JobView> schedule(ScheduleRequest request) {
    if (!accepting.get()) {
      return CompletableFuture.failedFuture(new ShuttingDown());
    }
    PipelineDefinition def = definitions.get().get(request.pipeline());
    if (def == null) {
      return CompletableFuture.failedFuture(new ScheduleRejected(
          "pipeline \"" + request.pipeline() + "\" is not defined"));
    }
    try {
      ScriptTemplate.checkVariableNames(
          request.variables() == null ? Map.of() : request.variables());
    } catch (ReservedVariable e) {
      return CompletableFuture.failedFuture(new ScheduleRejected(e.getMessage()));
    }
    return AskPattern.<JobQueue.Command, JobQueue.ScheduleReply>ask(queue,
            r -> new JobQueue.Schedule(request, def, r), ASK, system.scheduler())
        .thenCompose(reply -> reply.rejection() != null
            ? CompletableFuture.failedFuture(new ScheduleRejected(reply.rejection()))
            : view(reply.job()));
  }

  @Override
  public Optional<JobView> job(UUID id) {
    return record(id).map(r -> view(r).join());
  }

  @Override
  public TaskLogs logs(UUID job, String task) {
    JobView view = job(job).orElseThrow(() -> new JobNotFound(job));
    if (view.tasks().stream().noneMatch(t -> t.name().equals(task))) {
      throw new TaskNotFound(task);
    }
    return new TaskLogs(logs.read(job.toString(), task, "stdout"),
        logs.read(job.toString(), task, "stderr"));
  }

  @Override
  public CompletionStage<Void> cancel(UUID job) {
    return AskPattern.<JobQueue.Command, JobQueue.CancelReply>ask(queue,
            r -> new JobQueue.Cancel(job, r), ASK, system.scheduler())
        .thenApply(reply -> {
          if (!reply.found()) {
            throw new JobNotFound(job);
          }
          return null;
        });
  }

  @Override
  public CompletionStage<CompletionResult> completeTask(
      UUID job, String task, String token, boolean success, JsonNode output, String error) {
    return flows.completeTask(job.toString(), task, token,
        success ? FlowService.CompletionStatus.SUCCESS : FlowService.CompletionStatus.ERROR,
        output, error);
  }

  @Override
  public AutoCloseable subscribe(Consumer<JobEvent> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  @Override
  public AutoCloseable followLogs(UUID job, String task, Consumer<LogLine> lines) {
    JobView view = job(job).orElseThrow(() -> new JobNotFound(job));
    if (view.tasks().stream().noneMatch(t -> t.name().equals(task))) {
      throw new TaskNotFound(task);
    }
    return logs.follow(job.toString(), task, lines);
  }

  @Override
  public CompletionStage<PoolStatus> poolStatus(String kind) {
    String path = Cluster.get(system).selfMember().address() + "/user/"
        + Supervisor.actorName(kind);
    ActorRef<Supervisor.Command> supervisor =
        ActorRefResolver.get(system).resolveActorRef(path);
    return AskPattern.ask(supervisor, Supervisor.GetStatus::new, ASK, system.scheduler());
  }

  @Override
  public boolean acceptingJobs() {
    return accepting.get();
  }

  // ---- flow events and the queue's side effects ----

  private void onFlowEvent(FlowEvent e) {
    UUID id;
    try {
      id = UUID.fromString(e.executionId());
    } catch (IllegalArgumentException notAJob) {
      return;
    }
    if (e.task() == null) {
      ExecutionStatus status = ExecutionStatus.valueOf(e.status());
      if (status.isFinal()) {
        flows.get(e.executionId()).thenAccept(s -> {
          JobViews.Tasks tasks = s.filter(ExecutionState::isStarted).map(JobViews::tasks)
              .orElse(null);
          queue.tell(new JobQueue.ExecutionEnded(id, endStatus(status, s.orElse(null)),
              s.map(ExecutionState::error).orElse(null), e.at(),
              tasks == null ? null : tasks.tasks(), tasks != null && tasks.errored()));
        });
      }
      return;
    }
    JobEvent event = new JobEvent(id, e.flow(), e.task(), taskStatus(e), e.at());
    listeners.forEach(l -> l.accept(event));
  }

  /**
   * The job's status for how its execution ended. An execution failed by a task that a restart
   * interrupted ends the job {@code canceled}, as the task shows: the server stopped, no script
   * failed (prunner, too, marks the jobs it finds running at its start canceled).
   */
  private static String endStatus(ExecutionStatus status, ExecutionState execution) {
    return switch (status) {
      case SUCCEEDED -> "done";
      case CANCELLED -> "canceled";
      default -> {
        TaskRun failed = execution == null || execution.failedTask() == null ? null
            : execution.task(execution.failedTask());
        yield failed != null && JobViews.INTERRUPTED.equals(failed.errorKind())
            ? "canceled" : "error";
      }
    };
  }

  private static String taskStatus(FlowEvent e) {
    return switch (dev.drover.flow.TaskStatus.valueOf(e.status())) {
      case PENDING, SCHEDULED -> "waiting";
      case RUNNING, DELAYED, RETRY_WAIT -> "running";
      case SUCCEEDED -> "done";
      case FAILED -> e.detail().contains(": " + JobViews.INTERRUPTED + ":") ? "canceled" : "error";
      case CANCELLED -> "canceled";
      case SKIPPED -> "skipped";
    };
  }

  /** How the queue reaches the engine, the logs and the subscribers. */
  private final class QueueRuntime implements JobQueue.Runtime {
    @Override
    public PipelineDefinition definition(String pipeline) {
      return definitions.get().get(pipeline);
    }

    @Override
    public void start(JobRecord job) {
      PipelineDefinition def = definitions.get().get(job.pipeline());
      if (def == null) {
        // resumed after a restart with its pipeline gone: its execution, if any, goes on
        flows.get(job.id().toString()).thenAccept(s -> {
          if (s.isEmpty()) {
            queue.tell(new JobQueue.ExecutionEnded(job.id(), "error",
                "pipeline \"" + job.pipeline() + "\" is no longer defined", job.created(),
                null, false));
          }
        });
        return;
      }
      flows.start(job.id().toString(), JobFlows.compile(def), JobFlows.input(job))
          .whenComplete((s, error) -> {
            if (error != null) {
              LOG.error("cannot start job {} of pipeline {}: {}", job.id(), job.pipeline(),
                  error.toString());
            }
          });
    }

    @Override
    public void cancelRunning(JobRecord job, String reason) {
      flows.cancel(job.id().toString(), reason);
    }

    @Override
    public void removed(JobRecord job) {
      logs.delete(job.id().toString());
    }

    @Override
    public void changed(JobRecord job) {
      String status = switch (job.phase()) {
        case WAITING -> "waiting";
        case RUNNING -> "running";
        case ENDED -> job.endStatus();
      };
      JobEvent event = new JobEvent(job.id(), job.pipeline(), null, status,
          job.ended() != null ? job.ended() : job.started() != null ? job.started() : job.created());
      listeners.forEach(l -> l.accept(event));
    }
  }

  private static <T> T get(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(ASK.toSeconds() + 5, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() throws Exception {
    flowSubscription.close();
    flows.close();
  }
}
