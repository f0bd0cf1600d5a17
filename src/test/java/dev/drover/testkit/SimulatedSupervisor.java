package dev.drover.testkit;

import dev.drover.node.PoolSettings;
import dev.drover.node.PoolStatus;
import dev.drover.node.Supervisor;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A supervisor of a simulation, with its in-process pool: spawned under the name clients look
 * for, restarted by its parent when it crashes (as a host's guardian would), stopped and started
 * again on demand.
 */
public final class SimulatedSupervisor {
  private static final Duration ASK = Duration.ofSeconds(5);

  private final PoolSettings settings;
  private final SimulatedWorkers workers;
  private final ActorTestKit kit;
  private volatile ActorRef<Supervisor.Command> ref;
  private volatile boolean crash;
  private volatile boolean running;
  private volatile Duration delay = Duration.ZERO;
  private final AtomicInteger toDelay = new AtomicInteger();

  /** The crash a simulation injects; the supervisor's parent restarts it. */
  static final class SimulatedCrash extends RuntimeException {
    SimulatedCrash() {
      super("simulated crash", null, false, false);
    }
  }

  SimulatedSupervisor(PoolSettings settings, SimulatedWorkers workers, ActorTestKit kit) {
    this.settings = settings;
    this.workers = workers;
    this.kit = kit;
  }

  public String kind() {
    return settings.kind();
  }

  public PoolSettings settings() {
    return settings;
  }

  /** The supervisor actor; a new one after {@link Faults#stopSupervisor} and a start. */
  public ActorRef<Supervisor.Command> ref() {
    return ref;
  }

  /** Whether it runs (it was not stopped, or was started again). */
  public boolean running() {
    return running;
  }

  /** The pool's status, as the supervisor answers it. */
  public PoolStatus status() {
    try {
      return AskPattern.<Supervisor.Command, PoolStatus>ask(ref, Supervisor.GetStatus::new, ASK,
          kit.system().scheduler()).toCompletableFuture().get(ASK.toMillis() * 2,
              TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (Exception e) {
      throw new AssertionError("supervisor of '" + kind() + "' did not answer a status query", e);
    }
  }

  SimulatedWorkers workers() {
    return workers;
  }

  void start() {
    Behavior<Supervisor.Command> gated =
        Behaviors.intercept(CrashGate::new, Supervisor.create(settings, workers.launcher()));
    ref = kit.spawn(Behaviors.supervise(gated)
        .onFailure(SimulatedCrash.class, SupervisorStrategy.restart()),
        Supervisor.actorName(settings.kind()));
    running = true;
  }

  void crash() {
    crash = true;
    ref.tell(new Supervisor.ResetPool("simulated crash"));
  }

  void delayNext(int messages, Duration by) {
    delay = by;
    toDelay.set(messages);
  }

  void stop() {
    running = false;
    kit.stop(ref, Duration.ofSeconds(30));
  }

  /**
   * Throws the simulated crash in the supervisor's own thread at its next message, and delays
   * the messages it is told to delay.
   */
  private final class CrashGate extends BehaviorInterceptor<Supervisor.Command, Supervisor.Command> {
    /**
     * Messages sent again after their delay, which pass the second time: by value, as the test
     * JVMs serialize every message (serialize-messages), so what comes back is a copy.
     */
    private final Set<Supervisor.Command> delayed = new HashSet<>();

    CrashGate() {
      super(Supervisor.Command.class);
    }

    @Override
    public Behavior<Supervisor.Command> aroundReceive(
        TypedActorContext<Supervisor.Command> ctx, Supervisor.Command msg,
        ReceiveTarget<Supervisor.Command> target) {
      if (crash) {
        crash = false;
        throw new SimulatedCrash();
      }
      if (!delayed.remove(msg) && toDelay.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        delayed.add(msg);
        ctx.asJava().scheduleOnce(delay, ctx.asJava().getSelf(), msg);
        return Behaviors.same();
      }
      return target.apply(ctx, msg);
    }
  }
}
