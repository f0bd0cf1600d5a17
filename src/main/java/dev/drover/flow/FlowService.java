package dev.drover.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.persistence.jdbc.testkit.javadsl.SchemaUtils;
import org.apache.pekko.persistence.typed.PersistenceId;

/**
 * The workflow engine's Java API, for host systems that run Drover embedded: start executions of
 * {@link Flow}s, read and list them, cancel, pause and resume them, complete delegate tasks, and
 * subscribe to their state changes.
 *
 * <pre>{@code
 * ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "drover", FlowConfig.forDataDir(dir));
 * FlowService flows = FlowService.start(system).toCompletableFuture().join();
 * ExecutionState started = flows.start("order-42", flow, input).toCompletableFuture().join();
 * }</pre>
 *
 * <p>Executions are sharded entities journaled with pekko-persistence-jdbc (H2 under the data
 * directory by default, PostgreSQL by configuration, see {@code reference.conf}); after a crash
 * every unfinished execution resumes by itself when the service starts again on the same data.
 */
public final class FlowService implements AutoCloseable {
  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final ActorRef<ExecutionDirectory.Command> directory;
  private final ActorRef<Topic.Command<FlowEvent>> topic;
  private final NodeActions node;
  private final Duration askTimeout;
  private final int maxStartsInFlight;
  private final long maxValueSize;
  private final AtomicInteger startsInFlight = new AtomicInteger();
  /** Callers of {@link #result} by execution id. */
  private final Map<String, Queue<CompletableFuture<ExecutionState>>> awaiting =
      new ConcurrentHashMap<>();
  /** Learns of ends from the topic and from the executions; see {@link #result}. */
  private final ActorRef<Object> ends;
  private final JournalRows journalRows;

  private FlowService(ActorSystem<?> system, ClusterSharding sharding,
      ActorRef<ExecutionDirectory.Command> directory, ActorRef<Topic.Command<FlowEvent>> topic,
      NodeActions node, Config c) {
    this.system = system;
    this.sharding = sharding;
    this.directory = directory;
    this.topic = topic;
    this.node = node;
    this.askTimeout = c.getDuration("ask-timeout");
    this.maxStartsInFlight = c.getInt("max-starts-in-flight");
    this.maxValueSize = c.getLong("max-value-size");
    this.journalRows = new JournalRows(system.settings().config());
    if (maxStartsInFlight < 1) {
      throw new IllegalArgumentException(
          "drover.flow.max-starts-in-flight must be at least 1, got " + maxStartsInFlight);
    }
    this.ends = system.systemActorOf(Behaviors.<Object>setup(ctx -> {
      topic.tell(Topic.subscribe(ctx.getSelf().<FlowEvent>narrow()));
      return Behaviors.receiveMessage(m -> {
        if (m instanceof Execution.Ended e) {
          ended(e.executionId(), e.state());
        } else if (m instanceof FlowEvent e && e.task() == null
            && awaiting.containsKey(e.executionId())
            && ExecutionStatus.valueOf(e.status()).isFinal()) {
          // ended after a passivation or a restart, where the entity forgot its waiters
          sharding.entityRefFor(Execution.TYPE_KEY, e.executionId())
              .tell(new Execution.AwaitEnd(ctx.getSelf().narrow()));
        }
        return Behaviors.same();
      });
    }), "drover-flow-results-" + UUID.randomUUID(), Props.empty());
  }

  private void ended(String id, ExecutionState state) {
    Queue<CompletableFuture<ExecutionState>> waiting = awaiting.remove(id);
    if (waiting == null) {
      return;
    }
    for (CompletableFuture<ExecutionState> f : waiting) {
      if (state.isStarted()) {
        f.complete(state);
      } else {
        f.completeExceptionally(new NoSuchElementException("no execution with id " + id));
      }
    }
  }

