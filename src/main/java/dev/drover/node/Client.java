package dev.drover.node;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.observe.Transition;
import dev.drover.observe.TransitionLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.SelfUp;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * A client of one kind of worker: attaches to a supervisor, leases workers and talks to them
 * directly. Host code uses it through {@link NodeClient}.
 *
 * <p>States ({@link ClientState}, with its transition table): {@code Disconnected} (not Up in
 * the cluster yet, or no supervisor answered),
 * {@code ConnectingSupervisor} (trying its list of supervisor addresses in order),
 * {@code SuperReady} (attached, no lease), {@code WorkerRequested} (a request is on its way) and
 * {@code WorkerReady} (holding at least one lease); the last three are one behaviour, attached,
 * whose phase the log records. When its supervisor is lost (terminated or
 * unreachable) it tries the next address; when a worker is lost the lease's holder is told with
 * {@link WorkerLost}.
 */
public final class Client {

  /**
   * The messages a client accepts; local only, they carry the facade's futures (so no
   * serialization check: {@code serialize-messages} in tests).
   */
  public sealed interface Command extends NoSerializationVerificationNeeded
      permits RequestWorker, Submit, CancelWork, Release, GetState, WhenAttached, NodeUp, Connect,
          AttachReply, AttachTimedOut, SupervisorLost, LeaseReplied, FromWorker, NotAttachedInTime,
          MemberUnreachable, WorkerTerminated {}

  /** Lease a worker; the future completes with the grant or fails with an error. */
  public record RequestWorker(Duration timeout, CompletableFuture<Lease> result)
      implements Command {}

  /**
   * Run {@code input} on the worker of {@code leaseId}, cancelled after {@code timeout} (null:
   * the pool's {@code work-timeout}).
   */
  public record Submit(
      String leaseId, String workId, JsonNode input, Duration timeout,
      Consumer<JsonNode> onPayload, CompletableFuture<JsonNode> result) implements Command {}

  /** Cancel work {@code workId} running under {@code leaseId}. */
  public record CancelWork(String leaseId, String workId) implements Command {}

  /** End lease {@code leaseId}; the future completes when the worker confirms. */
  public record Release(String leaseId, CompletableFuture<Void> done) implements Command {}

  /** Ask for the client's state and transition log. */
  public record GetState(CompletableFuture<State> result) implements Command {}

  /** Completes {@code result} once the client is attached to a supervisor (at once if it is). */
  public record WhenAttached(CompletableFuture<State> result) implements Command {}

  /** The client's state as {@link GetState} reports it. */
  public record State(ClientState name, String supervisor, List<String> leases, String lastError,
      List<Transition<ClientState>> transitions, int illegalTransitions) {}

  /** A granted lease, as the facade receives it; {@code lost} completes if the worker dies. */
  public record Lease(String leaseId, int slot, long pid, String workerPath,
      CompletableFuture<WorkerLost> lost) {}

  record NodeUp() implements Command {}

  record Connect(String cause) implements Command {}

  record AttachReply(int index, Supervisor.Attached attached) implements Command {}

  record AttachTimedOut(int index) implements Command {}

  /** A request made before this node was Up is still waiting: it fails, saying why. */
  record NotAttachedInTime(RequestWorker request) implements Command {}

  record SupervisorLost(String cause) implements Command {}

  record LeaseReplied(Supervisor.LeaseReply reply) implements Command {}

  record FromWorker(WorkEvent event) implements Command {}

  record MemberUnreachable(String address) implements Command {}

  /**
   * A watched worker actor stopped. Keyed by the worker, not by a lease: the same worker can be
   * leased to this client again before the end of its previous lease reaches us (they come from
   * different senders), and an actor can be watched only once.
   */
  record WorkerTerminated(ActorRef<Worker.Command> worker) implements Command {}

