package dev.drover.node;

import dev.drover.node.process.ProcessLedger;
import dev.drover.observe.RunEvents;
import dev.drover.observe.Transition;
import dev.drover.observe.TransitionLog;
import dev.drover.serialization.CborSerializable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
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
 * <p>States: {@code Starting} (until this node is Up in its cluster), {@code PoolStarting} (fewer
 * than {@code min} workers ready), {@code PoolReady}, and {@code ErrPool} (a slot exceeded its
 * restart limit; requests are refused with the cause until {@link ResetPool}). Beside the state,
 * the {@code WorkersAvailable} flag is on while a worker is idle. Each worker lives in a
 * {@link WorkerSlot} child under a restart-with-backoff strategy.
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
          SlotRecycling, NodeUp, RequestExpired, PoolTick {}

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

  /** From a worker: it moved; {@code transition} says from where to where and why. */
  public record WorkerStateChanged(int slotId, String incarnation, Transition transition)
      implements Command {}

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

  private enum SlotState { LAUNCHING, IDLE, RESERVING, RESERVED, BUSY, STOPPING, FAILED }

  /** The supervisor's view of one slot; mutable, owned by the actor. */
  private static final class Slot {
    final int id;
    final ActorRef<WorkerSlot.Command> ref;
    String incarnation;
    SlotState state = SlotState.LAUNCHING;
    ActorRef<Worker.Command> worker;
    long pid;
    String leaseId;
    String clientId;
    ActorRef<WorkEvent> holder;
    int restarts;
    String lastError;
    Instant readyAt;
    Instant idleSince;
    final Deque<Transition> transitions = new ArrayDeque<>();

    Slot(int id, ActorRef<WorkerSlot.Command> ref) {
      this.id = id;
      this.ref = ref;
    }

    boolean leased() {
      return state == SlotState.RESERVING || state == SlotState.RESERVED
          || state == SlotState.BUSY;
    }
  }

  private record Waiting(RequestWorker request, Instant since, Duration timeout) {}

  private static final Duration POOL_TICK = Duration.ofSeconds(1);

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final PoolSettings settings;
  private final WorkerLauncher launcher;
  private final TransitionLog log;
  private final TransitionLog availability;
  private final Map<Integer, Slot> slots = new TreeMap<>();
  private final Deque<Waiting> waiting = new ArrayDeque<>();
  /** Reservations sent to a worker and not yet answered, by lease id. */
  private final Map<String, Waiting> reserving = new HashMap<>();
  private final Map<String, Integer> leasesByClient = new HashMap<>();
  private String error;

  private Supervisor(
      ActorContext<Command> context, TimerScheduler<Command> timers, PoolSettings settings,
      WorkerLauncher launcher) {
    this.context = context;
    this.timers = timers;
    this.settings = settings;
    this.launcher = launcher;
    String name = "supervisor/" + settings.kind();
    this.log = new TransitionLog(name, settings.transitionLogSize(), this::publish);
    this.availability = new TransitionLog(name + "/WorkersAvailable",
        settings.transitionLogSize(), this::publish);
  }

  private void publish(Transition t) {
    context.getLog().info("{}", t);
    context.getSystem().eventStream().tell(new EventStream.Publish<>(t));
  }

  // ---- states ----

  private Behavior<Command> starting() {
    log.record("Starting", "supervising workers of kind '" + settings.kind() + "'");
    availability.record("false", "no worker yet");
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

  private Behavior<Command> poolStarting(String cause) {
    log.record("PoolStarting", cause);
    timers.startTimerWithFixedDelay(new PoolTick(), POOL_TICK);
    resize();
    if (readyCount() >= settings.min()) {
      return poolReady("min " + settings.min() + " workers ready");
    }
    return pool()
        .onMessage(RequestWorker.class, this::onRequest)
        .onMessage(ResetPool.class, r -> Behaviors.same())
        .build();
  }

  private Behavior<Command> poolReady(String cause) {
    log.record("PoolReady", cause);
    return pool()
        .onMessage(RequestWorker.class, this::onRequest)
        .onMessage(ResetPool.class, r -> Behaviors.same())
        .build();
  }

  private Behavior<Command> errPool(String cause) {
    error = cause;
    log.record("ErrPool", cause);
    context.getLog().error("pool of kind '{}' failed: {}", settings.kind(), cause);
    failWaiting("pool of kind '" + settings.kind() + "' failed: " + cause);
    return pool()
        .onMessage(RequestWorker.class, r -> refuse(r, "pool of kind '" + settings.kind()
            + "' failed: " + error))
        .onMessage(ResetPool.class, r -> {
          error = null;
          slots.values().forEach(s -> s.restarts = 0);
          return poolStarting("reset: " + r.reason());
        })
        .build();
  }

  /** The handlers all pool states share; each event ends in {@link #next}. */
  private BehaviorBuilder<Command> pool() {
    return Behaviors.receive(Command.class)
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessage(Attach.class, this::onAttach)
        .onMessage(NodeUp.class, up -> Behaviors.same())
        .onMessage(SlotLaunched.class, this::onSlotLaunched)
        .onMessage(SlotReady.class, this::onSlotReady)
        .onMessage(SlotFailed.class, this::onSlotFailed)
        .onMessage(SlotRecycling.class, this::onSlotRecycling)
        .onMessage(WorkerStateChanged.class, this::onWorkerStateChanged)
        .onMessage(ReservationConfirmed.class, this::onReservationConfirmed)
        .onMessage(ReservationRefused.class, this::onReservationRefused)
        .onMessage(RequestExpired.class, this::onRequestExpired)
        .onMessage(PoolTick.class, t -> next())
        .onSignal(ChildFailed.class, this::onSlotGaveUp)
        .onSignal(Terminated.class, this::onSlotStopped);
  }

  /** Serves waiting requests, resizes the pool, then moves to the state the numbers call for. */
  private Behavior<Command> next() {
    dispatchWaiting();
    resize();
    updateAvailability();
    String state = log.current();
    if (state.equals("ErrPool")) {
      return Behaviors.same();
    }
    int ready = readyCount();
    if (state.equals("PoolStarting") && ready >= settings.min()) {
      return poolReady("min " + settings.min() + " workers ready");
    }
    if (state.equals("PoolReady") && ready < settings.min()) {
      return poolStarting("only " + ready + " of min " + settings.min() + " workers ready");
    }
    return Behaviors.same();
  }

  // ---- clients ----

  private Behavior<Command> onAttach(Attach a) {
    a.replyTo().tell(new Attached(settings.kind(), context.getSelf()));
    return Behaviors.same();
  }

  private Behavior<Command> onRequest(RequestWorker r) {
    int held = leasesByClient.getOrDefault(r.clientId(), 0);
    if (settings.maxLeasesPerClient() > 0 && held >= settings.maxLeasesPerClient()) {
      return refuse(r, "client " + r.clientId() + " already holds " + held
          + " leases of kind '" + settings.kind() + "' (max-leases-per-client "
          + settings.maxLeasesPerClient() + ")");
    }
    Duration timeout = r.timeout() == null ? settings.requestTimeout() : r.timeout();
    waiting.addLast(new Waiting(r, Instant.now(), timeout));
    timers.startSingleTimer("request-" + r.requestId(), new RequestExpired(r.requestId()),
        timeout);
    return next();
  }

  private Behavior<Command> refuse(RequestWorker r, String reason) {
    r.replyTo().tell(new LeaseRefused(r.requestId(), reason));
    return Behaviors.same();
  }

  private void dispatchWaiting() {
    while (!waiting.isEmpty()) {
      Slot idle = slots.values().stream()
          .filter(s -> s.state == SlotState.IDLE)
          .findFirst().orElse(null);
      if (idle == null) {
        return;
      }
      Waiting w = waiting.removeFirst();
      RequestWorker r = w.request();
      String leaseId = UUID.randomUUID().toString();
      idle.state = SlotState.RESERVING;
      idle.leaseId = leaseId;
      idle.clientId = r.clientId();
      idle.holder = r.holder();
      reserving.put(leaseId, w);
      idle.worker.tell(new Worker.Reserve(leaseId, r.clientId(), r.holder(), context.getSelf()));
    }
  }

  private Behavior<Command> onReservationConfirmed(ReservationConfirmed c) {
    Waiting w = reserving.remove(c.leaseId());
    Slot slot = slots.get(c.slotId());
    if (w == null || slot == null) {
      return Behaviors.same();
    }
    RequestWorker r = w.request();
    timers.cancel("request-" + r.requestId());
    if (slot.state == SlotState.RESERVING) {
      slot.state = SlotState.RESERVED;
    }
    leasesByClient.merge(r.clientId(), 1, Integer::sum);
    r.replyTo().tell(new LeaseGranted(r.requestId(), c.leaseId(), settings.kind(), slot.id,
        slot.pid, slot.worker));
    return next();
  }

  private Behavior<Command> onReservationRefused(ReservationRefused refused) {
    Waiting w = reserving.remove(refused.leaseId());
    Slot slot = slots.get(refused.slotId());
    if (slot != null && refused.leaseId().equals(slot.leaseId)) {
      slot.leaseId = null;
      slot.clientId = null;
      slot.holder = null;
      // the worker's own report will say what it is doing; until then it is not offered
      slot.state = SlotState.STOPPING;
    }
    if (w != null) {
      waiting.addFirst(w);
    }
    return next();
  }

  private Behavior<Command> onRequestExpired(RequestExpired e) {
    Iterator<Waiting> it = waiting.iterator();
    while (it.hasNext()) {
      Waiting w = it.next();
      if (w.request().requestId().equals(e.requestId())) {
        it.remove();
        refuse(w.request(), "no worker of kind '" + settings.kind() + "' within "
            + seconds(w.timeout()) + ": " + busyCount() + " of max " + settings.max() + " busy"
            + (error == null ? "" : "; pool failed: " + error));
        break;
      }
    }
    return next();
  }

  private void failWaiting(String reason) {
    for (Waiting w : waiting) {
      timers.cancel("request-" + w.request().requestId());
      refuse(w.request(), reason);
    }
    waiting.clear();
  }

  // ---- slots and workers ----

  private Behavior<Command> onSlotLaunched(SlotLaunched l) {
    Slot slot = slots.get(l.slotId());
    if (slot != null) {
      slot.incarnation = l.incarnation();
      slot.pid = l.pid();
      slot.state = SlotState.LAUNCHING;
      slot.worker = null;
      slot.readyAt = null;
    }
    return Behaviors.same();
  }

  private Behavior<Command> onSlotReady(SlotReady r) {
    Slot slot = slots.get(r.slotId());
    if (slot == null || !r.incarnation().equals(slot.incarnation)) {
      return Behaviors.same();
    }
    slot.worker = r.worker();
    slot.pid = r.pid();
    slot.readyAt = Instant.now();
    if (slot.state == SlotState.LAUNCHING) {
      slot.state = SlotState.IDLE;
      slot.idleSince = slot.readyAt;
    }
    return next();
  }

  private Behavior<Command> onSlotFailed(SlotFailed f) {
    Slot slot = slots.get(f.slotId());
    if (slot == null) {
      return Behaviors.same();
    }
    slot.restarts++;
    slot.lastError = f.cause();
    context.getSystem().eventStream().tell(new EventStream.Publish<>(
        new RunEvents.WorkerFailed(settings.kind(), slot.id, f.cause())));
    loseLease(slot, "worker of slot " + slot.id + " lost: " + f.cause());
    slot.state = SlotState.FAILED;
    slot.worker = null;
    slot.readyAt = null;
    return next();
  }

  private Behavior<Command> onSlotRecycling(SlotRecycling r) {
    Slot slot = slots.get(r.slotId());
    if (slot != null) {
      loseLease(slot, "worker recycled: " + r.reason(), r.workTimedOut());
      slot.state = SlotState.LAUNCHING;
      slot.worker = null;
      slot.readyAt = null;
    }
    return next();
  }

  /** Tells the holder of the slot's lease, if any, that its worker is gone. */
  private void loseLease(Slot slot, String cause) {
    loseLease(slot, cause, false);
  }

  private void loseLease(Slot slot, String cause, boolean workTimedOut) {
    if (slot.leaseId == null) {
      return;
    }
    Waiting w = reserving.remove(slot.leaseId);
    if (w != null) {
      waiting.addFirst(w);
    } else if (slot.holder != null) {
      slot.holder.tell(new WorkEvent.WorkerLost(slot.leaseId, cause, workTimedOut));
      leasesByClient.computeIfPresent(slot.clientId, (k, n) -> n > 1 ? n - 1 : null);
    }
    slot.leaseId = null;
    slot.clientId = null;
    slot.holder = null;
  }

  private Behavior<Command> onWorkerStateChanged(WorkerStateChanged c) {
    Slot slot = slots.get(c.slotId());
    if (slot == null || !c.incarnation().equals(slot.incarnation)) {
      return Behaviors.same();
    }
    Transition t = c.transition();
    if (slot.transitions.size() == settings.transitionLogSize()) {
      slot.transitions.removeFirst();
    }
    slot.transitions.addLast(t);
    switch (t.to()) {
      case "Idle" -> {
        if (slot.state == SlotState.RESERVED || slot.state == SlotState.BUSY
            || slot.state == SlotState.STOPPING) {
          if (slot.leaseId != null) {
            leasesByClient.computeIfPresent(slot.clientId, (k, n) -> n > 1 ? n - 1 : null);
          }
          slot.leaseId = null;
          slot.clientId = null;
          slot.holder = null;
          slot.state = SlotState.IDLE;
          slot.idleSince = Instant.now();
        }
      }
      case "Reserved" -> {
        if (slot.state == SlotState.RESERVING || slot.state == SlotState.BUSY) {
          slot.state = SlotState.RESERVED;
        }
      }
      case "Busy" -> {
        if (slot.leaseId != null) {
          slot.state = SlotState.BUSY;
        }
      }
      case "Stopping" -> slot.state = SlotState.STOPPING;
      default -> { }
    }
    return next();
  }

  private Behavior<Command> onSlotGaveUp(ChildFailed failed) {
    Slot slot = slotOf(failed.getRef());
    if (slot == null) {
      return Behaviors.same();
    }
    slots.remove(slot.id);
    String cause = "slot " + slot.id + " restarted " + slot.restarts + " times without "
        + settings.restartWindow() + " of calm (restart.max-restarts " + settings.maxRestarts()
        + "); last failure: " + slot.lastError;
    if (log.current().equals("ErrPool")) {
      return next();
    }
    return errPool(cause);
  }

  private Behavior<Command> onSlotStopped(Terminated t) {
    Slot slot = slotOf(t.getRef());
    if (slot != null) {
      slots.remove(slot.id);
      loseLease(slot, "worker of slot " + slot.id + " stopped");
    }
    return next();
  }

  private Slot slotOf(ActorRef<?> ref) {
    return slots.values().stream().filter(s -> s.ref.equals(ref)).findFirst().orElse(null);
  }

  // ---- pool size ----

  /**
   * Starts slots up to the target and retires idle extras that stayed idle for
   * {@code retire-idle-after}. In ErrPool the pool neither grows nor is repaired.
   */
  private void resize() {
    if (log.current().equals("ErrPool") || log.current().equals("Starting")) {
      return;
    }
    int target = targetSize();
    while (slots.size() < target) {
      int id = 1;
      while (slots.containsKey(id)) {
        id++;
      }
      ActorRef<WorkerSlot.Command> ref = context.spawn(
          WorkerSlot.create(id, settings, launcher, context.getSelf()), "slot-" + id);
      context.watch(ref);
      slots.put(id, new Slot(id, ref));
    }
    int extra = slots.size() - target;
    if (extra > 0 && waiting.isEmpty()) {
      Instant retireBefore = Instant.now().minus(settings.retireIdleAfter());
      List<Slot> idle = new ArrayList<>(slots.values().stream()
          .filter(s -> s.state == SlotState.IDLE && s.idleSince.isBefore(retireBefore))
          .sorted(Comparator.comparing((Slot s) -> s.idleSince))
          .toList());
      for (int i = 0; i < extra && i < idle.size(); i++) {
        Slot s = idle.get(i);
        s.state = SlotState.STOPPING;
        context.getLog().info("retiring idle worker of slot {} (pool above target {})",
            s.id, target);
        context.stop(s.ref);
      }
    }
  }

  private int targetSize() {
    return settings.targetSize(busyCount() + waiting.size());
  }

  private int busyCount() {
    return (int) slots.values().stream().filter(Slot::leased).count();
  }

  private int idleCount() {
    return (int) slots.values().stream().filter(s -> s.state == SlotState.IDLE).count();
  }

  private int readyCount() {
    return (int) slots.values().stream().filter(s -> s.readyAt != null).count();
  }

  private void updateAvailability() {
    boolean available = idleCount() > 0;
    if (!Boolean.toString(available).equals(availability.current())) {
      availability.record(Boolean.toString(available),
          available ? idleCount() + " worker(s) idle" : "no worker idle");
    }
  }

  // ---- status ----

  private Behavior<Command> onGetStatus(GetStatus g) {
    Instant now = Instant.now();
    List<PoolStatus.WorkerStatus> workers = slots.values().stream()
        .map(s -> new PoolStatus.WorkerStatus(
            s.id, s.pid, stateName(s.state), s.leaseId,
            s.holder == null ? null : s.clientId + " " + s.holder.path(),
            s.restarts, s.lastError,
            s.readyAt == null ? Duration.ZERO : Duration.between(s.readyAt, now),
            List.copyOf(s.transitions)))
        .toList();
    List<Transition> transitions = new ArrayList<>(log.entries());
    transitions.addAll(availability.entries());
    transitions.sort(Comparator.comparing(Transition::at));
    g.replyTo().tell(new PoolStatus(settings.kind(), log.current(), idleCount() > 0, error,
        settings.min(), settings.warm(), settings.max(), targetSize(), idleCount(), busyCount(),
        waiting.size(), workers, transitions));
    return Behaviors.same();
  }

  private static String stateName(SlotState s) {
    String n = s.name();
    return n.charAt(0) + n.substring(1).toLowerCase();
  }

  private static String seconds(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + "s" : String.format("%.1fs", ms / 1000.0);
  }
}