  /** Starts the engine in {@code system}, with task output discarded. */
  public static CompletionStage<FlowService> start(ActorSystem<?> system) {
    return start(system, TaskContext.OutputSink.DISCARD, Clock.systemUTC());
  }

  /**
   * Starts the engine in {@code system}: creates the journal's tables if they are missing, joins
   * the node to itself when it is in no cluster yet, and starts the execution directory, which
   * resumes every unfinished execution.
   *
   * @param output where the streamed output of tasks goes
   * @param clock the clock of timers and events (tests pass a controllable one)
   */
  public static CompletionStage<FlowService> start(
      ActorSystem<?> system, TaskContext.OutputSink output, Clock clock) {
    return start(system, output, clock, NodeInputRenderer.AS_IS);
  }

  /**
   * As {@link #start(ActorSystem, TaskContext.OutputSink, Clock)}, with {@code renderer}
   * turning each node action's input into what its worker receives when an attempt starts.
   */
  public static CompletionStage<FlowService> start(ActorSystem<?> system,
      TaskContext.OutputSink output, Clock clock, NodeInputRenderer renderer) {
    Config c = system.settings().config().getConfig("drover.flow");
    return SchemaUtils.createIfNotExists(system).thenApply(done -> {
      joinIfAlone(system);
      Executor dispatcher = system.dispatchers().lookup(
          DispatcherSelector.fromConfig("drover.flow.local-dispatcher"));
      String self = Cluster.get(system).selfMember().address().toString();
      NodeActions node = new NodeActions(system, kind -> {
        String key = "node-pools." + kind + ".supervisors";
        return c.hasPath(key) ? c.getStringList(key) : List.of(self);
      }, c.getDuration("node-lease-timeout"), c.getDuration("node-lease-linger"), renderer);
      ActorRef<Topic.Command<FlowEvent>> topic = system.systemActorOf(
          Topic.create(FlowEvent.class, "drover-flow-events"), "drover-flow-events",
          Props.empty());
      ClusterSharding sharding = ClusterSharding.get(system);
      String role = engineRole(system);
      ActorRef<ExecutionDirectory.Command> directory = ClusterSingleton.get(system).init(
          SingletonActor.of(ExecutionDirectory.create(
              id -> sharding.entityRefFor(Execution.TYPE_KEY, id).tell(new Execution.Wake()),
              clock, c.getInt("directory.snapshot-every"), c.getInt("directory.keep-ended")),
              "drover-execution-directory")
              .withSettings(ClusterSingletonSettings.create(system).withRole(role)));
      EngineRuntime runtime = new EngineRuntime(new LocalActions(dispatcher), node, output,
          directory, topic, c.getDuration("passivate-after"), c.getInt("snapshot-every"), clock);
      sharding.init(Entity.of(Execution.TYPE_KEY, entity -> Execution.create(entity, runtime))
          .withRole(role));
      // the embedded journal's file is compacted while the engine runs
      EmbeddedJournal.start(system.settings().config()).ifPresent(compaction ->
          system.getWhenTerminated().thenRun(compaction::close));
      return new FlowService(system, sharding, directory, topic, node, c);
    });
  }

  /**
   * The cluster role of the nodes that run executions: {@code drover.flow.role}, or when that
   * is empty this node's own role. Worker JVMs are members of the cluster too; without a role,
   * sharding would wait for shard regions (and write majorities) on them.
   */
  public static String engineRole(ActorSystem<?> system) {
    String configured = system.settings().config().getString("drover.flow.role");
    if (!configured.isEmpty()) {
      return configured;
    }
    return Cluster.get(system).selfMember().getRoles().stream()
        .filter(r -> !r.startsWith("dc-")).sorted().findFirst()
        .orElseThrow(() -> new IllegalStateException("the engine's node has no cluster role; set "
            + "pekko.cluster.roles or drover.flow.role"));
  }

