package dev.drover.node;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.AddressFromURIString;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.JoinSeedNodes;

/**
 * The plain-Java way to use a pool of workers from host code.
 *
 * <pre>{@code
 * try (NodeClient client = NodeClient.connect(system, "square", List.of("127.0.0.1:25520"))) {
 *   WorkerLease lease = client.requestWorker().toCompletableFuture().get();
 *   JsonNode result = lease.submit(IntNode.valueOf(2), payload -> System.out.println(payload))
 *       .result().toCompletableFuture().get();
 *   lease.release();
 * }
 * }</pre>
 *
 * <p>The client attaches to the first supervisor of its list that answers and falls over to the
 * next when that one is lost. If {@code system} is not yet a member of a cluster, it joins the
 * supervisors' cluster with the given addresses as seed nodes (so the supervisors a client may
 * fall over between must be members of one cluster). Failures arrive as {@link ErrSupervisor},
 * {@link ErrWorker} and {@link WorkerLost}.
 */
public final class NodeClient implements AutoCloseable {
  private final ActorSystem<?> system;
  private final ActorRef<Client.Command> client;
  private final String id;
  private final Duration defaultRequestTimeout;
  private final Pending pending = new Pending();
  /** How long past a request's timeout the client waits for the supervisor's own refusal. */
  private static final Duration ANSWER_MARGIN = Duration.ofMillis(500);
  /** How long one status query of {@link #awaitReady} may take, and how often it is made. */
  private static final Duration READY_ASK = Duration.ofSeconds(2);
  private static final Duration READY_POLL = Duration.ofMillis(50);

  private final String kind;

  private NodeClient(ActorSystem<?> system, ActorRef<Client.Command> client, String id,
      String kind) {
    this.system = system;
    this.kind = kind;
    this.client = client;
    this.id = id;
    this.defaultRequestTimeout =
        system.settings().config().getDuration("drover.node.pool.request-timeout");
    system.getWhenTerminated().whenComplete((done, error) -> pending.close(
        new ErrSupervisor("client " + id + ": its actor system terminated")));
  }

  /**
   * A client of {@code kind} in {@code system}, trying {@code supervisorAddresses} ({@code
   * host:port} or {@code pekko://system@host:port}) in order. Settings come from {@code
   * drover.node.client}.
   */
  public static NodeClient connect(
      ActorSystem<?> system, String kind, List<String> supervisorAddresses) {
    Config c = system.settings().config();
    return connect(system, kind, supervisorAddresses,
        c.getDuration("drover.node.client.attach-timeout"));
  }

  /** As {@link #connect(ActorSystem, String, List)}, with an explicit attach timeout. */
  public static NodeClient connect(
      ActorSystem<?> system, String kind, List<String> supervisorAddresses,
      Duration attachTimeout) {
    joinIfAlone(system, supervisorAddresses);
    String id = "client-" + UUID.randomUUID().toString().substring(0, 8);
    int logSize = system.settings().config().getInt("drover.node.transition-log-size");
    ActorRef<Client.Command> ref = system.systemActorOf(
        Client.create(id, kind, supervisorAddresses, attachTimeout, logSize), id, Props.empty());
    return new NodeClient(system, ref, id, kind);
  }

  private static void joinIfAlone(ActorSystem<?> system, List<String> supervisorAddresses) {
    Cluster cluster = Cluster.get(system);
    boolean seeded = !system.settings().config().getStringList("pekko.cluster.seed-nodes")
        .isEmpty();
    if (!seeded && cluster.selfMember().status() == MemberStatus.removed()) {
      String name = system.name();
      cluster.manager().tell(new JoinSeedNodes(supervisorAddresses.stream()
          .map(a -> AddressFromURIString.parse(a.startsWith("pekko://") ? a
              : "pekko://" + name + "@" + a))
          .toList()));
    }
  }

  /** This client's id, as supervisors and workers see it. */
  public String id() {
    return id;
  }

  /** Leases a worker, waiting at most {@code drover.node.pool.request-timeout} for one. */
  public CompletionStage<WorkerLease> requestWorker() {
    return requestWorker(null);
  }