  /** A held lease, and the node of the supervisor that granted it (its worker dies with it). */
  private static final class HeldLease {
    final Lease lease;
    final ActorRef<Worker.Command> worker;
    final String supervisorNode;
    final Map<String, WorkInFlight> work = new LinkedHashMap<>();
    final List<CompletableFuture<Void>> releases = new ArrayList<>();

    HeldLease(Lease lease, ActorRef<Worker.Command> worker, String supervisorNode) {
      this.lease = lease;
      this.worker = worker;
      this.supervisorNode = supervisorNode;
    }
  }

  private static final String ATTACH_TIMER = "attach";

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final StashBuffer<Command> stash;
  private final String clientId;
  private final String kind;
  private final List<String> supervisorPaths;
  private final Duration attachTimeout;
  private final long outputWindow;
  private final long maxInputBytes;
  private final TransitionLog<ClientState> log;
  private final ActorRef<WorkEvent> workEvents;
  private final ActorRef<Supervisor.LeaseReply> leaseReplies;
  private final Map<String, HeldLease> leases = new HashMap<>();
  /**
   * Workers this client watches: every one it was granted that is still alive. A worker stays
   * watched after its lease ends (watching and unwatching per lease cost four remote system
   * messages per lease), and is watched once however often it is leased again.
   */
  private final Set<ActorRef<Worker.Command>> watchedWorkers = new HashSet<>();
  private final Map<String, RequestWorker> requests = new HashMap<>();
  private final List<CompletableFuture<State>> attachWaiters = new ArrayList<>();
  private ActorRef<Supervisor.Command> supervisor;
  private int supervisorIndex;
  private String lastError;

  private Client(
      ActorContext<Command> context, TimerScheduler<Command> timers, StashBuffer<Command> stash,
      String clientId, String kind, List<String> supervisorAddresses, Duration attachTimeout,
      int transitionLogSize) {
    this.context = context;
    this.timers = timers;
    this.stash = stash;
    this.clientId = clientId;
    this.kind = kind;
    String system = context.getSystem().name();
    this.supervisorPaths = supervisorAddresses.stream()
        .map(a -> supervisorPath(system, a, kind)).toList();
    this.attachTimeout = attachTimeout;
    com.typesafe.config.Config config = context.getSystem().settings().config();
    this.outputWindow = config.getBytes("drover.node.client.output-window");
    this.maxInputBytes = config.getBytes("drover.node.client.max-input-size");
    this.log = new TransitionLog<>("client/" + clientId, transitionLogSize,
        ClientState::allowed, t -> context.getSystem().eventStream().tell(
            new EventStream.Publish<>(t)));
    this.workEvents = context.messageAdapter(WorkEvent.class, FromWorker::new);
    this.leaseReplies = context.messageAdapter(Supervisor.LeaseReply.class, LeaseReplied::new);
  }

  /**
   * The actor path of the supervisor of {@code kind} at {@code address}, which is
   * {@code host:port} or a full {@code pekko://system@host:port} address.
   */
  public static String supervisorPath(String system, String address, String kind) {
    String base = address.startsWith("pekko://") ? address : "pekko://" + system + "@" + address;
    return base + "/user/" + Supervisor.actorName(kind);
  }

  /**
   * A client of {@code kind} that attaches to the first of {@code supervisorAddresses} that
   * answers within {@code attachTimeout}.
   */
  public static Behavior<Command> create(
      String clientId, String kind, List<String> supervisorAddresses, Duration attachTimeout,
      int transitionLogSize) {
    if (supervisorAddresses.isEmpty()) {
      throw new IllegalArgumentException("a client needs at least one supervisor address");
    }
    return Behaviors.withStash(1000, stash -> Behaviors.setup(ctx -> Behaviors.withTimers(t ->
        new Client(ctx, t, stash, clientId, kind, supervisorAddresses, attachTimeout,
            transitionLogSize).start())));
  }

