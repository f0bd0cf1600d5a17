package dev.drover.node;

import dev.drover.node.process.ProcessLedger;
import dev.drover.observe.RunEvents;
import dev.drover.observe.Transition;
import dev.drover.observe.TransitionLog;
import dev.drover.serialization.CborSerializable;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.cluster.typed.SelfUp;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Keeps a pool of one kind of worker at its criteria and leases its workers to clients.
 *
 * <p>States ({@link SupervisorState}, with its transition table): {@code Starting} (until this
 * node is Up in its cluster), {@code PoolStarting} (fewer than {@code min} workers ready),
 * {@code PoolReady}, and {@code ErrPool} (a slot exceeded its restart limit; requests are refused
 * with the cause until {@link ResetPool}). PoolStarting and PoolReady are one behaviour,
 * {@link #pooling}: both lease, grow and repair. Beside the state, the {@code WorkersAvailable}
 * flag ({@link Availability}) is on while a worker is idle. Each worker lives in a
 * {@link WorkerSlot} child under a restart-with-backoff strategy; the slots' states, the waiting
 * requests and the leases are kept in a {@link Pool}, which decides and this actor carries out.
 *
 * <p>Leasing: a {@link RequestWorker} reserves an idle worker (the worker confirms or refuses,
 * and then another is tried) and answers with the worker's reference and a lease id; from then
 * on the client talks to the worker directly. With no idle worker the request waits, the pool
 * grows up to {@code max}, and after its timeout the request is refused with the pool's numbers.
 */
public final class Supervisor {

  /** The messages a supervisor accepts. */
  public sealed interface Command extends CborSerializable
      permits Attach, RequestWorker, GetStatus, ResetPool, ReservationConfirmed,
          ReservationRefused, WorkerStateChanged, SlotLaunched, SlotReady, SlotFailed,
          SlotRecycling, NodeUp, RequestExpired, PoolTick, IdleLongEnough {}

  /** From a client: may I use you? Answered with {@link Attached}. */
  public record Attach(String clientId, ActorRef<Attached> replyTo) implements Command {}

  /** The answer to {@link Attach}. */
  public record Attached(String kind, ActorRef<Command> supervisor) implements CborSerializable {}

  /**
   * From a client: lease me a worker.
   *
   * @param clientId the requesting client, for the per-client lease cap
   * @param requestId echoed in the reply
   * @param holder where the leased worker sends its events; the worker watches it
   * @param timeout how long to wait for an idle worker; null for {@code request-timeout}
   * @param replyTo gets a {@link LeaseGranted} or a {@link LeaseRefused}
   */
  public record RequestWorker(
      String clientId, String requestId, ActorRef<WorkEvent> holder, Duration timeout,
      ActorRef<LeaseReply> replyTo) implements Command {}

  /** The answer to {@link RequestWorker}. */
  public sealed interface LeaseReply extends CborSerializable {
    String requestId();
  }

  /** A worker is reserved for the client; talk to {@code worker} under {@code leaseId}. */
  public record LeaseGranted(
      String requestId, String leaseId, String kind, int slot, long pid,
      ActorRef<Worker.Command> worker) implements LeaseReply {}

  /** No worker was leased, for {@code reason}. */
  public record LeaseRefused(String requestId, String reason) implements LeaseReply {}

  /** Asks for the pool's {@link PoolStatus}. */
  public record GetStatus(ActorRef<PoolStatus> replyTo) implements Command {}

  /** Leaves ErrPool: the failed slots start again with fresh restart counts. */
  public record ResetPool(String reason) implements Command {}

  /** From a worker: it holds itself for {@code leaseId}. */
  public record ReservationConfirmed(int slotId, String leaseId) implements Command {}

  /** From a worker: it will not take {@code leaseId}. */
  public record ReservationRefused(int slotId, String leaseId, String reason)
      implements Command {}

  /**
   * From a worker: it moved, once or more ({@code transitions}, oldest first: a worker in its
   * own JVM reports the moves of work under one lease together, see
   * {@link Worker#REPORT_WITHIN}); each says from where to where and why.
   */
  public record WorkerStateChanged(
      int slotId, String incarnation, List<Transition<WorkerState>> transitions)
      implements Command {
    public WorkerStateChanged {
      transitions = List.copyOf(transitions);
    }
  }

  /** From a slot: a worker process was started. */
  public record SlotLaunched(int slotId, String incarnation, long pid) implements Command {}

  /** From a slot: its worker registered and is idle. */
  public record SlotReady(
      int slotId, String incarnation, ActorRef<Worker.Command> worker, long pid, String address)
      implements Command {}

  /** From a slot: it failed and will be restarted (or give up). */
  public record SlotFailed(int slotId, String incarnation, String cause) implements Command {}

  /** From a slot: its worker's JVM is being replaced by policy. */
  public record SlotRecycling(int slotId, String incarnation, String reason, boolean workTimedOut)
      implements Command {}

  record NodeUp() implements Command {}

  record RequestExpired(String requestId) implements Command {}

  record PoolTick() implements Command {}

  /** Private: slot {@code slotId} stayed idle since {@code idleSeq} for retire-idle-after. */
  record IdleLongEnough(int slotId, long idleSeq) implements Command {}

  /** The actor name a supervisor of {@code kind} has, so clients find it by address. */
  public static String actorName(String kind) {
    return "drover-supervisor-" + kind;
  }

  /** A supervisor forking its workers with {@code launcher}. */
  public static Behavior<Command> create(PoolSettings settings, WorkerLauncher launcher) {
    return Behaviors.setup(ctx -> {
      sweepOrphans(settings, ctx.getLog());
      return Behaviors.withTimers(timers ->
          new Supervisor(ctx, timers, settings, launcher).starting());
    });
  }

  /**
   * Before the first worker starts: whatever the scripts of an earlier run left — its JVMs were
   * killed, or this process was — is killed and confirmed gone, so a re-run never starts beside
   * them.
   */
  private static void sweepOrphans(PoolSettings settings, org.slf4j.Logger log) {
    ProcessLedger.Outcome swept = ProcessLedger.sweepOrphans(settings.processDir(),
        ORPHAN_SWEEP);
    if (swept.records() > 0) {
      log.info("found {} process record(s) of an earlier run under {}: killed {} process(es){}",
          swept.records(), settings.processDir(), swept.killed(),
          swept.confirmed() ? "" : "; some would not die");
    }
  }

  /** How long the processes an earlier run left get to die. */
  private static final Duration ORPHAN_SWEEP = Duration.ofSeconds(10);

  private static final Duration POOL_TICK = Duration.ofSeconds(1);

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final PoolSettings settings;
  private final WorkerLauncher launcher;
  private final TransitionLog<SupervisorState> log;
  private final TransitionLog<Availability> availability;
  private final Pool pool;
  private final Map<Integer, ActorRef<WorkerSlot.Command>> slotRefs = new HashMap<>();
  private String error;

  private Supervisor(
      ActorContext<Command> context, TimerScheduler<Command> timers, PoolSettings settings,
      WorkerLauncher launcher) {
    this.context = context;
    this.timers = timers;
    this.settings = settings;
    this.launcher = launcher;
    String name = "supervisor/" + settings.kind();
    this.log = new TransitionLog<>(name, settings.transitionLogSize(),
        SupervisorState::allowed, this::publish);
    this.availability = new TransitionLog<>(name + "/WorkersAvailable",
        settings.transitionLogSize(), Availability::allowed, this::publish);
    this.pool = new Pool(settings);
  }

  private void publish(Transition<?> t) {
    context.getLog().info("{}", t);
    context.getSystem().eventStream().tell(new EventStream.Publish<>(t));
  }

  // ---- states ----

  private Behavior<Command> starting() {
    log.record(SupervisorState.STARTING,
        "supervising workers of kind '" + settings.kind() + "'");
    availability.record(Availability.NONE_IDLE, "no worker yet");
    Cluster cluster = Cluster.get(context.getSystem());
    if (cluster.selfMember().status() == MemberStatus.up()) {
      return poolStarting("node is Up in its cluster");
    }
    cluster.subscriptions().tell(Subscribe.create(
        context.messageAdapter(SelfUp.class, up -> new NodeUp()), SelfUp.class));
    if (context.getSystem().settings().config().getStringList("pekko.cluster.seed-nodes")
        .isEmpty()) {
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }
    return Behaviors.receive(Command.class)
        .onMessage(NodeUp.class, up -> poolStarting("node is Up in its cluster"))
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessage(Attach.class, this::onAttach)
        .onMessage(RequestWorker.class, r -> refuse(r, "supervisor of kind '" + settings.kind()
            + "' is still starting"))
        .build();
  }

  /** Enters PoolStarting (from Starting or a reset) and then the leasing behaviour. */
  private Behavior<Command> poolStarting(String cause) {
    log.record(SupervisorState.POOL_STARTING, cause);
    timers.startTimerWithFixedDelay(new PoolTick(), POOL_TICK);
    return settlePooling(pooling());
  }

  /**
   * PoolStarting and PoolReady: leases workers, grows, repairs and shrinks the pool. After every
   * message {@link #settlePooling} moves between the two as the number of ready workers calls
   * for.
   */
  private Behavior<Command> pooling() {
    return poolEvents(() -> settlePooling(Behaviors.same()))
        .onMessage(RequestWorker.class, r -> {
          onRequest(r);
          return settlePooling(Behaviors.same());
        })
        .onMessage(ResetPool.class, r -> Behaviors.same())
        .onSignal(ChildFailed.class, this::onSlotGaveUp)
        .onSignal(Terminated.class, t -> {
          removeSlot(t.getRef(), "stopped");
          return settlePooling(Behaviors.same());
        })
        .build();
  }

  /**
   * A slot exceeded its restart limit: requests are refused with the cause until a reset, and
   * the pool neither grows nor is repaired.
   */
  private Behavior<Command> errPool(String cause) {
    error = cause;
    log.record(SupervisorState.ERR_POOL, cause);
    context.getLog().error("pool of kind '{}' failed: {}", settings.kind(), cause);
    refuseWaiting();
    return poolEvents(this::settleFailed)
        .onMessage(RequestWorker.class, r -> refuse(r, "pool of kind '" + settings.kind()
            + "' failed: " + error))
        .onMessage(ResetPool.class, r -> {
          error = null;
          pool.resetRestarts();
          return poolStarting("reset: " + r.reason());
        })
        .onSignal(Terminated.class, t -> {
          // a slot that stopped or gave up: the pool has failed already
          removeSlot(t.getRef(), "stopped");
          return settleFailed();
        })
        .build();
  }

  /**
   * What the pool states share: the slots' and workers' news, status and attach queries. Each
   * piece of news goes into the pool's books; {@code settle} is then what the state does after
   * every message.
   */
  private BehaviorBuilder<Command> poolEvents(Supplier<Behavior<Command>> settle) {
    return Behaviors.receive(Command.class)
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessage(Attach.class, this::onAttach)
        .onMessage(NodeUp.class, up -> Behaviors.same())
        .onMessage(SlotLaunched.class, l -> {
          pool.launched(l.slotId(), l.incarnation(), l.pid());
          return Behaviors.same();
        })
        .onMessage(SlotReady.class, r -> {
          pool.ready(r.slotId(), r.incarnation(), r.worker(), r.pid(), Instant.now());
          return settle.get();
        })
        .onMessage(SlotFailed.class, f -> {
          onSlotFailed(f);
          return settle.get();
        })
        .onMessage(SlotRecycling.class, r -> {
          pool.recycling(r.slotId()).ifPresent(lost ->
              tellLost(lost, "worker recycled: " + r.reason(), r.workTimedOut()));
          return settle.get();
        })
        .onMessage(WorkerStateChanged.class, c -> {
          c.transitions().forEach(t -> pool.workerMoved(c.slotId(), c.incarnation(), t));
          return settle.get();
        })
        .onMessage(ReservationConfirmed.class, c -> {
          onReservationConfirmed(c);
          return settle.get();
        })
        .onMessage(ReservationRefused.class, r -> {
          pool.refused(r.slotId(), r.leaseId());
          return settle.get();
        })
        .onMessage(RequestExpired.class, e -> {
          onRequestExpired(e);
          return settle.get();
        })
        .onMessage(IdleLongEnough.class, i -> {
          pool.idleLongEnough(i.slotId(), i.idleSeq());
          return settle.get();
        })
        .onMessage(PoolTick.class, t -> settle.get());
  }

  /**
   * After each message of PoolStarting or PoolReady: serves waiting requests, resizes the pool,
   * and moves between the two as the ready workers call for; else {@code stay}.
   */
  private Behavior<Command> settlePooling(Behavior<Command> stay) {
    dispatch();
    resize();
    armIdleTimers();
    updateAvailability();
    SupervisorState next = SupervisorState.pooling(pool.ready(), settings.min());
    if (next == log.current()) {
      return stay;
    }
    log.record(next, next == SupervisorState.POOL_READY
        ? "min " + settings.min() + " workers ready"
        : "only " + pool.ready() + " of min " + settings.min() + " workers ready");
    return pooling();
  }

  /**
   * After each message of ErrPool: the books change, the pool's size does not, and a request
   * put back to wait (its reservation was refused or its worker lost) is refused.
   */
  private Behavior<Command> settleFailed() {
    refuseWaiting();
    armIdleTimers();
    updateAvailability();
    return Behaviors.same();
  }

  private void refuseWaiting() {
    for (Pool.Waiting w : pool.drainWaiting()) {
      timers.cancel(requestTimer(w.request()));
      refuse(w.request(), "pool of kind '" + settings.kind() + "' failed: " + error);
    }
  }

  /** Sends the reservations the pool pairs from waiting requests and idle workers. */
  private void dispatch() {
    for (Pool.Reservation r : pool.dispatch(() -> UUID.randomUUID().toString())) {
      r.worker().tell(new Worker.Reserve(r.leaseId(), r.request().clientId(),
          r.request().holder(), context.getSelf()));
    }
  }

  /** Each slot that became idle may be retired after {@code retire-idle-after}, on a timer. */
  private void armIdleTimers() {
    for (Pool.NewlyIdle idle : pool.takeNewlyIdle()) {
      timers.startSingleTimer("idle-" + idle.slot(),
          new IdleLongEnough(idle.slot(), idle.idleSeq()), settings.retireIdleAfter());
    }
  }

  private void updateAvailability() {
    Availability available = Availability.of(pool.idle());
    if (available != availability.current()) {
      availability.record(available, available == Availability.SOME_IDLE
          ? pool.idle() + " worker(s) idle" : "no worker idle");
    }
  }

  // ---- clients ----

  private Behavior<Command> onAttach(Attach a) {
    a.replyTo().tell(new Attached(settings.kind(), context.getSelf()));
    return Behaviors.same();
  }

  /** Queues the request, with its timer, unless the client holds its maximum of leases. */
  private void onRequest(RequestWorker r) {
    String refusal = pool.refusal(r.clientId());
    if (refusal != null) {
      refuse(r, refusal);
      return;
    }
    Duration timeout = r.timeout() == null ? settings.requestTimeout() : r.timeout();
    pool.enqueue(r, timeout);
    timers.startSingleTimer(requestTimer(r), new RequestExpired(r.requestId()), timeout);
  }

  private static String requestTimer(RequestWorker r) {
    return "request-" + r.requestId();
  }

  private Behavior<Command> refuse(RequestWorker r, String reason) {
    r.replyTo().tell(new LeaseRefused(r.requestId(), reason));
    return Behaviors.same();
  }

  private void onReservationConfirmed(ReservationConfirmed c) {
    pool.confirmed(c.slotId(), c.leaseId()).ifPresent(g -> {
      RequestWorker r = g.request();
      timers.cancel(requestTimer(r));
      r.replyTo().tell(new LeaseGranted(r.requestId(), g.leaseId(), settings.kind(),
          g.slot().id, g.slot().pid, g.slot().worker));
    });
  }

  private void onRequestExpired(RequestExpired e) {
    pool.expire(e.requestId()).ifPresent(w ->
        refuse(w.request(), "no worker of kind '" + settings.kind() + "' within "
            + seconds(w.timeout()) + ": " + pool.busy() + " of max " + settings.max() + " busy"
            + (error == null ? "" : "; pool failed: " + error)));
  }

  // ---- slots and workers ----

  private void onSlotFailed(SlotFailed f) {
    if (pool.slot(f.slotId()).isEmpty()) {
      return;
    }
    context.getSystem().eventStream().tell(new EventStream.Publish<>(
        new RunEvents.WorkerFailed(settings.kind(), f.slotId(), f.cause())));
    pool.failed(f.slotId(), f.cause()).ifPresent(lost -> tellLost(lost,
        "worker of slot " + f.slotId() + " lost: " + f.cause(), false));
  }

  private void tellLost(Pool.LostLease lost, String cause, boolean workTimedOut) {
    lost.holder().tell(new WorkEvent.WorkerLost(lost.leaseId(), cause, workTimedOut));
  }

  /**
   * A slot exceeded its restart limit: the pool fails. Matched before {@link Terminated}, which
   * {@link ChildFailed} extends.
   */
  private Behavior<Command> onSlotGaveUp(ChildFailed failed) {
    Pool.Slot slot = removeSlot(failed.getRef(), "gave up");
    if (slot == null) {
      return Behaviors.same();
    }
    return errPool("slot " + slot.id + " restarted " + slot.restarts + " times without "
        + settings.restartWindow() + " of calm (restart.max-restarts " + settings.maxRestarts()
        + "); last failure: " + slot.lastError);
  }

  /** Forgets the slot of {@code ref}, telling its lease's holder; the slot, or null if unknown. */
  private Pool.Slot removeSlot(ActorRef<?> ref, String how) {
    Integer id = slotRefs.entrySet().stream().filter(e -> e.getValue().equals(ref))
        .map(Map.Entry::getKey).findFirst().orElse(null);
    if (id == null) {
      return null;
    }
    slotRefs.remove(id);
    Pool.Slot slot = pool.slot(id).orElse(null);
    pool.removed(id).ifPresent(lost ->
        tellLost(lost, "worker of slot " + id + " " + how, false));
    return slot;
  }

  // ---- pool size ----

  /** Starts and retires the slots the pool decides on. */
  private void resize() {
    Pool.Resize resize = pool.resize();
    for (int id : resize.start()) {
      ActorRef<WorkerSlot.Command> ref = context.spawn(
          WorkerSlot.create(id, settings, launcher, context.getSelf()), "slot-" + id);
      context.watch(ref);
      slotRefs.put(id, ref);
    }
    for (int id : resize.retire()) {
      context.getLog().info("retiring idle worker of slot {} (pool above target {})",
          id, pool.target());
      timers.cancel("idle-" + id);
      ActorRef<WorkerSlot.Command> ref = slotRefs.get(id);
      if (ref != null) {
        context.stop(ref);
      }
    }
  }

  // ---- status ----

  private Behavior<Command> onGetStatus(GetStatus g) {
    g.replyTo().tell(new PoolStatus(settings.kind(), log.current(), pool.idle() > 0, error,
        settings.min(), settings.warm(), settings.max(), pool.target(), pool.idle(),
        pool.busy(), pool.waiting(), pool.workers(Instant.now()), log.entries(),
        availability.entries(), log.illegal() + availability.illegal() + pool.illegalMoves()));
    return Behaviors.same();
  }

  private static String seconds(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + "s" : String.format("%.1fs", ms / 1000.0);
  }
}
