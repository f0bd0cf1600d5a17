package dev.drover.node;

import dev.drover.observe.TransitionLog;
import dev.drover.serialization.CborSerializable;
import java.time.Duration;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.apache.pekko.cluster.typed.Subscribe;
import org.apache.pekko.cluster.typed.Unsubscribe;

/**
 * One place in a supervisor's pool: owns one worker process at a time.
 *
 * <p>Each incarnation of the slot launches a worker and waits for its registration
 * ({@code Launching}), then pings it ({@code Ready}). The slot <em>fails</em> — and the
 * {@link SupervisorStrategy#restartWithBackoff restart-with-backoff} strategy it runs under
 * starts a new incarnation with a fresh process — when the process exits, the worker actor
 * terminates, the worker's cluster member becomes unreachable, a heartbeat goes unanswered for
 * {@code heartbeat-timeout}, or the worker does not register within
 * {@code registration-timeout}. Every restart and stop kills the old process tree first. More
 * than {@code restart.max-restarts} restarts without a calm {@code restart.within} stops the
 * slot for good, which the supervisor sees as its child failing.
 */
public final class WorkerSlot {

  /** The messages a slot accepts. */
  public sealed interface Command extends CborSerializable
      permits Register, Pong, Recycle, HeartbeatTick, ProcessExited, WorkerTerminated,
          MemberUnreachable, RegistrationTimedOut {}

  /** From the worker: it is up and listening. */
  public record Register(String incarnation, ActorRef<Worker.Command> worker, long pid)
      implements Command {}

  /** From the worker: the answer to a heartbeat. */
  public record Pong(String incarnation, long seq) implements Command {}

  /**
   * From the worker: replace my JVM, because the recycle policy says so or because a handler did
   * not stop its cancelled work ({@code workTimedOut} when that work had run past its timeout).
   */
  public record Recycle(String incarnation, String reason, boolean workTimedOut)
      implements Command {}

  record HeartbeatTick(String incarnation) implements Command {}

  record ProcessExited(String incarnation, int exitCode) implements Command {}

  /** The in-process worker actor stopped. */
  record WorkerTerminated(String incarnation) implements Command {}

  record MemberUnreachable(String address) implements Command {}

  record RegistrationTimedOut(String incarnation) implements Command {}

  /** Why a slot failed; the supervision strategy restarts it. */
  static final class SlotFailure extends RuntimeException {
    SlotFailure(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * The states of one incarnation of a slot. A failure is no transition: the supervision
   * strategy starts a new incarnation, which begins again at Launching.
   *
   * <pre>
   *   (start)   -> Launching
   *   Launching -> Ready
   *   Ready     -> Launching (recycled: a fresh JVM)
   * </pre>
   */
  enum State {
    LAUNCHING("Launching"),
    READY("Ready");

    private final String label;

    State(String label) {
      this.label = label;
    }

    @com.fasterxml.jackson.annotation.JsonValue
    public String label() {
      return label;
    }

    @Override
    public String toString() {
      return label;
    }

    /**

     * The transition table: whether a slot may move from {@code from} (null: none) to

     * {@code to}.

     */
    static boolean allowed(State from, State to) {
      if (from == null) {
        return to == LAUNCHING;
      }
      return switch (from) {
        case LAUNCHING -> to == READY;
        case READY -> to == LAUNCHING;
      };
    }
  }

  private static final String HEARTBEAT = "heartbeat";
  private static final String REGISTRATION = "registration";

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final int slotId;
  private final PoolSettings settings;
  private final WorkerLauncher launcher;
  private final ActorRef<Supervisor.Command> supervisor;
  private final ActorRef<ClusterEvent.UnreachableMember> unreachable;
  private final TransitionLog<State> log;
  private String incarnation;
  private WorkerProcess process;
  /** The registered worker's node when it is another JVM: downed in the cluster when killed. */
  private Address workerNode;

  private WorkerSlot(
      ActorContext<Command> context, TimerScheduler<Command> timers, int slotId,
      PoolSettings settings, WorkerLauncher launcher, ActorRef<Supervisor.Command> supervisor) {
    this.context = context;
    this.timers = timers;
    this.slotId = slotId;
    this.settings = settings;
    this.launcher = launcher;
    this.supervisor = supervisor;
    this.unreachable = context.messageAdapter(ClusterEvent.UnreachableMember.class,
        u -> new MemberUnreachable(u.member().address().toString()));
    this.log = new TransitionLog<>("slot/" + settings.kind() + "/" + slotId,
        settings.transitionLogSize(), State::allowed, t -> {
          context.getLog().debug("{}", t);
          context.getSystem().eventStream().tell(new EventStream.Publish<>(t));
        });
  }

  /** A slot under its restarting supervision strategy. */
  public static Behavior<Command> create(
      int slotId, PoolSettings settings, WorkerLauncher launcher,
      ActorRef<Supervisor.Command> supervisor) {
    Behavior<Command> slot = Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new WorkerSlot(ctx, timers, slotId, settings, launcher, supervisor).launch()));
    return Behaviors.supervise(slot).onFailure(SlotFailure.class,
        SupervisorStrategy.restartWithBackoff(
                settings.restartMinBackoff(), settings.restartMaxBackoff(),
                settings.restartRandomFactor())
            .withMaxRestarts(settings.maxRestarts())
            .withResetBackoffAfter(settings.restartWindow())
            .withLoggingEnabled(false));
  }