  private Behavior<Command> start() {
    Cluster cluster = Cluster.get(context.getSystem());
    cluster.subscriptions().tell(Subscribe.create(
        context.messageAdapter(ClusterEvent.UnreachableMember.class,
            u -> new MemberUnreachable(u.member().address().toString())),
        ClusterEvent.UnreachableMember.class));
    if (cluster.selfMember().status() == MemberStatus.up()) {
      return connecting(0, 0, "node is Up in its cluster");
    }
    cluster.subscriptions().tell(Subscribe.create(
        context.messageAdapter(SelfUp.class, up -> new NodeUp()), SelfUp.class));
    return disconnected("waiting to join the cluster");
  }

  // ---- states ----

  private Behavior<Command> disconnected(String cause) {
    log.record(ClientState.DISCONNECTED, cause);
    return heldLeases(Behaviors.receive(Command.class))
        .onMessage(NodeUp.class, up -> connecting(0, 0, "node is Up in its cluster"))
        .onMessage(Connect.class, c -> connecting(0, 0, c.cause()))
        .onMessage(GetState.class, this::onGetState)
        .onMessage(WhenAttached.class, this::onWhenAttached)
        .onMessage(RequestWorker.class, r -> {
          if (lastError != null) {
            r.result().completeExceptionally(new ErrSupervisor(lastError));
            return Behaviors.same();
          }
          // a node that cannot join (no seed answers, or the seeds hold other cluster keys)
          // would keep the request forever
          timers.startSingleTimer(new NotAttachedInTime(r), attachTimeout.plus(
              r.timeout() != null ? r.timeout() : attachTimeout));
          return stashOrFail(r);
        })
        .onMessage(NotAttachedInTime.class, n -> {
          n.request().result().completeExceptionally(new ErrSupervisor("not attached to a "
              + "supervisor of kind '" + kind + "': " + cause + " (this node is "
              + Cluster.get(context.getSystem()).selfMember().status() + "; do its seeds run, "
              + "and hold the same cluster keys?)"));
          return Behaviors.same();
        })
        .onMessage(MemberUnreachable.class, m -> {
          loseLeasesAt(m.address());
          return Behaviors.same();
        })
        .onMessage(AttachReply.class, a -> Behaviors.same())
        .onMessage(AttachTimedOut.class, a -> Behaviors.same())
        .onAnyMessage(this::stashOrFail)
        .onSignal(PostStop.class, this::onStopped)
        .build();
  }

  /** Trying address {@code index}; {@code tried} addresses have not answered this round. */
  private Behavior<Command> connecting(int index, int tried, String cause) {
    log.record(ClientState.CONNECTING_SUPERVISOR, cause + "; trying " + supervisorPaths.get(index));
    // by selection, not by a resolved reference: resolving caches the reference per path, and
    // a supervisor stopped and started again in this actor system would never be found again
    context.getSystem().classicSystem().actorSelection(supervisorPaths.get(index)).tell(
        new Supervisor.Attach(clientId,
            context.messageAdapter(Supervisor.Attached.class, a -> new AttachReply(index, a))),
        org.apache.pekko.actor.ActorRef.noSender());
    timers.startSingleTimer(ATTACH_TIMER, new AttachTimedOut(index), attachTimeout);
    return heldLeases(Behaviors.receive(Command.class))
        .onMessage(AttachReply.class, a -> {
          if (a.index() != index) {
            return Behaviors.same();
          }
          timers.cancel(ATTACH_TIMER);
          supervisor = a.attached().supervisor();
          supervisorIndex = index;
          lastError = null;
          context.watchWith(supervisor, new SupervisorLost("supervisor terminated"));
          return stash.unstashAll(attachedTo("attached to " + supervisor.path()));
        })
        .onMessage(AttachTimedOut.class, t -> {
          if (t.index() != index) {
            return Behaviors.same();
          }
          int nextTried = tried + 1;
          if (nextTried >= supervisorPaths.size()) {
            lastError = "no supervisor of kind '" + kind + "' answered within " + attachTimeout
                + " at " + supervisorPaths;
            failStashed(lastError);
            timers.startSingleTimer(new Connect("retrying after: " + lastError), attachTimeout);
            return disconnected(lastError);
          }
          return connecting((index + 1) % supervisorPaths.size(), nextTried,
              supervisorPaths.get(index) + " did not answer within " + attachTimeout);
        })
        .onMessage(GetState.class, this::onGetState)
        .onMessage(WhenAttached.class, this::onWhenAttached)
        .onMessage(NodeUp.class, up -> Behaviors.same())
        .onMessage(Connect.class, c -> Behaviors.same())
        .onMessage(NotAttachedInTime.class, n -> Behaviors.same())
        .onMessage(MemberUnreachable.class, m -> {
          // a lease granted by the supervisor lost before still fails, however this attempt goes
          loseLeasesAt(m.address());
          return Behaviors.same();
        })
        .onMessage(SupervisorLost.class, l -> Behaviors.same())
        .onAnyMessage(this::stashOrFail)
        .onSignal(PostStop.class, this::onStopped)
        .build();
  }