  private static void joinIfAlone(ActorSystem<?> system) {
    Cluster cluster = Cluster.get(system);
    if (system.settings().config().getStringList("pekko.cluster.seed-nodes").isEmpty()
        && cluster.selfMember().status() == org.apache.pekko.cluster.MemberStatus.removed()) {
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }
  }

  private EntityRef<Execution.Command> execution(String id) {
    if (id == null || id.isBlank() || id.length() > 200) {
      throw new IllegalArgumentException("an execution id is 1 to 200 characters, got '" + id
          + "'");
    }
    return sharding.entityRefFor(Execution.TYPE_KEY, id);
  }

  /**
   * Starts an execution of {@code flow} with {@code input} under the caller's {@code
   * executionId}. Idempotent: starting an id again returns the existing execution unchanged.
   *
   * <p>The returned stage completes only when the execution's first events and its entry in
   * the directory of executions are durable: an acknowledged execution survives a crash of the
   * host and resumes by itself. The outcomes:
   *
   * <ul>
   *   <li>completed: the execution exists (durably);
   *   <li>failed at once with {@link EngineOverloaded}: {@code drover.flow.max-starts-in-flight}
   *       starts were in flight; this one was refused before anything was sent, so the
   *       execution was <em>not</em> created. Retry later;
   *   <li>failed with a timeout ({@code drover.flow.ask-timeout}): unknown; retry with the same
   *       id, which either creates it or answers the existing execution.
   * </ul>
   *
   * @throws IllegalArgumentException for an id that is blank or longer than 200 characters
   * @throws UnsafeValue for an input holding a lone UTF-16 surrogate or a NUL, or larger than
   *     {@code drover.flow.max-value-size}; nothing is started
   */
  public CompletionStage<ExecutionState> start(String executionId, Flow flow, JsonNode input) {
    EntityRef<Execution.Command> entity = execution(executionId);
    UnsafeValue.check("input", input, maxValueSize);
    if (startsInFlight.incrementAndGet() > maxStartsInFlight) {
      startsInFlight.decrementAndGet();
      return CompletableFuture.failedFuture(new EngineOverloaded(maxStartsInFlight));
    }
    try {
      CompletionStage<ExecutionState> started = entity.<Execution.StartReply>ask(
          r -> new Execution.Start(flow, input, r), askTimeout)
          .thenApply(Execution.StartReply::state);
      started.whenComplete((s, e) -> startsInFlight.decrementAndGet());
      return started;
    } catch (RuntimeException e) {
      startsInFlight.decrementAndGet();
      throw e;
    }
  }

  /** How many starts wait for their acknowledgement now. */
  public int startsInFlight() {
    return startsInFlight.get();
  }

  /**
   * Completes with the execution's final state when it has ended (succeeded, failed or
   * cancelled), whether it ends in this incarnation of its entity or after a passivation or a
   * restart of it: the engine tells, nobody polls. Fails with {@link NoSuchElementException}
   * when no execution has this id. Within one host JVM: a caller's stage does not survive the
   * host's own restart (call it again then).
   */
  public CompletionStage<ExecutionState> result(String executionId) {
    EntityRef<Execution.Command> entity = execution(executionId);
    CompletableFuture<ExecutionState> result = new CompletableFuture<>();
    // added under the map's lock of the id, so an end being handed out meanwhile either
    // includes this caller or leaves it to the answer of its own AwaitEnd
    awaiting.compute(executionId, (k, waiting) -> {
      Queue<CompletableFuture<ExecutionState>> q =
          waiting == null ? new ConcurrentLinkedQueue<>() : waiting;
      q.add(result);
      return q;
    });
    entity.tell(new Execution.AwaitEnd(ends.narrow()));
    return result;
  }

  /** The execution's current state, or empty when no execution has this id. */
  public CompletionStage<Optional<ExecutionState>> get(String executionId) {
    return execution(executionId).<ExecutionState>ask(Execution.Get::new, askTimeout)
        .thenApply(s -> s.isStarted() ? Optional.of(s) : Optional.empty());
  }

