package dev.drover.node;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.node.WorkEvent.Refusal;
import dev.drover.node.process.ProcessLedger;
import dev.drover.observe.Transition;
import dev.drover.observe.TransitionLog;
import dev.drover.serialization.CborSerializable;
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
 * <p>States ({@link WorkerState}, with its transition table): {@code Starting} until its slot
 * acknowledges the registration, {@code Idle},
 * {@code Reserved} while a client holds its lease, {@code Busy} while a piece of work runs, and
 * {@code Stopping}. It serves only its lease holder; anyone else gets a {@link
 * WorkEvent.WorkRefused}. A lease ends on release, on the holder's death, or after
 * {@code lease-idle-timeout} without work. Every transition goes to the supervisor and to the
 * lease holder.
 */
public final class Worker {

  /** The messages a worker accepts. */
  public sealed interface Command extends CborSerializable
      permits Registered, Reserve, Submit, SubmitPart, OutputAck, Cancel, Release, Ping, Stop,
          WorkDone, HolderTerminated, LeaseIdle, WorkTimedOut, StopOverdue, ReportDue {}

  /** From the slot: the registration is accepted; report to {@code supervisor}. */
  public record Registered(int slotId, ActorRef<Supervisor.Command> supervisor)
      implements Command {}

  /** From the supervisor: hold yourself for {@code holder} under {@code leaseId}. */
  public record Reserve(
      String leaseId, String clientId, ActorRef<WorkEvent> holder,
      ActorRef<Supervisor.Command> replyTo) implements Command {}

  /**
   * From the lease holder: run {@code input}; events go to {@code replyTo}. An input too large
   * for one message comes first as {@code inputFrames} {@link SubmitPart}s and {@code input} is
   * null. The work is cancelled after {@code timeout} (null: the pool's {@code work-timeout}),
   * and at most {@code outputWindow} bytes of its output travel unacknowledged.
   */
  public record Submit(String leaseId, String workId, JsonNode input, int inputFrames,
      Duration timeout, long outputWindow, ActorRef<WorkEvent> replyTo) implements Command {
    /** Small input, the pool's timeout, the default window. */
    public Submit(String leaseId, String workId, JsonNode input, ActorRef<WorkEvent> replyTo) {
      this(leaseId, workId, input, 0, null, DEFAULT_OUTPUT_WINDOW, replyTo);
    }
  }

  /** From the lease holder: frame {@code index} of the encoded input of work {@code workId}. */
  public record SubmitPart(String leaseId, String workId, int index, byte[] data,
      ActorRef<WorkEvent> replyTo) implements Command {}

  /** From the lease holder: it has handled the first {@code bytes} bytes of the work's output. */
  public record OutputAck(String leaseId, String workId, long bytes) implements Command {}

  /** From the lease holder: cancel the running work {@code workId}. */
  public record Cancel(String leaseId, String workId, ActorRef<WorkEvent> replyTo)
      implements Command {}

  /** From the lease holder: the lease is over. Running work is cancelled first. */
  public record Release(String leaseId, ActorRef<WorkEvent> replyTo) implements Command {}

  /** From the slot: a heartbeat, answered with {@link WorkerSlot.Pong} in every state. */
  public record Ping(long seq, ActorRef<WorkerSlot.Command> replyTo) implements Command {}

  /** From the slot: stop now (the pool retires or recycles this worker). */
  public record Stop(String reason) implements Command {}

  /**
   * Private: the handler returned {@code result} (null when sent in result frames) or failed
   * with {@code error}; {@code frames} output frames went out before.
   */
  record WorkDone(String workId, JsonNode result, String error, WorkEvent.Failure failure,
      long frames) implements Command {}

  /** Private: work {@code workId} ran past its timeout. */
  record WorkTimedOut(String workId) implements Command {}

  /** Private: work {@code workId} was stopped and its handler has not returned in time. */
  record StopOverdue(String workId) implements Command {}

  /**
   * Private: a lease holder's actor is gone. Keyed by the holder, not by a lease: a holder stays
   * watched across its leases (watching and unwatching per lease cost four remote system
   * messages per lease), so the same watch may outlive several leases.
   */
  record HolderTerminated(ActorRef<WorkEvent> holder) implements Command {}

  /** Private: the lease saw no work for {@code lease-idle-timeout}. */
  record LeaseIdle(String leaseId) implements Command {}