  /**
   * SuperReady, WorkerRequested and WorkerReady: one behaviour, {@link #attached()}; the log
   * records which phase the client's requests and leases put it in. Entering it from
   * connecting completes whoever waits for the client to attach.
   */
  private Behavior<Command> attachedTo(String cause) {
    log.record(ClientState.attached(requests.size(), leases.size()), cause);
    State state = state();
    attachWaiters.forEach(f -> f.complete(state));
    attachWaiters.clear();
    return attached().build();
  }

  /** Records the attached phase the client's requests and leases call for, when it changed. */
  private Behavior<Command> settle(String cause) {
    if (supervisor == null) {
      // not attached: the attached phases are for after the attach
      return Behaviors.same();
    }
    ClientState phase = ClientState.attached(requests.size(), leases.size());
    if (phase != log.current()) {
      log.record(phase, cause);
    }
    return Behaviors.same();
  }

  /** The attached behaviour: requests, work, the worker's events and losses. */
  private BehaviorBuilder<Command> attached() {
    return Behaviors.receive(Command.class)
        .onMessage(RequestWorker.class, r -> {
          String requestId = UUID.randomUUID().toString();
          requests.put(requestId, r);
          supervisor.tell(new Supervisor.RequestWorker(
              clientId, requestId, workEvents, r.timeout(), leaseReplies));
          return settle("requested a worker of kind '" + kind + "'");
        })
        .onMessage(LeaseReplied.class, this::onLeaseReply)
        .onMessage(Submit.class, this::onSubmit)
        .onMessage(CancelWork.class, this::onCancelWork)
        .onMessage(Release.class, this::onRelease)
        .onMessage(FromWorker.class, w -> onWorkEvent(w.event()))
        .onMessage(WorkerTerminated.class, this::onWorkerTerminated)
        .onMessage(MemberUnreachable.class, this::onUnreachable)
        .onMessage(SupervisorLost.class, l -> onSupervisorLost(l.cause()))
        .onMessage(GetState.class, this::onGetState)
        .onMessage(WhenAttached.class, this::onWhenAttached)
        .onMessage(NodeUp.class, up -> Behaviors.same())
        .onMessage(Connect.class, c -> Behaviors.same())
        .onMessage(AttachReply.class, a -> Behaviors.same())
        .onMessage(AttachTimedOut.class, a -> Behaviors.same())
        .onMessage(NotAttachedInTime.class, n -> Behaviors.same())
        .onSignal(PostStop.class, this::onStopped);
  }