  /** Starts a new worker process (first, or replacing a recycled one) and waits for it. */
  private Behavior<Command> launch() {
    incarnation = UUID.randomUUID().toString().substring(0, 8);
    try {
      process = launcher.launch(
          new WorkerLauncher.LaunchRequest(settings, slotId, incarnation, context.getSelf()),
          context);
    } catch (Exception e) {
      throw fail("cannot start a worker: " + e);
    }
    supervisor.tell(new Supervisor.SlotLaunched(slotId, incarnation, process.pid()));
    String inc = incarnation;
    context.pipeToSelf(process.exited(),
        (code, error) -> new ProcessExited(inc, code == null ? -1 : code));
    timers.startSingleTimer(REGISTRATION, new RegistrationTimedOut(inc),
        settings.registrationTimeout());
    Cluster.get(context.getSystem()).subscriptions().tell(
        Subscribe.create(unreachable, ClusterEvent.UnreachableMember.class));
    return launching("launched worker process " + process.pid() + " (" + incarnation + ")");
  }

  private Behavior<Command> launching(String cause) {
    log.record(State.LAUNCHING, cause);
    return withLifecycle(Behaviors.receive(Command.class))
        .onMessage(Register.class, r -> {
          if (!r.incarnation().equals(incarnation)) {
            return Behaviors.same();
          }
          timers.cancel(REGISTRATION);
          Address node = r.worker().path().address();
          workerNode = node.hasGlobalScope() ? node : null;
          r.worker().tell(new Worker.Registered(slotId, supervisor));
          supervisor.tell(new Supervisor.SlotReady(
              slotId, incarnation, r.worker(), r.pid(), r.worker().path().address().toString()));
          timers.startTimerAtFixedRate(HEARTBEAT, new HeartbeatTick(incarnation),
              settings.heartbeatInterval());
          log.record(State.READY, "worker registered from " + r.worker().path().address());
          return ready(r.worker(), 0, 0, false);
        })
        .onMessage(RegistrationTimedOut.class, t -> {
          if (!t.incarnation().equals(incarnation)) {
            return Behaviors.same();
          }
          throw fail("worker did not register within registration-timeout "
              + settings.registrationTimeout() + " (" + process.describe() + ")");
        })
        .onMessage(Pong.class, p -> Behaviors.same())
        .onMessage(HeartbeatTick.class, t -> Behaviors.same())
        .onMessage(MemberUnreachable.class, m -> Behaviors.same())
        .build();
  }

