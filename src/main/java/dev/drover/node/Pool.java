package dev.drover.node;

import dev.drover.node.PoolStatus.SlotState;
import dev.drover.observe.Transition;
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
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * A supervisor's bookkeeping, without the actor: its slots and their states, the requests
 * waiting for a worker, the reservations on their way, the leases each client holds, and what
 * the pool's size should be. The {@link Supervisor} feeds it the facts it hears and carries out
 * the decisions it returns (reservations to send, slots to start or retire, holders to tell),
 * so each decision is unit-tested here without an actor system, like flow's {@code Round}.
 *
 * <p>Owned by one actor, so it is not thread-safe. Time enters only as arguments: idle
 * retirement is driven by {@link #idleLongEnough}, which the supervisor calls from a timer.
 */
final class Pool {

  /** One slot as the supervisor sees it. */
  static final class Slot {
    final int id;
    SlotState state;
    String incarnation;
    ActorRef<Worker.Command> worker;
    long pid;
    String leaseId;
    String clientId;
    ActorRef<WorkEvent> holder;
    int restarts;
    String lastError;
    Instant readyAt;
    /** Orders idle slots, oldest first; changes each time the slot becomes idle. */
    long idleSeq;
    /** Idle for {@code retire-idle-after} since {@link #idleSeq}: may be retired. */
    boolean idleLongEnough;
    /** Stopped by the pool because it is above target; no longer counted as live. */
    boolean retiring;
    final Deque<Transition<WorkerState>> transitions = new ArrayDeque<>();

    Slot(int id) {
      this.id = id;
    }

    boolean ready() {
      return readyAt != null;
    }
  }

  /** A request waiting for an idle worker. */
  record Waiting(Supervisor.RequestWorker request, Duration timeout) {}

  /** A reservation to send to the worker of {@code slot}. */
  record Reservation(int slot, String leaseId, ActorRef<Worker.Command> worker,
      Supervisor.RequestWorker request) {}

  /** A reservation the worker confirmed: answer {@code request} with the worker of {@code slot}. */
  record Grant(Slot slot, String leaseId, Supervisor.RequestWorker request) {}

  /** A lease whose worker is gone: tell {@code holder}. */
  record LostLease(String leaseId, ActorRef<WorkEvent> holder) {}

  /** A slot that became idle: retire it no sooner than {@code retire-idle-after} from now. */
  record NewlyIdle(int slot, long idleSeq) {}

  /** What {@link #resize} decided: slots to start and slots to stop. */
  record Resize(List<Integer> start, List<Integer> retire) {}

  private final PoolSettings settings;
  private final Map<Integer, Slot> slots = new TreeMap<>();
  private final Deque<Waiting> waiting = new ArrayDeque<>();
  /** Reservations sent to a worker and not yet answered, by lease id. */
  private final Map<String, Waiting> reserving = new HashMap<>();
  private final Map<String, Integer> leasesByClient = new HashMap<>();
  /**
   * Requests that expired while a worker held their reservation unanswered: refused then, and
   * never queued again. A late confirmation is still granted, and the client gives it back.
   */
  private final java.util.Set<String> expiredReservations = new java.util.HashSet<>();
  private final List<NewlyIdle> newlyIdle = new ArrayList<>();
  private long idleCounter;
  private int illegalMoves;

  Pool(PoolSettings settings) {
    this.settings = settings;
  }

  // ---- requests and leases ----

  /** Why {@code clientId} may not lease another worker, or null when it may. */
  String refusal(String clientId) {
    int held = leasesByClient.getOrDefault(clientId, 0);
    if (settings.maxLeasesPerClient() > 0 && held >= settings.maxLeasesPerClient()) {
      return "client " + clientId + " already holds " + held + " leases of kind '"
          + settings.kind() + "' (max-leases-per-client " + settings.maxLeasesPerClient() + ")";
    }
    return null;
  }

  /** Queues {@code request}; it waits until {@link #dispatch} finds it a worker or it expires. */
  void enqueue(Supervisor.RequestWorker request, Duration timeout) {
    waiting.addLast(new Waiting(request, timeout));
  }

  /** Pairs waiting requests with idle workers, oldest request first; the slots become Reserving. */
  List<Reservation> dispatch(Supplier<String> leaseIds) {
    List<Reservation> out = new ArrayList<>();
    while (!waiting.isEmpty()) {
      Slot idle = slots.values().stream().filter(s -> s.state == SlotState.IDLE)
          .findFirst().orElse(null);
      if (idle == null) {
        break;
      }
      Waiting w = waiting.removeFirst();
      String leaseId = leaseIds.get();
      move(idle, SlotState.RESERVING);
      idle.leaseId = leaseId;
      idle.clientId = w.request().clientId();
      idle.holder = w.request().holder();
      reserving.put(leaseId, w);
      out.add(new Reservation(idle.id, leaseId, idle.worker, w.request()));
    }
    return out;
  }

  /** The worker of {@code slotId} holds itself for {@code leaseId}: grant it, if still wanted. */
  Optional<Grant> confirmed(int slotId, String leaseId) {
    Waiting w = reserving.remove(leaseId);
    Slot slot = slots.get(slotId);
    if (w == null || slot == null) {
      return Optional.empty();
    }
    expiredReservations.remove(w.request().requestId());
    if (slot.state == SlotState.RESERVING) {
      move(slot, SlotState.RESERVED);
    }
    leasesByClient.merge(w.request().clientId(), 1, Integer::sum);
    return Optional.of(new Grant(slot, leaseId, w.request()));
  }

  /** The worker of {@code slotId} refused {@code leaseId}: its request waits again, first. */
  void refused(int slotId, String leaseId) {
    Waiting w = reserving.remove(leaseId);
    Slot slot = slots.get(slotId);
    if (slot != null && leaseId.equals(slot.leaseId)) {
      clearLease(slot);
      // the worker's own report will say what it is doing; until then it is not offered
      move(slot, SlotState.STOPPING);
    }
    if (w != null) {
      requeue(w);
    }
  }

  /** Puts a request whose reservation failed first in line again, unless it already expired. */
  private void requeue(Waiting w) {
    if (!expiredReservations.remove(w.request().requestId())) {
      waiting.addFirst(w);
    }
  }

  /**
   * Request {@code requestId} expired: taken out of the queue when it still waits; when a
   * worker holds its reservation unanswered (a hung worker answers nothing), it expires all
   * the same and is not queued again when that reservation fails.
   */
  Optional<Waiting> expire(String requestId) {
    Iterator<Waiting> it = waiting.iterator();
    while (it.hasNext()) {
      Waiting w = it.next();
      if (w.request().requestId().equals(requestId)) {
        it.remove();
        return Optional.of(w);
      }
    }
    for (Waiting w : reserving.values()) {
      if (w.request().requestId().equals(requestId)) {
        expiredReservations.add(requestId);
        return Optional.of(w);
      }
    }
    return Optional.empty();
  }

  /** Empties the queue (the pool failed); the caller refuses each. */
  List<Waiting> drainWaiting() {
    List<Waiting> all = List.copyOf(waiting);
    waiting.clear();
    return all;
  }

  // ---- slots ----

  /** A new incarnation of {@code slotId} was launched with process {@code pid}. */
  void launched(int slotId, String incarnation, long pid) {
    Slot slot = slots.get(slotId);
    if (slot != null) {
      slot.incarnation = incarnation;
      slot.pid = pid;
      slot.worker = null;
      slot.readyAt = null;
      move(slot, SlotState.LAUNCHING);
    }
  }

  /** The worker of {@code slotId} registered; false when it is not the current incarnation. */
  boolean ready(int slotId, String incarnation, ActorRef<Worker.Command> worker, long pid,
      Instant now) {
    Slot slot = slots.get(slotId);
    if (slot == null || !incarnation.equals(slot.incarnation)) {
      return false;
    }
    slot.worker = worker;
    slot.pid = pid;
    slot.readyAt = now;
    if (slot.state == SlotState.LAUNCHING) {
      becomeIdle(slot);
    }
    return true;
  }

  /** The current incarnation of {@code slotId} failed; its lease, if any, is lost. */
  Optional<LostLease> failed(int slotId, String cause) {
    Slot slot = slots.get(slotId);
    if (slot == null) {
      return Optional.empty();
    }
    slot.restarts++;
    slot.lastError = cause;
    Optional<LostLease> lost = loseLease(slot);
    move(slot, SlotState.FAILED);
    slot.worker = null;
    slot.readyAt = null;
    return lost;
  }

  /** The worker of {@code slotId} is being replaced by policy; its lease, if any, is lost. */
  Optional<LostLease> recycling(int slotId) {
    Slot slot = slots.get(slotId);
    if (slot == null) {
      return Optional.empty();
    }
    Optional<LostLease> lost = loseLease(slot);
    move(slot, SlotState.LAUNCHING);
    slot.worker = null;
    slot.readyAt = null;
    return lost;
  }

  /** Slot {@code slotId} stopped for good (retired, or gave up); its lease, if any, is lost. */
  Optional<LostLease> removed(int slotId) {
    Slot slot = slots.remove(slotId);
    return slot == null ? Optional.empty() : loseLease(slot);
  }

  /** A failed slot starts over with a fresh restart count (the pool was reset). */
  void resetRestarts() {
    slots.values().forEach(s -> s.restarts = 0);
  }

  /**
   * The worker of {@code slotId} reported a move. The slot's state follows the worker's, within
   * what the supervisor knows: a lease it is still granting stays Reserving until confirmed.
   */
  void workerMoved(int slotId, String incarnation, Transition<WorkerState> t) {
    Slot slot = slots.get(slotId);
    if (slot == null || !incarnation.equals(slot.incarnation)) {
      return;
    }
    if (!WorkerState.allowed(t.from(), t.to())) {
      illegalMoves++;
    }
    if (slot.transitions.size() == settings.transitionLogSize()) {
      slot.transitions.removeFirst();
    }
    slot.transitions.addLast(t);
    if (slot.retiring) {
      return;
    }
    switch (t.to()) {
      case IDLE -> {
        if (slot.state == SlotState.RESERVED || slot.state == SlotState.BUSY
            || slot.state == SlotState.STOPPING) {
          if (slot.leaseId != null) {
            leasesByClient.computeIfPresent(slot.clientId, (k, n) -> n > 1 ? n - 1 : null);
          }
          clearLease(slot);
          becomeIdle(slot);
        }
      }
      case RESERVED -> {
        if (slot.state == SlotState.RESERVING || slot.state == SlotState.BUSY) {
          move(slot, SlotState.RESERVED);
        }
      }
      case BUSY -> {
        if (slot.leaseId != null && slot.state != SlotState.BUSY) {
          move(slot, SlotState.BUSY);
        }
      }
      case STOPPING -> move(slot, SlotState.STOPPING);
      case STARTING -> { }
    }
  }

  /** Slot {@code slotId} stayed idle since {@code idleSeq} for {@code retire-idle-after}. */
  void idleLongEnough(int slotId, long idleSeq) {
    Slot slot = slots.get(slotId);
    if (slot != null && slot.state == SlotState.IDLE && slot.idleSeq == idleSeq) {
      slot.idleLongEnough = true;
    }
  }

  /**
   * The slots that became idle since the last call, for the supervisor's retirement timers
   * (none when {@code retire-idle-after} is zero: an idle slot may be retired at once).
   */
  List<NewlyIdle> takeNewlyIdle() {
    List<NewlyIdle> out = List.copyOf(newlyIdle);
    newlyIdle.clear();
    return out;
  }

  // ---- size ----

  /**
   * Slots to start up to the target, and idle extras to retire that stayed idle for
   * {@code retire-idle-after}, oldest idle first. A slot already retiring no longer counts, so
   * repeated calls before it is gone never retire more than the pool is above its target; new
   * slots are started only while the pool, retiring ones included, is below the target, so it
   * never exceeds {@code max}. Nothing is retired while requests wait. The started and retired
   * slots are in the pool's books when this returns.
   */
  Resize resize() {
    int target = target();
    List<Integer> start = new ArrayList<>();
    while (slots.size() < target) {
      int id = 1;
      while (slots.containsKey(id)) {
        id++;
      }
      Slot slot = new Slot(id);
      move(slot, SlotState.LAUNCHING);
      slots.put(id, slot);
      start.add(id);
    }
    List<Integer> retire = new ArrayList<>();
    int extra = live() - target;
    if (extra > 0 && waiting.isEmpty()) {
      List<Slot> idle = slots.values().stream()
          .filter(s -> s.state == SlotState.IDLE && s.idleLongEnough && !s.retiring)
          .sorted(Comparator.comparingLong((Slot s) -> s.idleSeq))
          .limit(extra)
          .toList();
      for (Slot s : idle) {
        s.retiring = true;
        move(s, SlotState.STOPPING);
        retire.add(s.id);
      }
    }
    return new Resize(start, retire);
  }

  /** How many workers the pool aims at: its leased ones and waiting requests, plus warm. */
  int target() {
    return settings.targetSize(busy() + waiting.size());
  }

  // ---- numbers ----

  int size() {
    return slots.size();
  }

  /** Slots not being retired. */
  int live() {
    return (int) slots.values().stream().filter(s -> !s.retiring).count();
  }

  int busy() {
    return (int) slots.values().stream().filter(s -> s.state.leased()).count();
  }

  int idle() {
    return (int) slots.values().stream().filter(s -> s.state == SlotState.IDLE).count();
  }

  int ready() {
    return (int) slots.values().stream().filter(Slot::ready).count();
  }

  int waiting() {
    return waiting.size();
  }

  /** Leases {@code clientId} holds now. */
  int leasesOf(String clientId) {
    return leasesByClient.getOrDefault(clientId, 0);
  }

  /**
   * Slot moves the {@link SlotState} table did not allow, and worker moves reported that the
   * {@link WorkerState} table does not; zero unless there is a bug.
   */
  int illegalMoves() {
    return illegalMoves;
  }

  Optional<Slot> slot(int slotId) {
    return Optional.ofNullable(slots.get(slotId));
  }

  List<Slot> slots() {
    return List.copyOf(slots.values());
  }

  /** Every slot as a status reply shows it. */
  List<PoolStatus.WorkerStatus> workers(Instant now) {
    return slots.values().stream()
        .map(s -> new PoolStatus.WorkerStatus(
            s.id, s.pid, s.state, s.leaseId,
            s.holder == null ? null : s.clientId + " " + s.holder.path(),
            s.restarts, s.lastError,
            s.readyAt == null ? Duration.ZERO : Duration.between(s.readyAt, now),
            List.copyOf(s.transitions)))
        .toList();
  }

  // ---- internals ----

  private void becomeIdle(Slot slot) {
    move(slot, SlotState.IDLE);
    slot.idleSeq = ++idleCounter;
    Duration retireAfter = settings.retireIdleAfter();
    slot.idleLongEnough = retireAfter.isZero() || retireAfter.isNegative();
    if (!slot.idleLongEnough) {
      newlyIdle.add(new NewlyIdle(slot.id, slot.idleSeq));
    }
  }

  /** Ends the slot's lease as lost; a reservation still on its way puts its request back. */
  private Optional<LostLease> loseLease(Slot slot) {
    if (slot.leaseId == null) {
      return Optional.empty();
    }
    Optional<LostLease> lost = Optional.empty();
    Waiting w = reserving.remove(slot.leaseId);
    if (w != null) {
      requeue(w);
    } else {
      lost = Optional.of(new LostLease(slot.leaseId, slot.holder));
      leasesByClient.computeIfPresent(slot.clientId, (k, n) -> n > 1 ? n - 1 : null);
    }
    clearLease(slot);
    return lost;
  }

  private static void clearLease(Slot slot) {
    slot.leaseId = null;
    slot.clientId = null;
    slot.holder = null;
  }

  private void move(Slot slot, SlotState to) {
    if (!SlotState.allowed(slot.state, to)) {
      illegalMoves++;
    }
    slot.state = to;
  }
}