  /**
   * What a client that is not attached (disconnected, or trying its supervisors) still does
   * for the leases it holds: it talks to their workers directly, and hears of their work and
   * their deaths. Stashed instead, these would be dropped when no supervisor answers — a dead
   * worker's lease then held for ever, and work sent to it never ending.
   */
  private BehaviorBuilder<Command> heldLeases(BehaviorBuilder<Command> builder) {
    return builder
        .onMessage(LeaseReplied.class, this::onLeaseReply)
        .onMessage(Submit.class, this::onSubmit)
        .onMessage(CancelWork.class, this::onCancelWork)
        .onMessage(Release.class, this::onRelease)
        .onMessage(FromWorker.class, w -> onWorkEvent(w.event()))
        .onMessage(WorkerTerminated.class, this::onWorkerTerminated);
  }

  private Behavior<Command> onCancelWork(CancelWork c) {
    HeldLease held = leases.get(c.leaseId());
    if (held != null) {
      held.worker.tell(new Worker.Cancel(c.leaseId(), c.workId(), workEvents));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onRelease(Release r) {
    HeldLease held = leases.get(r.leaseId());
    if (held == null) {
      r.done().complete(null);
      return Behaviors.same();
    }
    held.releases.add(r.done());
    held.worker.tell(new Worker.Release(r.leaseId(), workEvents));
    return Behaviors.same();
  }

  /**
   * The client stopped (closed, or its actor system terminates): every future it still holds
   * fails, so no caller waits for an answer that cannot come.
   */
  private Behavior<Command> onStopped(PostStop stop) {
    ErrSupervisor closed = new ErrSupervisor("client " + clientId + " is closed");
    requests.values().forEach(r -> r.result().completeExceptionally(closed));
    requests.clear();
    for (HeldLease held : leases.values()) {
      held.work.values().forEach(w -> w.submit.result().completeExceptionally(closed));
      held.releases.forEach(f -> f.complete(null));
    }
    leases.clear();
    attachWaiters.forEach(f -> f.completeExceptionally(closed));
    attachWaiters.clear();
    failStashed("client " + clientId + " is closed");
    return Behaviors.same();
  }

  // ---- handlers ----

  private Behavior<Command> onLeaseReply(LeaseReplied replied) {
    Supervisor.LeaseReply reply = replied.reply();
    RequestWorker request = requests.remove(reply.requestId());
    if (reply instanceof Supervisor.LeaseGranted g) {
      Lease lease = new Lease(g.leaseId(), g.slot(), g.pid(), g.worker().path().toString(),
          new CompletableFuture<>());
      if (request == null || supervisor == null || !request.result().complete(lease)) {
        // nobody waits for it any more: give it back at once
        g.worker().tell(new Worker.Release(g.leaseId(), workEvents));
        return settle("returned an unwanted lease");
      }
      if (watchedWorkers.add(g.worker())) {
        context.watchWith(g.worker(), new WorkerTerminated(g.worker()));
      }
      leases.put(g.leaseId(),
          new HeldLease(lease, g.worker(), supervisor.path().address().toString()));
      return settle("leased worker of slot " + g.slot() + " (pid " + g.pid() + ")");
    }
    Supervisor.LeaseRefused refused = (Supervisor.LeaseRefused) reply;
    if (request != null) {
      request.result().completeExceptionally(new ErrWorker(refused.reason()));
    }
    return settle("request refused: " + refused.reason());
  }

  private Behavior<Command> onSubmit(Submit s) {
    HeldLease held = leases.get(s.leaseId());
    if (held == null) {
      s.result().completeExceptionally(new ErrWorker("lease " + s.leaseId()
          + " is not held by this client (released, expired or lost)"));
      return Behaviors.same();
    }
    byte[] encoded;
    try {
      encoded = Frames.encode(s.input());
    } catch (RuntimeException e) {
      s.result().completeExceptionally(new ErrWorker("input cannot be sent: " + e.getMessage()));
      return Behaviors.same();
    }
    if (encoded.length > maxInputBytes) {
      s.result().completeExceptionally(new ErrWorker("input of " + encoded.length
          + " bytes exceeds drover.node.client.max-input-size (" + maxInputBytes + " bytes)"));
      return Behaviors.same();
    }
    held.work.put(s.workId(), new WorkInFlight(s));
    if (encoded.length <= Frames.FRAME_SIZE) {
      held.worker.tell(new Worker.Submit(s.leaseId(), s.workId(), s.input(), 0, s.timeout(),
          outputWindow, workEvents));
      return Behaviors.same();
    }
    java.util.List<byte[]> frames = Frames.cut(encoded);
    for (int i = 0; i < frames.size(); i++) {
      held.worker.tell(new Worker.SubmitPart(s.leaseId(), s.workId(), i, frames.get(i),
          workEvents));
    }
    held.worker.tell(new Worker.Submit(s.leaseId(), s.workId(), null, frames.size(), s.timeout(),
        outputWindow, workEvents));
    return Behaviors.same();
  }

  private Behavior<Command> onWorkEvent(WorkEvent event) {
    HeldLease held = leases.get(event.leaseId());
    if (held == null) {
      return Behaviors.same();
    }
    if (event instanceof WorkEvent.Output o) {
      WorkInFlight w = held.work.get(o.workId());
      if (w == null) {
        return Behaviors.same();
      }
      String problem = w.accept(o);
      if (problem != null) {
        held.work.remove(o.workId());
        w.submit.result().completeExceptionally(new ErrWorker(problem));
        held.worker.tell(new Worker.Cancel(o.leaseId(), o.workId(), workEvents));
        context.getLog().warn("work {} failed: {}", o.workId(), problem);
      } else if (w.toAcknowledge(outputWindow)) {
        held.worker.tell(new Worker.OutputAck(o.leaseId(), o.workId(), w.received));
      }
    } else if (event instanceof WorkEvent.WorkSucceeded ok) {
      WorkInFlight w = held.work.remove(ok.workId());
      if (w != null) {
        w.succeeded(ok);
      }
    } else if (event instanceof WorkEvent.WorkFailed f) {
      WorkInFlight w = held.work.remove(f.workId());
      if (w != null) {
        w.submit.result().completeExceptionally(f.failure() == WorkEvent.Failure.TIMED_OUT
            ? new ErrWorkTimeout(f.error()) : new ErrWorker(f.error()));
      }
    } else if (event instanceof WorkEvent.WorkRefused r) {
      WorkInFlight w = r.workId() == null ? null : held.work.remove(r.workId());
      if (w != null) {
        w.submit.result().completeExceptionally(
            new ErrWorker("worker refused work: " + r.reason() + ": " + r.message()));
      }
    } else if (event instanceof WorkEvent.LeaseEnded e) {
      leases.remove(e.leaseId());
      failWork(held, new ErrWorker("lease " + e.leaseId() + " ended: " + e.reason()));
      held.releases.forEach(f -> f.complete(null));
      return settle("lease " + e.leaseId() + " ended: " + e.reason());
    } else if (event instanceof WorkEvent.WorkerLost l) {
      return loseWorker(l.leaseId(), l.cause(), l.workTimedOut());
    }
    return Behaviors.same();
  }

  private Behavior<Command> loseWorker(String leaseId, String cause, boolean workTimedOut) {
    if (!lose(leaseId, cause, false, workTimedOut)) {
      return Behaviors.same();
    }
    return settle("WorkerLost: " + cause);
  }

  /**
   * Ends lease {@code leaseId} as lost: its running work fails ({@link ErrSupervisor} when its
   * supervisor is what was lost, else {@link WorkerLost}), {@code lost()} completes.
   *
   * @return false when no such lease is held
   */
  private boolean lose(String leaseId, String cause, boolean supervisorLost) {
    return lose(leaseId, cause, supervisorLost, false);
  }

  private boolean lose(
      String leaseId, String cause, boolean supervisorLost, boolean workTimedOut) {
    HeldLease held = leases.remove(leaseId);
    if (held == null) {
      return false;
    }
    WorkerLost lost = new WorkerLost(leaseId, cause);
    failWork(held, supervisorLost ? new ErrSupervisor("lease " + leaseId + " lost: " + cause)
        : workTimedOut ? new ErrWorkTimeout(lost.getMessage()) : lost);
    held.releases.forEach(f -> f.complete(null));
    held.lease.lost().complete(lost);
    context.getLog().warn("{}", lost.getMessage());
    return true;
  }

  /**
   * Fails every lease whose worker or granting supervisor is on the unreachable node
   * {@code address}: within the failure detector's time, without waiting for the node to be
   * downed. A worker that was only paused is told the lease is over, should it hear it.
   */
  private void loseLeasesAt(String address) {
    for (HeldLease held : List.copyOf(leases.values())) {
      boolean workerNode = held.worker.path().address().toString().equals(address);
      boolean supervisorNode = held.supervisorNode.equals(address);
      if (workerNode || supervisorNode) {
        String cause = workerNode
            ? "worker's node " + address + " is unreachable"
            : "the node of its supervisor, " + address + ", is unreachable";
        if (lose(held.lease.leaseId(), cause, !workerNode)) {
          held.worker.tell(new Worker.Release(held.lease.leaseId(), workEvents));
        }
      }
    }
  }

  private Behavior<Command> onWorkerTerminated(WorkerTerminated t) {
    watchedWorkers.remove(t.worker());
    for (HeldLease held : List.copyOf(leases.values())) {
      if (held.worker.equals(t.worker())) {
        loseWorker(held.lease.leaseId(), "worker actor terminated", false);
      }
    }
    return settle("worker actor terminated");
  }

  private Behavior<Command> onUnreachable(MemberUnreachable m) {
    loseLeasesAt(m.address());
    if (supervisor != null && supervisor.path().address().toString().equals(m.address())) {
      return onSupervisorLost("supervisor's node " + m.address() + " is unreachable");
    }
    return settle("node " + m.address() + " unreachable");
  }

  private Behavior<Command> onSupervisorLost(String cause) {
    context.unwatch(supervisor);
    supervisor = null;
    lastError = "supervisor lost: " + cause;
    for (RequestWorker r : requests.values()) {
      r.result().completeExceptionally(new ErrSupervisor(lastError));
    }
    requests.clear();
    return connecting((supervisorIndex + 1) % supervisorPaths.size(), 0, lastError);
  }

  private Behavior<Command> onGetState(GetState g) {
    g.result().complete(state());
    return Behaviors.same();
  }

  private Behavior<Command> onWhenAttached(WhenAttached w) {
    if (supervisor != null) {
      w.result().complete(state());
    } else {
      attachWaiters.removeIf(CompletableFuture::isDone);
      attachWaiters.add(w.result());
    }
    return Behaviors.same();
  }

  private State state() {
    return new State(log.current(), supervisor == null ? null : supervisor.path().toString(),
        List.copyOf(leases.keySet()), lastError, log.entries(), log.illegal());
  }

  private Behavior<Command> stashOrFail(Command c) {
    if (stash.isFull()) {
      ErrSupervisor full = new ErrSupervisor("too many requests while connecting");
      if (c instanceof RequestWorker r) {
        r.result().completeExceptionally(full);
      } else if (c instanceof Submit s) {
        s.result().completeExceptionally(full);
      } else if (c instanceof Release r) {
        r.done().complete(null);
      }
      return Behaviors.same();
    }
    stash.stash(c);
    return Behaviors.same();
  }

  private void failStashed(String reason) {
    stash.forEach(c -> {
      if (c instanceof RequestWorker r) {
        r.result().completeExceptionally(new ErrSupervisor(reason));
      } else if (c instanceof Submit s) {
        s.result().completeExceptionally(new ErrSupervisor(reason));
      } else if (c instanceof Release r) {
        r.done().complete(null);
      }
    });
    stash.clear();
  }

  private static void failWork(HeldLease held, RuntimeException error) {
    held.work.values().forEach(w -> w.submit.result().completeExceptionally(error));
    held.work.clear();
  }
}
