package dev.drover.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.cluster.JournalDatabase;
import dev.drover.flow.CompletionResult;
import dev.drover.flow.ExecutionState;
import dev.drover.flow.ExecutionStatus;
import dev.drover.flow.FlowEvent;
import dev.drover.flow.FlowService;
import dev.drover.flow.TaskRun;
import dev.drover.node.ClusterView;
import dev.drover.node.NodePool;
import dev.drover.node.PoolDirectory;
import dev.drover.node.PoolStatus;
import dev.drover.node.Supervisor;
import dev.drover.observe.RunEvents;
import dev.drover.pipeline.definition.PipelineDefinition;
import dev.drover.pipeline.definition.QueueStrategy;
import dev.drover.pipeline.template.ReservedVariable;
import dev.drover.pipeline.template.ScriptTemplate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.pubsub.Topic;
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
  /** How long a job start refused by the engine's backpressure waits before it is tried again. */
  private static final Duration RESTART_DELAY = Duration.ofSeconds(1);

  private final ActorSystem<?> system;
  private final FlowService flows;
  private final TaskOutput logs;
  private final AtomicReference<Map<String, PipelineDefinition>> definitions;
  private final List<Consumer<JobEvent>> listeners = new CopyOnWriteArrayList<>();
  private final AtomicBoolean accepting = new AtomicBoolean(true);
  /** The status each task of a running job was last shown with, to show each change once. */
  private final Map<UUID, Map<String, String>> taskStatuses = new ConcurrentHashMap<>();
  private final AutoCloseable flowSubscription;
  /** Job changes, published by the node holding the queue, delivered on every node. */
  private final ActorRef<Topic.Command<JobEvent>> jobTopic;
  private final long maxVariablesSize;
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();
  private ActorRef<JobQueue.Command> queue;

  private PipelineRunner(ActorSystem<?> system, FlowService flows, TaskOutput logs,
      Map<String, PipelineDefinition> definitions) {
    this.system = system;
    this.flows = flows;
    this.logs = logs;
    this.definitions = new AtomicReference<>(Map.copyOf(definitions));
    this.flowSubscription = flows.subscribe(this::onFlowEvent);
    this.jobTopic = system.systemActorOf(Topic.create(JobEvent.class, "drover-job-events"),
        "drover-job-events", Props.empty());
    system.systemActorOf(Behaviors.<JobEvent>setup(ctx -> {
      jobTopic.tell(Topic.subscribe(ctx.getSelf()));
      return Behaviors.receiveMessage(e -> {
        listeners.forEach(l -> l.accept(e));
        return Behaviors.same();
      });
    }), "drover-job-events-subscriber", Props.empty());
    this.maxVariablesSize =
        system.settings().config().getBytes("drover.pipeline.max-variables-size");
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
    return start(system, definitions, dataDir, callbackBase, clock, Map.of());
  }

  /**
   * {@link #start(ActorSystem, Map, Path, Supplier, Clock)}, every task also getting {@code
   * taskVariables} (those of {@code .env} files) over the server's passed ones and below its
   * pipeline's {@code env}.
   */
  public static CompletionStage<PipelineRunner> start(ActorSystem<?> system,
      Map<String, PipelineDefinition> definitions, Path dataDir, Supplier<String> callbackBase,
      Clock clock, Map<String, String> taskVariables) {
    // a cluster keeps them in its shared journal database, so any node serves any task's logs
    TaskOutput logs = JournalDatabase.fromConfig(system.settings().config())
        .<TaskOutput>map(JournalTaskLogStore::open)
        .orElseGet(() -> new TaskLogStore(dataDir.resolve("logs")));
    Map<String, String> passed = new TreeMap<>(
        PassedVariables.fromConfig(system.settings().config()).of(System.getenv()));
    passed.putAll(taskVariables);
    return FlowService.start(system, logs, clock,
            new PipelineInputRenderer(logs, callbackBase, passed))
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
    CompletableFuture<Void> giveUp = new CompletableFuture<>();
    giveUp.completeOnTimeout(null, grace.toNanos(), TimeUnit.NANOSECONDS);
    return awaitNoRunningJobs(giveUp);
  }

  /**
   * Completes when no job runs any more, or when {@code giveUp} completes (a shutdown that
   * waits for running jobs without limit never gives up by itself).
   */
  public CompletionStage<Void> awaitNoRunningJobs(CompletionStage<?> giveUp) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    giveUp.whenComplete((v, e) -> done.complete(null));
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
      if (!running) {
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
        .sorted(Comparator.comparing(JobCursor::of, JobCursor.NEWEST_FIRST))
        .toList();
  }

  @Override
  public JobPage jobs(JobQuery query) {
    // filtered on what the queue keeps; only the page's jobs are shown, which may ask their
    // executions
    List<JobRecord> matching = records().stream()
        .filter(r -> query.matches(r.pipeline(), JobStatus.of(r))).toList();
    return JobCursor.window(matching, r -> new JobCursor(r.created(), r.id()), query)
        .map(page -> {
          // every execution asked at once, then waited for
          List<CompletableFuture<JobView>> views = page.stream().map(this::view).toList();
          return views.stream().map(CompletableFuture::join).toList();
        });
  }

  private CompletableFuture<JobView> view(JobRecord r) {
    PipelineDefinition def = definitions.get().get(r.pipeline());
    if (r.started() == null || r.finalTasks() != null) {
      return CompletableFuture.completedFuture(JobViews.view(r, def, null));
    }
    return flows.get(r.id().toString()).toCompletableFuture()
        .thenApply(s -> JobViews.view(r, def, s.orElse(null)));
  }

  /** Every job, oldest first, page by page when the queue is on another node. */
  private List<JobRecord> records() {
    Map<UUID, JobRecord> all = new LinkedHashMap<>();
    UUID after = null;
    JobQueue.Jobs page;
    do {
      UUID from = after;
      page = get(AskPattern.<JobQueue.Command, JobQueue.Jobs>ask(queue,
          r -> new JobQueue.GetJobs(from, r), ASK, system.scheduler()));
      page.jobs().forEach(j -> all.put(j.id(), j));
      after = page.jobs().isEmpty() ? null : page.jobs().get(page.jobs().size() - 1).id();
    } while (page.more() && after != null);
    return List.copyOf(all.values());
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
      // a lone surrogate or a NUL would make the journal refuse the queue's write
      dev.drover.flow.UnsafeValue.check("variables", request.variables(), 0);
      dev.drover.flow.UnsafeValue.check("queuePartition", request.queuePartition(), 0);
    } catch (ReservedVariable | dev.drover.flow.UnsafeValue e) {
      return CompletableFuture.failedFuture(new ScheduleRejected(e.getMessage()));
    }
    long size = variablesSize(request.variables());
    if (size > maxVariablesSize) {
      return CompletableFuture.failedFuture(new VariablesTooLarge(size, maxVariablesSize));
    }
    return AskPattern.<JobQueue.Command, JobQueue.ScheduleReply>ask(queue,
            r -> new JobQueue.Schedule(request, def, r), ASK, system.scheduler())
        .thenCompose(reply -> reply.rejection() != null
            ? CompletableFuture.failedFuture(new ScheduleRejected(reply.rejection()))
            : view(reply.job()));
  }

  /** The size of the variables as JSON, the form they are journaled and rendered from. */
  private static long variablesSize(Map<String, Object> variables) {
    if (variables == null) {
      return 0;
    }
    try {
      return JSON.writeValueAsBytes(variables).length;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new ScheduleRejected("variables cannot be written as JSON: " + e.getOriginalMessage());
    }
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
    return new TaskLogs(
        new String(logs.read(job.toString(), task, "stdout"), StandardCharsets.UTF_8),
        new String(logs.read(job.toString(), task, "stderr"), StandardCharsets.UTF_8));
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
  public AutoCloseable followLogs(UUID job, String task, Consumer<LogText> text,
      Runnable ended) {
    JobView view = job(job).orElseThrow(() -> new JobNotFound(job));
    if (view.tasks().stream().noneMatch(t -> t.name().equals(task))) {
      throw new TaskNotFound(task);
    }
    AtomicBoolean over = new AtomicBoolean();
    Runnable end = () -> {
      if (over.compareAndSet(false, true)) {
        ended.run();
      }
    };
    // watching before reading the task's state: an end between the two is seen either way
    Consumer<JobEvent> watch = e -> {
      if (!e.jobId().equals(job)) {
        return;
      }
      if (e.task() == null && FINAL_JOB.contains(e.status())) {
        end.run();
      } else if (task.equals(e.task()) && FINAL_TASK.contains(e.status())) {
        // a failed attempt may be retried: the task's view says whether it is over
        CompletableFuture.runAsync(() -> {
          if (job(job).map(j -> ended(j, task)).orElse(true)) {
            end.run();
          }
        });
      }
    };
    listeners.add(watch);
    Map<String, Utf8Text> decoders = Map.of("stdout", new Utf8Text(), "stderr", new Utf8Text());
    AutoCloseable following = logs.follow(job.toString(), task, chunk -> {
      String piece = decoders.get(chunk.stream()).next(chunk.bytes());
      if (!piece.isEmpty()) {
        text.accept(new LogText(chunk.stream(), piece, chunk.offset() + chunk.bytes().length));
      }
    });
    if (job(job).map(j -> ended(j, task)).orElse(true)) {
      end.run();
    }
    return () -> {
      listeners.remove(watch);
      following.close();
    };
  }

  private static final Set<String> FINAL_JOB = Set.of("done", "error", "canceled");
  private static final Set<String> FINAL_TASK = Set.of("done", "error", "canceled", "skipped");

  /** Whether the task of {@code job} has ended: the job has, or the task has for good. */
  private static boolean ended(JobView job, String task) {
    return job.completed() || job.tasks().stream()
        .anyMatch(t -> t.name().equals(task) && FINAL_TASK.contains(t.status()));
  }

  /**
   * {@inheritDoc}
   *
   * <p>Fails with {@link NoSuchElementException} when this node runs no supervisor of
   * that kind: the lookup answers at once, where asking a supervisor that is not there would wait
   * for the ask's timeout.
   */
  @Override
  public CompletionStage<PoolStatus> poolStatus(String kind) {
    String path = Cluster.get(system).selfMember().address() + "/user/"
        + Supervisor.actorName(kind);
    return system.classicSystem().actorSelection(path).resolveOne(ASK)
        .<CompletionStage<PoolStatus>>handle((found, missing) -> {
          if (missing != null) {
            return CompletableFuture.failedFuture(
                new NoSuchElementException("no pool of kind '" + kind + "'"));
          }
          ActorRef<Supervisor.Command> supervisor =
              ActorRefResolver.get(system).resolveActorRef(path);
          return AskPattern.ask(supervisor, Supervisor.GetStatus::new, ASK, system.scheduler());
        })
        .thenCompose(status -> status);
  }

  @Override
  public boolean acceptingJobs() {
    return accepting.get();
  }

  @Override
  public List<PipelineOverview> overview() {
    List<JobRecord> jobs = records();
    Instant now = Instant.now();
    return definitions.get().values().stream()
        .sorted(Comparator.comparing(PipelineDefinition::name))
        .map(def -> {
          List<JobRecord> own = jobs.stream().filter(j -> j.pipeline().equals(def.name())).toList();
          int running = (int) own.stream().filter(j -> j.phase() == JobRecord.Phase.RUNNING).count();
          int waiting = (int) own.stream().filter(j -> j.phase() == JobRecord.Phase.WAITING).count();
          CronScheduler.Due due = CronScheduler.Due.of(def);
          return new PipelineOverview(def.name(), schedulable(def, own), running > 0,
              List.copyOf(def.tasks().keySet()), PipelineVariables.of(def), def.concurrency(),
              def.queueLimit(), def.queueStrategy().yamlName(), running, waiting, due == null ? null : due.cron(), due == null ? null : due.zone().getId(),
              due == null ? null : CronScheduler.next(due, now).orElse(null));
        })
        .toList();
  }

  @Override
  public CompletionStage<Optional<JobTimeline>> timeline(UUID id) {
    Optional<JobRecord> record = record(id);
    if (record.isEmpty()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    JobView job = view(record.get()).join();
    if (record.get().started() == null) {
      return CompletableFuture.completedFuture(Optional.of(JobTimelines.of(job, null)));
    }
    return flows.get(id.toString()).thenApply(s -> Optional.of(JobTimelines.of(job, s.orElse(null))));
  }

  @Override
  public CompletionStage<List<NodePool>> pools() {
    return PoolDirectory.pools(system,
        system.settings().config().getDuration("drover.observe.pool-status-timeout"));
  }

  /**
   * The queue is a cluster singleton of the engine role, which runs on the oldest Up member with
   * that role; while the singleton moves, this may be true on two nodes (or none) for a moment.
   */
  @Override
  public boolean holdsQueue() {
    Cluster cluster = Cluster.get(system);
    String role = FlowService.engineRole(system);
    org.apache.pekko.cluster.Member oldest = null;
    for (org.apache.pekko.cluster.Member m : cluster.state().getMembers()) {
      if (m.status() == org.apache.pekko.cluster.MemberStatus.up() && m.hasRole(role)
          && (oldest == null || m.isOlderThan(oldest))) {
        oldest = m;
      }
    }
    return oldest == null || oldest.address().equals(cluster.selfMember().address());
  }

  @Override
  public ClusterView cluster() {
    return PoolDirectory.cluster(system);
  }

  /** The flow engine the jobs run on, for observers of its events. */
  public FlowService flows() {
    return flows;
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
        taskStatuses.remove(id);
        flows.get(e.executionId()).thenAccept(s -> reportEnd(id, status, s.orElse(null), e.at()));
      }
      return;
    }
    String status = taskStatus(e);
    // the engine's states are finer than prunner's (running, then waiting for a callback):
    // subscribers get one event per change of the status they see
    Map<String, String> last = taskStatuses.computeIfAbsent(id, k -> new ConcurrentHashMap<>());
    if (status.equals(last.put(e.task(), status))) {
      return;
    }
    JobEvent event = new JobEvent(id, e.flow(), e.task(), status, e.at());
    listeners.forEach(l -> l.accept(event));
  }

  /** Tells the queue that the job's execution ended. */
  private void reportEnd(UUID id, ExecutionStatus status, ExecutionState s, Instant at) {
    JobViews.Tasks tasks = s != null && s.isStarted() ? JobViews.tasks(s) : null;
    queue.tell(new JobQueue.ExecutionEnded(id, endStatus(status, s),
        s == null ? null : s.error(), at,
        tasks == null ? null : tasks.tasks(), tasks != null && tasks.errored()));
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
    public boolean anyDefined() {
      return !definitions.get().isEmpty();
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
            if (error != null && retriable(error)) {
              // refused by the engine's backpressure (nothing created) or not answered in
              // time: starting is idempotent, so the same id is started again shortly
              LOG.warn("job {} of pipeline {} not started yet ({}); retrying", job.id(),
                  job.pipeline(), error.toString());
              system.scheduler().scheduleOnce(RESTART_DELAY, () -> start(job),
                  system.executionContext());
            } else if (error != null) {
              LOG.error("cannot start job {} of pipeline {}: {}", job.id(), job.pipeline(),
                  error.toString());
            } else if (s.status() != null && s.status().isFinal()) {
              // resumed by a queue that took over from a lost node: the end its execution
              // reported may have gone to the lost one
              reportEnd(job.id(), s.status(), s, s.endedAt() != null ? s.endedAt() : s.startedAt());
            }
          });
    }

    private boolean retriable(Throwable error) {
      for (Throwable t = error; t != null; t = t.getCause()) {
        if (t instanceof dev.drover.flow.EngineOverloaded
            || t instanceof java.util.concurrent.TimeoutException) {
          return accepting.get();
        }
      }
      return false;
    }

    @Override
    public void cancelRunning(JobRecord job, String reason) {
      flows.cancel(job.id().toString(), reason);
    }

    @Override
    public void removed(JobRecord job) {
      logs.delete(job.id().toString());
      // its execution's events go too: the journal holds the jobs retention keeps
      flows.forget(List.of(job.id().toString())).whenComplete((n, error) -> {
        if (error != null) {
          LOG.warn("job {} removed, its execution's events stay in the journal: {}", job.id(),
              error.getMessage());
        }
      });
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
      jobTopic.tell(Topic.publish(event));
      if (job.phase() == JobRecord.Phase.ENDED && job.started() != null) {
        // the queue runs on one node: the one that counts the job's end
        system.eventStream().tell(new EventStream.Publish<>(new RunEvents.JobEnded(
            job.id().toString(), job.pipeline(), job.endStatus(), job.started(), job.ended())));
      }
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