  /** Private: the moves held back within a lease are due at the supervisor. */
  record ReportDue() implements Command {}

  /**
   * How long a worker in its own JVM may hold back the moves between Reserved and Busy within a
   * lease before they go to its supervisor, all in one message. Each piece of work makes two
   * such moves; reported one by one they were half the messages a task sent across JVMs, and
   * the lease holder learns of the work's start and end from the work's own messages anyway.
   * Every other move is reported at once, with those held before it, in order.
   */
  static final Duration REPORT_WITHIN = Duration.ofMillis(100);

  /** The output window of work submitted without one. */
  public static final long DEFAULT_OUTPUT_WINDOW = 1024 * 1024;
  /** The largest input a worker assembles from parts, whatever its holder's limit. */
  static final long MAX_INPUT_BYTES = 256L * 1024 * 1024;

  /** A lease as the worker sees it. */
  private record Lease(String id, String clientId, ActorRef<WorkEvent> holder) {}

  /** The work running now, shared with the handler's thread. */
  private static final class RunningWork implements WorkContext {
    private final String id;
    private final WorkOutput output;
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private volatile boolean timedOut;
    private final List<Runnable> cancelActions = new CopyOnWriteArrayList<>();

    RunningWork(String id, WorkOutput output) {
      this.id = id;
      this.output = output;
    }

    WorkEvent.Failure failure() {
      return timedOut ? WorkEvent.Failure.TIMED_OUT : WorkEvent.Failure.CANCELLED;
    }

    @Override
    public String workId() {
      return id;
    }