  /**
   * The worker registered and is pinged every {@code heartbeat-interval}. Silence is counted in
   * heartbeats sent since the last answer, not read from a clock, so the actor scheduler (and a
   * test's manual time) alone decides when a worker counts as hung.
   */
  private Behavior<Command> ready(
      ActorRef<Worker.Command> worker, int unanswered, long seq, boolean answered) {
    String workerAddress = worker.path().address().toString();
    return withLifecycle(Behaviors.receive(Command.class))
        .onMessage(HeartbeatTick.class, t -> {
          if (!t.incarnation().equals(incarnation)) {
            return Behaviors.same();
          }
          Duration silent = settings.heartbeatInterval().multipliedBy(unanswered);
          // a JVM that just registered is still loading classes: until its first answer it
          // gets three heartbeat timeouts, afterwards one
          Duration limit = answered
              ? settings.heartbeatTimeout() : settings.heartbeatTimeout().multipliedBy(3);
          if (silent.compareTo(limit) > 0) {
            throw fail("worker missed heartbeats for " + silent.toMillis() + " ms (limit " + limit
                + "): hung? (" + process.describe() + ")");
          }
          worker.tell(new Worker.Ping(seq + 1, context.getSelf()));
          return ready(worker, unanswered + 1, seq + 1, answered);
        })
        .onMessage(Pong.class, p -> {
          if (!p.incarnation().equals(incarnation)) {
            return Behaviors.same();
          }
          return ready(worker, 0, seq, true);
        })
        .onMessage(MemberUnreachable.class, m -> {
          if (m.address().equals(workerAddress) && !workerAddress.equals(
              context.getSystem().address().toString())) {
            throw fail("worker's cluster member " + m.address() + " became unreachable ("
                + process.describe() + ")");
          }
          return Behaviors.same();
        })
        .onMessage(Register.class, r -> Behaviors.same())
        .onMessage(RegistrationTimedOut.class, t -> Behaviors.same())
        .build();
  }

  /** Handlers every state shares: the end of the process, recycling, and clean-up. */
  private BehaviorBuilder<Command> withLifecycle(BehaviorBuilder<Command> builder) {
    return builder
        .onMessage(ProcessExited.class, e -> {
          if (!e.incarnation().equals(incarnation)) {
            return Behaviors.same();
          }
          throw fail("worker process exited with code " + e.exitCode() + " ("
              + process.describe() + ")");
        })
        .onMessage(WorkerTerminated.class, t -> {
          if (!t.incarnation().equals(incarnation)) {
            return Behaviors.same();
          }
          throw fail("worker actor terminated (" + process.describe() + ")");
        })
        .onMessage(Recycle.class, r -> {
          if (!r.incarnation().equals(incarnation)) {
            return Behaviors.same();
          }
          release();
          supervisor.tell(
              new Supervisor.SlotRecycling(slotId, incarnation, r.reason(), r.workTimedOut()));
          return launch();
        })
        .onSignal(PreRestart.class, s -> {
          release();
          return Behaviors.same();
        })
        .onSignal(PostStop.class, s -> {
          release();
          return Behaviors.same();
        });
  }

  /**
   * Kills the current process and forgets its timers and subscriptions. The killed JVM's member
   * is downed at once: left to the failure detector and the split-brain resolver, a dead member
   * would keep new members from becoming Up for their whole stable-after time.
   */
  private void release() {
    timers.cancelAll();
    Cluster cluster = Cluster.get(context.getSystem());
    cluster.subscriptions().tell(new Unsubscribe<>(unreachable));
    if (process != null) {
      process.kill();
      process = null;
    }
    if (workerNode != null) {
      cluster.manager().tell(new Down(workerNode));
      workerNode = null;
    }
  }

  private SlotFailure fail(String cause) {
    context.getLog().warn("worker slot {} of kind '{}' failed: {}", slotId, settings.kind(), cause);
    supervisor.tell(new Supervisor.SlotFailed(slotId, incarnation, cause));
    return new SlotFailure(cause);
  }
}
