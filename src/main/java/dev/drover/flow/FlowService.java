package dev.drover.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
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

  private FlowService(ActorSystem<?> system, ClusterSharding sharding,
      ActorRef<ExecutionDirectory.Command> directory, ActorRef<Topic.Command<FlowEvent>> topic,
      NodeActions node, Duration askTimeout) {
    this.system = system;
    this.sharding = sharding;
    this.directory = directory;
    this.topic = topic;
    this.node = node;
    this.askTimeout = askTimeout;
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
              clock), "drover-execution-directory")
              .withSettings(ClusterSingletonSettings.create(system).withRole(role)));
      EngineRuntime runtime = new EngineRuntime(new LocalActions(dispatcher), node, output,
          directory, topic, c.getDuration("passivate-after"), c.getInt("snapshot-every"), clock);
      sharding.init(Entity.of(Execution.TYPE_KEY, entity -> Execution.create(entity, runtime))
          .withRole(role));
      return new FlowService(system, sharding, directory, topic, node,
          c.getDuration("ask-timeout"));
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
   */
  public CompletionStage<ExecutionState> start(String executionId, Flow flow, JsonNode input) {
    return execution(executionId).<Execution.StartReply>ask(
        r -> new Execution.Start(flow, input, r), askTimeout)
        .thenApply(Execution.StartReply::state);
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
   */
  public CompletionStage<CompletionResult> completeTask(String executionId, String taskName,
      String token, CompletionStatus status, JsonNode output, String error) {
    return execution(executionId).ask(r -> new Execution.CompleteTask(taskName, token,
        status == CompletionStatus.SUCCESS, output, error, r), askTimeout);
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
    node.close();
  }
}