    @Override
    public void emit(JsonNode payload) {
      output.emit(payload);
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
  private static final String WORK_TIMER = "work-timeout";
  private static final String STOP_TIMER = "stop-overdue";

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final WorkerHandler handler;
  private final Duration leaseIdleTimeout;
  private final int recycleAfterLeases;
  private final Duration workTimeout;
  private final Duration stopDeadline;
  private final ActorRef<WorkerSlot.Command> slot;
  private final String incarnation;
  private final TransitionLog<WorkerState> log;
  private final ExecutorService executor;
  private ActorRef<Supervisor.Command> supervisor;
  private int slotId = -1;
  private int leasesServed;
  /** Moves not yet reported to the supervisor, oldest first ({@link #REPORT_WITHIN}). */
  private final List<Transition<WorkerState>> unreported = new java.util.ArrayList<>();
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
    this.workTimeout = settings.workTimeout();
    this.stopDeadline = settings.cancelGracePeriod().plus(PoolSettings.STOP_MARGIN);
    this.slot = settings.slot();
    this.incarnation = settings.incarnation();
    this.executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "drover-worker-handler");
      t.setDaemon(true);
      return t;
    });
    this.log = new TransitionLog<>("worker/" + context.getSelf().path().name(),
        settings.transitionLogSize(), WorkerState::allowed, this::report);
  }

  /**
   * What a worker needs to know at start.
   *
   * @param slot the slot to register with
   * @param incarnation the slot's incarnation, echoed in the registration
   * @param leaseIdleTimeout a lease with no running work ends after this long
   * @param recycleAfterLeases ask for a fresh JVM after this many leases, 0 for never
   * @param transitionLogSize transitions kept
   * @param workTimeout work without a timeout of its own is cancelled after this, zero: never
   * @param cancelGracePeriod a handler that has not returned this long (plus
   *     {@link PoolSettings#STOP_MARGIN}) after a cancel gets its worker replaced
   */
  public record WorkerSettings(
      ActorRef<WorkerSlot.Command> slot, String incarnation, Duration leaseIdleTimeout,
      int recycleAfterLeases, int transitionLogSize, Duration workTimeout,
      Duration cancelGracePeriod) {}

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

  private void report(Transition<WorkerState> t) {
    context.getSystem().eventStream().tell(new EventStream.Publish<>(t));
    if (supervisor == null) {
      return;
    }
    unreported.add(t);
    // a supervisor in this JVM gets every move at once: a local message costs next to nothing,
    // and tests on manual time see the pool as it is
    if (withinLease(t) && supervisor.path().address().hasGlobalScope()) {
      if (unreported.size() == 1) {
        timers.startSingleTimer(ReportDue.class, new ReportDue(), REPORT_WITHIN);
      }
      return;
    }
    reportHeldBack();
  }

  /** A move between Reserved and Busy: work started or ended under the same lease. */
  private static boolean withinLease(Transition<WorkerState> t) {
    return (t.from() == WorkerState.RESERVED && t.to() == WorkerState.BUSY)
        || (t.from() == WorkerState.BUSY && t.to() == WorkerState.RESERVED);
  }

  /** Sends the moves not yet reported to the supervisor, oldest first, in one message. */
  private void reportHeldBack() {
    if (unreported.isEmpty()) {
      return;
    }
    timers.cancel(ReportDue.class);
    supervisor.tell(new Supervisor.WorkerStateChanged(slotId, incarnation,
        List.copyOf(unreported)));
    unreported.clear();
  }

  private Behavior<Command> starting() {
    log.record(WorkerState.STARTING,
        "worker started in process " + ProcessHandle.current().pid());
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
    log.record(WorkerState.IDLE, cause);
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
        .onMessage(SubmitPart.class, p -> refuse(p.replyTo(), p.leaseId(), p.workId(),
            Refusal.NOT_LEASE_HOLDER, "worker is not leased"))
        .onMessage(OutputAck.class, a -> Behaviors.same())
        .onMessage(WorkTimedOut.class, t -> Behaviors.same())
        .onMessage(StopOverdue.class, t -> Behaviors.same())
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
    return reserved(lease, cause, new InputParts(null));
  }

  /** Leased, no work running; {@code parts} holds the frames of an input still coming. */
  private Behavior<Command> reserved(Lease lease, String cause, InputParts parts) {
    if (parts.workId == null) {
      timers.startSingleTimer(LEASE_IDLE_TIMER, new LeaseIdle(lease.id()), leaseIdleTimeout);
      log.record(WorkerState.RESERVED, cause);
    }
    return common()
        .onMessage(Reserve.class, r -> refuseReservation(r, "already leased"))
        .onMessage(SubmitPart.class, p -> {
          if (!holds(lease, p.leaseId(), p.replyTo())) {
            return refuse(p.replyTo(), p.leaseId(), p.workId(), Refusal.NOT_LEASE_HOLDER,
                "worker is leased to another client");
          }
          InputParts next = p.workId().equals(parts.workId) ? parts : new InputParts(p.workId());
          String problem = next.add(p.index(), p.data());
          if (problem != null) {
            refuse(p.replyTo(), p.leaseId(), p.workId(), Refusal.UNKNOWN_WORK, problem);
            return reserved(lease, cause, new InputParts(null));
          }
          return reserved(lease, cause, next);
        })
        .onMessage(Submit.class, s -> {
          if (!holds(lease, s.leaseId(), s.replyTo())) {
            return refuse(s.replyTo(), s.leaseId(), s.workId(), Refusal.NOT_LEASE_HOLDER,
                "worker is leased to another client");
          }
          JsonNode input = s.input();
          if (s.inputFrames() > 0) {
            if (!s.workId().equals(parts.workId) || parts.count != s.inputFrames()) {
              refuse(s.replyTo(), s.leaseId(), s.workId(), Refusal.UNKNOWN_WORK,
                  "input of work " + s.workId() + " incomplete: " + (s.workId().equals(
                      parts.workId) ? parts.count : 0) + " of " + s.inputFrames() + " frames");
              return reserved(lease, "incomplete input refused", new InputParts(null));
            }
            try {
              input = Frames.decode(parts.bytes());
            } catch (RuntimeException e) {
              refuse(s.replyTo(), s.leaseId(), s.workId(), Refusal.UNKNOWN_WORK,
                  "input of work " + s.workId() + " cannot be decoded: " + e.getMessage());
              return reserved(lease, "undecodable input refused", new InputParts(null));
            }
          }
          timers.cancel(LEASE_IDLE_TIMER);
          RunningWork work = new RunningWork(s.workId(), new WorkOutput(lease.holder(),
              lease.id(), s.workId(), s.outputWindow(), leaseIdleTimeout));
          Duration timeout = s.timeout() != null ? s.timeout() : workTimeout;
          if (timeout != null && !timeout.isZero() && !timeout.isNegative()) {
            timers.startSingleTimer(WORK_TIMER, new WorkTimedOut(work.id), timeout);
          }
          run(work, input);
          return busy(lease, work, false);
        })
        .onMessage(OutputAck.class, a -> Behaviors.same())
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
        .onMessage(WorkTimedOut.class, t -> Behaviors.same())
        .onMessage(StopOverdue.class, t -> Behaviors.same())
        .build();
  }

  /** The frames of one input as they arrive, in order. */
  private static final class InputParts {
    final String workId;
    final java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream();
    int count;

    InputParts(String workId) {
      this.workId = workId;
    }

    /** Adds frame {@code index}; a problem when it is out of order or too much. */
    String add(int index, byte[] data) {
      if (index != count) {
        return "input frame " + index + " of work " + workId + " out of order (expected "
            + count + ")";
      }
      if (buffer.size() + (long) data.length > MAX_INPUT_BYTES) {
        return "input of work " + workId + " exceeds " + MAX_INPUT_BYTES + " bytes";
      }
      buffer.writeBytes(data);
      count++;
      return null;
    }

    byte[] bytes() {
      return buffer.toByteArray();
    }
  }

  /**
   * Running {@code work}. {@code ending}: the lease ends once it stops. A cancel, a timeout or
   * the end of the lease stops the work; a handler that has not returned
   * {@code cancel-grace-period} (plus a margin) later has its worker replaced.
   */
  private Behavior<Command> busy(Lease lease, RunningWork work, boolean ending) {
    log.record(WorkerState.BUSY, ending ? "ending lease once work " + work.id + " stops"
        : "running work " + work.id);
    return common()
        .onMessage(Reserve.class, r -> refuseReservation(r, "already leased"))
        .onMessage(Submit.class, s -> holds(lease, s.leaseId(), s.replyTo())
            ? refuse(s.replyTo(), s.leaseId(), s.workId(), Refusal.BUSY,
                "work " + work.id + " is still running")
            : refuse(s.replyTo(), s.leaseId(), s.workId(), Refusal.NOT_LEASE_HOLDER,
                "worker is leased to another client"))
        .onMessage(SubmitPart.class, p -> holds(lease, p.leaseId(), p.replyTo())
            ? refuse(p.replyTo(), p.leaseId(), p.workId(), Refusal.BUSY,
                "work " + work.id + " is still running")
            : refuse(p.replyTo(), p.leaseId(), p.workId(), Refusal.NOT_LEASE_HOLDER,
                "worker is leased to another client"))
        .onMessage(OutputAck.class, a -> {
          if (a.leaseId().equals(lease.id()) && a.workId().equals(work.id)) {
            work.output.acknowledged(a.bytes());
          }
          return Behaviors.same();
        })
        .onMessage(Cancel.class, c -> {
          if (!holds(lease, c.leaseId(), c.replyTo())) {
            return refuse(c.replyTo(), c.leaseId(), c.workId(), Refusal.NOT_LEASE_HOLDER,
                "worker is leased to another client");
          }
          if (!work.id.equals(c.workId())) {
            return refuse(c.replyTo(), c.leaseId(), c.workId(), Refusal.UNKNOWN_WORK,
                "work " + c.workId() + " is not running");
          }
          stop(work);
          return Behaviors.same();
        })
        .onMessage(Release.class, r -> {
          if (!holds(lease, r.leaseId(), r.replyTo())) {
            return refuse(r.replyTo(), r.leaseId(), null, Refusal.NOT_LEASE_HOLDER,
                "worker is leased to another client");
          }
          stop(work);
          return ending ? Behaviors.same() : busy(lease, work, true);
        })
        .onMessage(HolderTerminated.class, h -> {
          if (!forget(h).equals(lease.holder())) {
            return Behaviors.same();
          }
          work.output.close();
          stop(work);
          return ending ? Behaviors.same() : busy(lease, work, true);
        })
        .onMessage(WorkTimedOut.class, t -> {
          if (t.workId().equals(work.id)) {
            context.getLog().info("work {} ran past its timeout: cancelled", work.id);
            work.timedOut = true;
            stop(work);
          }
          return Behaviors.same();
        })
        .onMessage(StopOverdue.class, t -> {
          if (!t.workId().equals(work.id)) {
            return Behaviors.same();
          }
          String reason = "work " + work.id + (work.timedOut ? " timed out" : " was cancelled")
              + " and its handler did not stop within " + stopDeadline + "; worker replaced";
          context.getLog().warn("{}", reason);
          work.output.close();
          lease.holder().tell(new WorkEvent.WorkFailed(lease.id(), work.id, reason,
              work.failure(), work.output.frames()));
          slot.tell(new WorkerSlot.Recycle(incarnation, reason, work.timedOut));
          return recycling(reason);
        })
        .onMessage(LeaseIdle.class, l -> Behaviors.same())
        .onMessage(WorkDone.class, d -> {
          if (!d.workId().equals(work.id)) {
            return Behaviors.same();
          }
          timers.cancel(WORK_TIMER);
          timers.cancel(STOP_TIMER);
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

  /** Cancels {@code work} and gives its handler until the stop deadline to return. */
  private void stop(RunningWork work) {
    if (!work.isCancelled()) {
      timers.startSingleTimer(STOP_TIMER, new StopOverdue(work.id), stopDeadline);
    }
    work.cancel();
  }

  private Behavior<Command> stopping(String cause) {
    log.record(WorkerState.STOPPING, cause);
    return Behaviors.stopped();
  }

  /** Stopping, but left for the slot to kill with its JVM, so the slot sees no failure. */
  private Behavior<Command> recycling(String cause) {
    log.record(WorkerState.STOPPING, cause);
    return common()
        .onMessage(Reserve.class, r -> refuseReservation(r, "stopping"))
        .onMessage(Submit.class, s -> refuse(s.replyTo(), s.leaseId(), s.workId(),
            Refusal.NOT_LEASE_HOLDER, "worker is stopping"))
        .onMessage(SubmitPart.class, p -> Behaviors.same())
        .onMessage(OutputAck.class, a -> Behaviors.same())
        .onMessage(Cancel.class, c -> Behaviors.same())
        .onMessage(Release.class, r -> Behaviors.same())
        .onMessage(HolderTerminated.class, h -> {
          forget(h);
          return Behaviors.same();
        })
        .onMessage(LeaseIdle.class, l -> Behaviors.same())
        .onMessage(WorkDone.class, d -> Behaviors.same())
        .onMessage(WorkTimedOut.class, t -> Behaviors.same())
        .onMessage(StopOverdue.class, t -> Behaviors.same())
        .build();
  }

  /** Handlers every state shares: heartbeats and the slot's stop. */
  private BehaviorBuilder<Command> common() {
    return Behaviors.receive(Command.class)
        .onMessage(Ping.class, this::onPing)
        .onMessage(Stop.class, this::onStop)
        .onMessage(Registered.class, r -> Behaviors.same())
        .onMessage(ReportDue.class, r -> {
          reportHeldBack();
          return Behaviors.same();
        })
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
          "served " + leasesServed + " leases (recycle-after-leases " + recycleAfterLeases + ")",
          false));
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
      WorkDone done;
      try {
        JsonNode result = handler.handle(input, work);
        if (work.isCancelled()) {
          done = failed(work, "cancelled", work.failure());
        } else {
          try {
            // the end goes out after every payload, and a result too large for one message
            // goes out in frames before it
            JsonNode inline = work.output.result(result);
            done = new WorkDone(work.id, inline, null, null, work.output.frames());
          } catch (RuntimeException e) {
            done = failed(work, "the result cannot be sent: " + message(e),
                WorkEvent.Failure.ERROR);
          }
        }
      } catch (Exception | LinkageError e) {
        done = work.isCancelled()
            ? failed(work, (work.timedOut ? "timed out: " : "cancelled: ") + message(e),
                work.failure())
            : failed(work, message(e), WorkEvent.Failure.ERROR);
      }
      current = null;
      if (ProcessLedger.thisJvmIsEnding()) {
        return; // killed with this orphaned worker JVM, which halts: no result to tell
      }
      self.tell(done);
    });
  }

  private static WorkDone failed(RunningWork work, String error, WorkEvent.Failure failure) {
    return new WorkDone(work.id, null,
        failure == WorkEvent.Failure.TIMED_OUT && !error.startsWith("timed out")
            ? "timed out: " + error : error, failure, work.output.frames());
  }

  private static String message(Throwable e) {
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  /** The holder of {@code h}, no longer watched (its actor is gone). */
  private ActorRef<WorkEvent> forget(HolderTerminated h) {
    watchedHolders.remove(h.holder());
    return h.holder();
  }

  private static WorkEvent outcome(Lease lease, WorkDone d) {
    return d.error() == null
        ? new WorkEvent.WorkSucceeded(lease.id(), d.workId(), d.result(), d.frames())
        : new WorkEvent.WorkFailed(lease.id(), d.workId(), d.error(), d.failure(), d.frames());
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