  /**
   * Leases a worker, waiting at most {@code timeout} for one to be idle. The timeout holds on
   * this side too: half a second past it the future fails with {@link ErrWorker} even when the
   * supervisor does not answer (a lease granted later goes back at once).
   */
  public CompletionStage<WorkerLease> requestWorker(Duration timeout) {
    Duration bound = timeout != null ? timeout : defaultRequestTimeout;
    CompletableFuture<Client.Lease> granted = pending.track(new CompletableFuture<>());
    client.tell(new Client.RequestWorker(timeout, granted));
    // a moment beyond the supervisor's own bound, whose refusal says more (how many are busy);
    // on the actor system's scheduler, so a simulation on manual time moves it with the rest
    try {
      system.scheduler().scheduleOnce(bound.plus(ANSWER_MARGIN), () ->
          granted.completeExceptionally(new ErrWorker("no worker of kind '" + kind
              + "' within " + bound + " (enforced by the client: no answer from the supervisor)")),
          system.executionContext());
    } catch (IllegalStateException terminated) {
      // the system is gone: its termination failed every open future of this client already
      granted.completeExceptionally(new ErrSupervisor("client " + id + ": its actor system "
          + "terminated"));
    }
    return granted.thenApply(lease -> new WorkerLease(client, lease, pending));
  }

  /** The client's state machine: its current state and transitions. */
  public CompletionStage<Client.State> state() {
    CompletableFuture<Client.State> state = pending.track(new CompletableFuture<>());
    client.tell(new Client.GetState(state));
    return state;
  }

  /**
   * Completes once the client is attached to a supervisor, or fails with {@link ErrSupervisor}
   * saying what the client last tried when {@code within} passes first.
   */
  public CompletionStage<Client.State> attached(Duration within) {
    CompletableFuture<Client.State> attached = new CompletableFuture<>();
    client.tell(new Client.WhenAttached(attached));
    return attached.orTimeout(within.toMillis(), TimeUnit.MILLISECONDS)
        .exceptionallyCompose(e -> state().thenCompose(s -> CompletableFuture.failedFuture(
            new ErrSupervisor("client not attached within " + within + ": " + s.name()
                + (s.lastError() == null ? "" : " (" + s.lastError() + ")")))));
  }

  /**
   * Completes once the client is attached and its supervisor's pool is ready (at least
   * {@code min} workers registered), or fails with {@link ErrSupervisor} saying what it last saw
   * when {@code within} passes first. A host that starts its supervisor and its clients together
   * calls it before the first request: a request made while the pool is still starting may be
   * refused.
   */
  public CompletionStage<PoolStatus> awaitReady(Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    return attached(within).thenCompose(s -> pollReady(deadline, within, null));
  }

  private CompletionStage<PoolStatus> pollReady(long deadline, Duration within, PoolStatus last) {
    Duration left = Duration.ofNanos(deadline - System.nanoTime());
    if (left.isNegative() || left.isZero()) {
      return CompletableFuture.failedFuture(new ErrSupervisor("pool of kind '" + kind
          + "' not ready within " + within + (last == null ? ": its supervisor did not answer"
              : ": " + last.state() + ", " + last.workers().size() + " workers of min "
                  + last.min())));
    }
    Duration ask = left.compareTo(READY_ASK) < 0 ? left : READY_ASK;
    return state().thenCompose(s -> s.supervisor() == null
            ? CompletableFuture.<PoolStatus>completedFuture(null)
            : poolStatus(s.supervisor(), ask))
        .handle((status, error) -> status)
        .thenCompose(status -> {
          if (status != null && status.ready()) {
            return CompletableFuture.completedFuture(status);
          }
          Executor later = CompletableFuture.delayedExecutor(
              READY_POLL.toNanos(), TimeUnit.NANOSECONDS);
          return CompletableFuture.supplyAsync(() -> null, later).thenCompose(
              x -> pollReady(deadline, within, status != null ? status : last));
        });
  }

  /** The status of the supervisor at {@code path}, found by selection as the client finds it. */
  private CompletionStage<PoolStatus> poolStatus(String path, Duration timeout) {
    return system.classicSystem().actorSelection(path).resolveOne(timeout)
        .thenCompose(ref -> AskPattern.<Supervisor.Command, PoolStatus>ask(
            org.apache.pekko.actor.typed.javadsl.Adapter.toTyped(ref), Supervisor.GetStatus::new,
            timeout, system.scheduler()));
  }

  /**
   * Stops the client; the workers it leased see it die and end their leases. Every future of
   * this client that is still open completes: requests, work and state fail with
   * {@link ErrSupervisor}, releases complete.
   */
  @Override
  public void close() {
    pending.close(new ErrSupervisor("client " + id + " is closed"));
    system.classicSystem().stop(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(client));
  }
}
