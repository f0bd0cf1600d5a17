package dev.drover.node;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.node.WorkEvent.Refusal;
import dev.drover.observe.Transition;
import dev.drover.observe.TransitionLog;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Does work for one client at a time, in a worker JVM forked by its {@link WorkerSlot} (or in the
 * supervisor's JVM with the in-process launcher).
 *
 * <p>States: {@code Starting} until its slot acknowledges the registration, {@code Idle},
 * {@code Reserved} while a client holds its lease, {@code Busy} while a piece of work runs, and
 * {@code Stopping}. It serves only its lease holder; anyone else gets a {@link
 * WorkEvent.WorkRefused}. A lease ends on release, on the holder's death, or after
 * {@code lease-idle-timeout} without work. Every transition goes to the supervisor and to the
 * lease holder.
 */
public final class Worker {

  /** The messages a worker accepts. */
  public sealed interface Command extends CborSerializable
      permits Registered, Reserve, Submit, Cancel, Release, Ping, Stop,
          WorkDone, HolderTerminated, LeaseIdle {}

  /** From the slot: the registration is accepted; report to {@code supervisor}. */
  public record Registered(int slotId, ActorRef<Supervisor.Command> supervisor)
      implements Command {}

  /** From the supervisor: hold yourself for {@code holder} under {@code leaseId}. */
  public record Reserve(
      String leaseId, String clientId, ActorRef<WorkEvent> holder,
      ActorRef<Supervisor.Command> replyTo) implements Command {}

  /** From the lease holder: run {@code input}; events go to {@code replyTo}. */
  public record Submit(String leaseId, String workId, JsonNode input, ActorRef<WorkEvent> replyTo)
      implements Command {}

  /** From the lease holder: cancel the running work {@code workId}. */
  public record Cancel(String leaseId, String workId, ActorRef<WorkEvent> replyTo)
      implements Command {}

  /** From the lease holder: the lease is over. Running work is cancelled first. */
  public record Release(String leaseId, ActorRef<WorkEvent> replyTo) implements Command {}

  /** From the slot: a heartbeat, answered with {@link WorkerSlot.Pong} in every state. */
  public record Ping(long seq, ActorRef<WorkerSlot.Command> replyTo) implements Command {}

  /** From the slot: stop now (the pool retires or recycles this worker). */
  public record Stop(String reason) implements Command {}

  /** Private: the handler returned {@code result} or failed with {@code error}. */
  record WorkDone(String workId, JsonNode result, String error, boolean cancelled)
      implements Command {}

  /**
   * Private: a lease holder's actor is gone. Keyed by the holder, not by a lease: a holder stays
   * watched across its leases (watching and unwatching per lease cost four remote system
   * messages per lease), so the same watch may outlive several leases.
   */
  record HolderTerminated(ActorRef<WorkEvent> holder) implements Command {}

  /** Private: the lease saw no work for {@code lease-idle-timeout}. */
  record LeaseIdle(String leaseId) implements Command {}

  /** A lease as the worker sees it. */
  private record Lease(String id, String clientId, ActorRef<WorkEvent> holder) {}

  /** The work running now, shared with the handler's thread. */
  private static final class RunningWork implements WorkContext {
    private final String id;
    private final Lease lease;
    private final AtomicLong seq = new AtomicLong();
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final List<Runnable> cancelActions = new CopyOnWriteArrayList<>();

    RunningWork(String id, Lease lease) {
      this.id = id;
      this.lease = lease;
    }

    @Override
    public String workId() {
      return id;
    }

    @Override
    public void emit(JsonNode payload) {
      lease.holder().tell(new WorkEvent.Payload(lease.id(), id, seq.getAndIncrement(), payload));
    }

    @Override
    public boolean isCancelled() {
      return cancelled.get();
    }

    @Override
    public void onCancel(Runnable action) {
      cancelActions.add(action);
      if (cancelled.get() && cancelActions.remove(action)) {
        CompletableFuture.runAsync(action);
      }
    }

    void cancel() {
      if (cancelled.compareAndSet(false, true)) {
        for (Runnable action : cancelActions) {
          if (cancelActions.remove(action)) {
            CompletableFuture.runAsync(action);
          }
        }
      }
    }

    /** Cancels on the calling thread: the worker is stopping and no other thread may follow. */
    void cancelNow() {
      cancelled.set(true);
      for (Runnable action : cancelActions) {
        if (cancelActions.remove(action)) {
          action.run();
        }
      }
    }
  }

  private static final String LEASE_IDLE_TIMER = "lease-idle";

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final WorkerHandler handler;
  private final Duration leaseIdleTimeout;
  private final int recycleAfterLeases;
  private final ActorRef<WorkerSlot.Command> slot;
  private final String incarnation;
  private final TransitionLog log;
  private final ExecutorService executor;
  private ActorRef<Supervisor.Command> supervisor;
  private int slotId = -1;
  private int leasesServed;
  /** Holders this worker watches: every client it served that is still alive. */
  private final Set<ActorRef<WorkEvent>> watchedHolders = new HashSet<>();
  /** The work the handler's thread is running, if any; cancelled when the worker stops. */
  private volatile RunningWork current;

  private Worker(
      ActorContext<Command> context, TimerScheduler<Command> timers, WorkerHandler handler,
      WorkerSettings settings) {
    this.context = context;
    this.timers = timers;
    this.handler = handler;
    this.leaseIdleTimeout = settings.leaseIdleTimeout();
    this.recycleAfterLeases = settings.recycleAfterLeases();
    this.slot = settings.slot();
    this.incarnation = settings.incarnation();
    this.executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "drover-worker-handler");
      t.setDaemon(true);
      return t;
    });
    this.log = new TransitionLog("worker/" + context.getSelf().path().name(),
        settings.transitionLogSize(), this::report);
  }

  /**
   * What a worker needs to know at start.
   *
   * @param slot the slot to register with
   * @param incarnation the slot's incarnation, echoed in the registration
   * @param leaseIdleTimeout a lease with no running work ends after this long
   * @param recycleAfterLeases ask for a fresh JVM after this many leases, 0 for never
   * @param transitionLogSize transitions kept
   */
  public record WorkerSettings(
      ActorRef<WorkerSlot.Command> slot, String incarnation, Duration leaseIdleTimeout,
      int recycleAfterLeases, int transitionLogSize) {}

  /** A worker that registers with its slot and then waits, Idle, for a lease. */
  public static Behavior<Command> create(WorkerHandler handler, WorkerSettings settings) {
    Objects.requireNonNull(handler, "handler");
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      Worker worker = new Worker(ctx, timers, handler, settings);
      settings.slot().tell(new WorkerSlot.Register(
          settings.incarnation(), ctx.getSelf(), ProcessHandle.current().pid()));
      return worker.starting();
    }));
  }

  private void report(Transition t) {
    context.getSystem().eventStream().tell(new EventStream.Publish<>(t));
    if (supervisor != null) {
      supervisor.tell(new Supervisor.WorkerStateChanged(slotId, incarnation, t));
    }
  }

  private Behavior<Command> starting() {
    log.record("Starting", "worker started in process " + ProcessHandle.current().pid());
    return Behaviors.receive(Command.class)
        .onMessage(Registered.class, r -> {
          supervisor = r.supervisor();
          slotId = r.slotId();
          return idle("registered with slot " + r.slotId());
        })
        .onMessage(Ping.class, this::onPing)
        .onMessage(Stop.class, this::onStop)
        .onSignal(PostStop.class, s -> onPostStop())
        .build();
  }

  private Behavior<Command> idle(String cause) {
    log.record("Idle", cause);
    return common()
        .onMessage(Reserve.class, r -> {
          Lease lease = new Lease(r.leaseId(), r.clientId(), r.holder());
          if (watchedHolders.add(r.holder())) {
            context.watchWith(r.holder(), new HolderTerminated(r.holder()));
          }
          r.replyTo().tell(new Supervisor.ReservationConfirmed(slotId, r.leaseId()));
          return reserved(lease, "reserved for client " + r.clientId());
        })
        .onMessage(Submit.class, s -> refuse(s.replyTo(), s.leaseId(), s.workId(),
            Refusal.NOT_LEASE_HOLDER, "worker is not leased"))
        .onMessage(Cancel.class, c -> refuse(c.replyTo(), c.leaseId(), c.workId(),
            Refusal.NOT_LEASE_HOLDER, "worker is not leased"))
        .onMessage(Release.class, r -> refuse(r.replyTo(), r.leaseId(), null,
            Refusal.NOT_LEASE_HOLDER, "worker is not leased"))
        .onMessage(HolderTerminated.class, h -> {
          forget(h);
          return Behaviors.same();
        })
        .onMessage(LeaseIdle.class, l -> Behaviors.same())
        .onMessage(WorkDone.class, d -> Behaviors.same())
        .build();
  }

  private Behavior<Command> reserved(Lease lease, String cause) {
    timers.startSingleTimer(LEASE_IDLE_TIMER, new LeaseIdle(lease.id()), leaseIdleTimeout);
    log.record("Reserved", cause);
    return common()
        .onMessage(Reserve.class, r -> refuseReservation(r, "already leased"))
        .onMessage(Submit.class, s -> {
          if (!holds(lease, s.leaseId(), s.replyTo())) {
            return refuse(s.replyTo(), s.leaseId(), s.workId(), Refusal.NOT_LEASE_HOLDER,
                "worker is leased to another client");
          }
          timers.cancel(LEASE_IDLE_TIMER);
          RunningWork work = new RunningWork(s.workId(), lease);
          run(work, s.input());
          return busy(lease, work, false);
        })
        .onMessage(Cancel.class, c -> holds(lease, c.leaseId(), c.replyTo())
            ? refuse(c.replyTo(), c.leaseId(), c.workId(), Refusal.UNKNOWN_WORK,
                "no work is running")
            : refuse(c.replyTo(), c.leaseId(), c.workId(), Refusal.NOT_LEASE_HOLDER,
                "worker is leased to another client"))
        .onMessage(Release.class, r -> holds(lease, r.leaseId(), r.replyTo())
            ? endLease(lease, "released by its holder")
            : refuse(r.replyTo(), r.leaseId(), null, Refusal.NOT_LEASE_HOLDER,
                "worker is leased to another client"))
        .onMessage(HolderTerminated.class, h -> forget(h).equals(lease.holder())
            ? endLease(lease, "lease holder terminated")
            : Behaviors.same())
        .onMessage(LeaseIdle.class, l -> l.leaseId().equals(lease.id())
            ? endLease(lease, "no work within lease-idle-timeout " + leaseIdleTimeout)
            : Behaviors.same())
        .onMessage(WorkDone.class, d -> Behaviors.same())
        .build();
  }

  private Behavior<Command> busy(Lease lease, RunningWork work, boolean ending) {
    log.record("Busy", ending ? "ending lease once work " + work.id + " stops"
        : "running work " + work.id);
    return common()
        .onMessage(Reserve.class, r -> refuseReservation(r, "already leased"))
        .onMessage(Submit.class, s -> holds(lease, s.leaseId(), s.replyTo())
            ? refuse(s.replyTo(), s.leaseId(), s.workId(), Refusal.BUSY,
                "work " + work.id + " is still running")
            : refuse(s.replyTo(), s.leaseId(), s.workId(), Refusal.NOT_LEASE_HOLDER,
                "worker is leased to another client"))
        .onMessage(Cancel.class, c -> {
          if (!holds(lease, c.leaseId(), c.replyTo())) {
            return refuse(c.replyTo(), c.leaseId(), c.workId(), Refusal.NOT_LEASE_HOLDER,
                "worker is leased to another client");
          }
          if (!work.id.equals(c.workId())) {
            return refuse(c.replyTo(), c.leaseId(), c.workId(), Refusal.UNKNOWN_WORK,
                "work " + c.workId() + " is not running");
          }
          work.cancel();
          return Behaviors.same();
        })
        .onMessage(Release.class, r -> {
          if (!holds(lease, r.leaseId(), r.replyTo())) {
            return refuse(r.replyTo(), r.leaseId(), null, Refusal.NOT_LEASE_HOLDER,
                "worker is leased to another client");
          }
          work.cancel();
          return ending ? Behaviors.same() : busy(lease, work, true);
        })
        .onMessage(HolderTerminated.class, h -> {
          if (!forget(h).equals(lease.holder())) {
            return Behaviors.same();
          }
          work.cancel();
          return ending ? Behaviors.same() : busy(lease, work, true);
        })
        .onMessage(LeaseIdle.class, l -> Behaviors.same())
        .onMessage(WorkDone.class, d -> {
          if (!d.workId().equals(work.id)) {
            return Behaviors.same();
          }
          if (ending) {
            lease.holder().tell(outcome(lease, d));
            return endLease(lease, "released while work " + work.id + " ran");
          }
          Behavior<Command> next = reserved(lease, "work " + work.id + " ended");
          lease.holder().tell(outcome(lease, d));
          return next;
        })
        .build();
  }

  private Behavior<Command> stopping(String cause) {
    log.record("Stopping", cause);
    return Behaviors.stopped();
  }

  /** Stopping, but left for the slot to kill with its JVM, so the slot sees no failure. */
  private Behavior<Command> recycling(String cause) {
    log.record("Stopping", cause);
    return common()
        .onMessage(Reserve.class, r -> refuseReservation(r, "stopping"))
        .onMessage(Submit.class, s -> refuse(s.replyTo(), s.leaseId(), s.workId(),
            Refusal.NOT_LEASE_HOLDER, "worker is stopping"))
        .onMessage(Cancel.class, c -> Behaviors.same())
        .onMessage(Release.class, r -> Behaviors.same())
        .onMessage(HolderTerminated.class, h -> {
          forget(h);
          return Behaviors.same();
        })
        .onMessage(LeaseIdle.class, l -> Behaviors.same())
        .onMessage(WorkDone.class, d -> Behaviors.same())
        .build();
  }

  /** Handlers every state shares: heartbeats and the slot's stop. */
  private BehaviorBuilder<Command> common() {
    return Behaviors.receive(Command.class)
        .onMessage(Ping.class, this::onPing)
        .onMessage(Stop.class, this::onStop)
        .onMessage(Registered.class, r -> Behaviors.same())
        .onSignal(PostStop.class, s -> onPostStop());
  }

  private Behavior<Command> onPing(Ping p) {
    p.replyTo().tell(new WorkerSlot.Pong(incarnation, p.seq()));
    return Behaviors.same();
  }

  private Behavior<Command> onStop(Stop s) {
    return stopping(s.reason());
  }

  /**
   * A worker in its own JVM stops with it, and its slot kills the JVM's process tree. A worker
   * in the supervisor's JVM ({@link InProcessLauncher}) has no JVM of its own to take its work
   * along: it cancels the work itself, so a script it started does not outlive it.
   */
  private Behavior<Command> onPostStop() {
    RunningWork work = current;
    if (work != null) {
      work.cancelNow();
    }
    executor.shutdownNow();
    return Behaviors.same();
  }

  /**
   * Ends the lease. The supervisor hears of it (through the transition) before the holder does,
   * so a holder that asks the supervisor for another worker at once is not refused by the
   * per-client cap for the lease it just gave back.
   */
  private Behavior<Command> endLease(Lease lease, String reason) {
    timers.cancel(LEASE_IDLE_TIMER);
    leasesServed++;
    try {
      handler.reset();
    } catch (RuntimeException e) {
      context.getLog().warn("handler reset failed after lease {}: {}", lease.id(), e.toString());
    }
    Behavior<Command> next;
    if (recycleAfterLeases > 0 && leasesServed >= recycleAfterLeases) {
      slot.tell(new WorkerSlot.Recycle(incarnation,
          "served " + leasesServed + " leases (recycle-after-leases " + recycleAfterLeases + ")"));
      next = recycling("recycling after " + leasesServed + " leases");
    } else {
      next = idle("lease " + lease.id() + " ended: " + reason);
    }
    lease.holder().tell(new WorkEvent.LeaseEnded(lease.id(), reason));
    return next;
  }

  /**
   * Runs the handler on the worker's own thread. Payloads go out from that thread; the end of the
   * work goes to the actor, which first becomes free for the next piece of work and then tells
   * the holder, so a client that submits again at once is never refused as busy. Both reach the
   * holder in order: the last payload is sent before the actor hears of the end.
   */
  private void run(RunningWork work, JsonNode input) {
    ActorRef<Command> self = context.getSelf();
    current = work;
    executor.execute(() -> {
      try {
        JsonNode result = handler.handle(input, work);
        current = null;
        self.tell(work.isCancelled()
            ? new WorkDone(work.id, null, "cancelled", true)
            : new WorkDone(work.id, result, null, false));
      } catch (Exception | LinkageError e) {
        current = null;
        String error = e.getMessage() == null ? e.toString() : e.getMessage();
        self.tell(new WorkDone(work.id, null,
            work.isCancelled() ? "cancelled: " + error : error, work.isCancelled()));
      }
    });
  }

  /** The holder of {@code h}, no longer watched (its actor is gone). */
  private ActorRef<WorkEvent> forget(HolderTerminated h) {
    watchedHolders.remove(h.holder());
    return h.holder();
  }

  private static WorkEvent outcome(Lease lease, WorkDone d) {
    return d.error() == null
        ? new WorkEvent.WorkSucceeded(lease.id(), d.workId(), d.result())
        : new WorkEvent.WorkFailed(lease.id(), d.workId(), d.error(), d.cancelled());
  }

  private static boolean holds(Lease lease, String leaseId, ActorRef<WorkEvent> sender) {
    return lease.id().equals(leaseId) && lease.holder().equals(sender);
  }

  private Behavior<Command> refuse(
      ActorRef<WorkEvent> replyTo, String leaseId, String workId, Refusal reason, String message) {
    if (replyTo != null) {
      replyTo.tell(new WorkEvent.WorkRefused(leaseId, workId, reason, message));
    }
    return Behaviors.same();
  }

  private Behavior<Command> refuseReservation(Reserve r, String reason) {
    r.replyTo().tell(new Supervisor.ReservationRefused(slotId, r.leaseId(), reason));
    return Behaviors.same();
  }
}