  /** Executions matching {@code filter}, newest first. */
  public CompletionStage<List<ExecutionSummary>> list(ExecutionFilter filter) {
    return AskPattern.<ExecutionDirectory.Command, ExecutionDirectory.Listing>ask(directory,
        r -> new ExecutionDirectory.ListExecutions(filter, r), askTimeout, system.scheduler())
        .thenApply(ExecutionDirectory.Listing::executions);
  }

  /** Cancels the execution: running attempts are stopped, nothing new starts, no on-error. */
  public CompletionStage<Execution.Reply> cancel(String executionId, String reason) {
    return execution(executionId).ask(r -> new Execution.Cancel(reason, r), askTimeout);
  }

  /** Starts no new attempt until {@link #resume}; running attempts finish. */
  public CompletionStage<Execution.Reply> pause(String executionId) {
    return execution(executionId).ask(Execution.Pause::new, askTimeout);
  }

  public CompletionStage<Execution.Reply> resume(String executionId) {
    return execution(executionId).ask(Execution.Resume::new, askTimeout);
  }

  /**
   * Completes the current attempt of delegate task {@code taskName} with its callback token.
   * Exactly one completion per attempt is accepted; the others get a refusal saying why.
   *
   * @param status {@code SUCCESS} with {@code output}, or {@code ERROR} with {@code error}
   * @throws UnsafeValue for an output or error holding a lone UTF-16 surrogate or a NUL, or
   *     larger than {@code drover.flow.max-value-size}; nothing is recorded
   */
  public CompletionStage<CompletionResult> completeTask(String executionId, String taskName,
      String token, CompletionStatus status, JsonNode output, String error) {
    UnsafeValue.check("output", output, maxValueSize);
    UnsafeValue.check("error", error, maxValueSize);
    return execution(executionId).ask(r -> new Execution.CompleteTask(taskName, token,
        status == CompletionStatus.SUCCESS, output, error, r), askTimeout);
  }

  /**
   * Deletes from the journal every event and snapshot of the ended executions {@code
   * executionIds}, e.g. those of the jobs retention removed: a later {@link #get} finds no
   * execution of those ids. Runs on the blocking dispatcher; the stage gives how many events
   * went. An execution that has not ended must never be forgotten: its next write would start
   * a journal with no start.
   */
  public CompletionStage<Integer> forget(Collection<String> executionIds) {
    List<String> ids = executionIds.stream()
        .map(id -> PersistenceId.of(Execution.TYPE_KEY.name(), id).id()).toList();
    return CompletableFuture.supplyAsync(() -> {
      try {
        return journalRows.delete(ids);
      } catch (java.sql.SQLException e) {
        throw new java.util.concurrent.CompletionException(new IllegalStateException(
            "cannot delete the journal of executions " + executionIds + ": " + e.getMessage(),
            e));
      }
    }, system.dispatchers().lookup(DispatcherSelector.blocking()));
  }

  /** How a third party says a delegate task ended. */
  public enum CompletionStatus { SUCCESS, ERROR }

  /**
   * Calls {@code listener} with every execution and task state change in the cluster, from now
   * on, until the returned subscription is closed.
   */
  public AutoCloseable subscribe(FlowListener listener) {
    ActorRef<FlowEvent> subscriber = system.systemActorOf(Behaviors.<FlowEvent>setup(ctx -> {
      topic.tell(Topic.subscribe(ctx.getSelf()));
      return Behaviors.receiveMessage(e -> {
        listener.onEvent(e);
        return Behaviors.same();
      });
    }), "drover-flow-subscriber-" + java.util.UUID.randomUUID(), Props.empty());
    return () -> system.classicSystem().stop(
        org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(subscriber));
  }

  /** Releases the engine's workers; the actor system itself is the caller's to stop. */
  @Override
  public void close() {
    system.classicSystem().stop(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(ends));
    node.close();
  }
}
