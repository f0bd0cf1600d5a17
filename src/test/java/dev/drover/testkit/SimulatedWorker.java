package dev.drover.testkit;

import dev.drover.node.Worker;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Signal;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * One incarnation of an in-process worker as a simulation holds it: the faults it is to suffer
 * and what it was asked to serve. Its gate sits in front of the real {@link Worker} behaviour and
 * sees every message first, so a fault is injected the way the fault happens (a killed worker's
 * actor stops; a hung one stops reading its mailbox, heartbeats included) without any hook in
 * the worker itself.
 */
public final class SimulatedWorker {
  private final String kind;
  private final int slot;
  private final String incarnation;
  private final Violations violations;
  private volatile ActorRef<Worker.Command> ref;
  private volatile boolean killed;
  private volatile boolean hung;
  private volatile boolean stopped;
  private volatile Duration delay = Duration.ZERO;
  private final AtomicInteger toDelay = new AtomicInteger();
  /** Which lease each submitted work came under, and which client each lease is for. */
  private final Map<String, String> leaseOfWork = new ConcurrentHashMap<>();
  private final Map<String, String> clientOfLease = new ConcurrentHashMap<>();
  /** Read and written by the handler's thread only. */
  private String servedLease;
  private final Set<String> endedLeases = ConcurrentHashMap.newKeySet();
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger reservations = new AtomicInteger();

  SimulatedWorker(String kind, int slot, String incarnation, Violations violations) {
    this.kind = kind;
    this.slot = slot;
    this.incarnation = incarnation;
    this.violations = violations;
  }

  public String kind() {
    return kind;
  }

  public int slot() {
    return slot;
  }

  public String incarnation() {
    return incarnation;
  }

  /** The worker actor, once it started. */
  public ActorRef<Worker.Command> ref() {
    return ref;
  }

  public boolean killed() {
    return killed;
  }

  public boolean hung() {
    return hung;
  }

  /** How many reservations the supervisor sent this worker. */
  public int reservations() {
    return reservations.get();
  }

  /** Whether its actor stopped: killed, retired, recycled or replaced. */
  public boolean stopped() {
    return stopped;
  }

  @Override
  public String toString() {
    return "worker " + kind + "/" + slot + "#" + incarnation;
  }

  // ---- faults, from the test's thread ----

  void kill() {
    killed = true;
    poke();
  }

  void hang() {
    hung = true;
    poke();
  }

  void delayNext(int messages, Duration by) {
    delay = by;
    toDelay.set(messages);
  }

  /** Makes the gate look at its flags now rather than at the next heartbeat. */
  private void poke() {
    ActorRef<Worker.Command> r = ref;
    if (r != null) {
      r.tell(new Worker.Ping(-1, null));
    }
  }

  // ---- what the worker is asked, from its gate ----

  void reserved(String leaseId, String clientId) {
    reservations.incrementAndGet();
    clientOfLease.put(leaseId, clientId);
  }

  void submitted(String workId, String leaseId) {
    leaseOfWork.put(workId, leaseId);
  }

  // ---- what the handler is given, from the handler's thread ----

  /**
   * The handler starts work {@code workId}. A worker serves one lease at a time, so once it
   * served another lease it never serves an earlier one again, and never runs two pieces of
   * work at once.
   */
  void workStarts(String workId) {
    if (running.incrementAndGet() > 1) {
      violations.add(this + " runs two pieces of work at once (" + workId + ")");
    }
    String lease = leaseOfWork.get(workId);
    if (lease == null) {
      violations.add(this + " runs work " + workId + " that no lease holder submitted to it");
      return;
    }
    if (!lease.equals(servedLease)) {
      if (servedLease != null) {
        endedLeases.add(servedLease);
      }
      if (endedLeases.contains(lease)) {
        violations.add(this + " serves lease " + lease + " of client " + clientOfLease.get(lease)
            + " again after serving lease " + servedLease + " of client "
            + clientOfLease.get(servedLease));
      }
      servedLease = lease;
    }
  }

  void workEnds() {
    running.decrementAndGet();
  }

  /** Wraps the worker's behaviour in this worker's gate. */
  Behavior<Worker.Command> gate(Behavior<Worker.Command> worker) {
    return Behaviors.setup(ctx -> {
      ref = ctx.getSelf();
      return Behaviors.intercept(Gate::new, worker);
    });
  }

  /** Sees each message before the worker does; one per actor (Pekko asks for a fresh one). */
  private final class Gate extends BehaviorInterceptor<Worker.Command, Worker.Command> {
    /**
     * Messages sent again after their delay, which pass the second time: by value, as the test
     * JVMs serialize every message (serialize-messages), so what comes back is a copy.
     */
    private final Set<Worker.Command> delayed = new HashSet<>();

    Gate() {
      super(Worker.Command.class);
    }

    @Override
    public Behavior<Worker.Command> aroundReceive(
        TypedActorContext<Worker.Command> ctx, Worker.Command msg,
        ReceiveTarget<Worker.Command> target) {
      if (killed) {
        return Behaviors.stopped();
      }
      if (msg instanceof Worker.Ping p && p.replyTo() == null) {
        return Behaviors.same();
      }
      if (hung) {
        return Behaviors.same();
      }
      if (!delayed.remove(msg) && toDelay.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        delayed.add(msg);
        ctx.asJava().scheduleOnce(delay, ctx.asJava().getSelf(), msg);
        return Behaviors.same();
      }
      if (msg instanceof Worker.Reserve r) {
        reserved(r.leaseId(), r.clientId());
      } else if (msg instanceof Worker.Submit s) {
        submitted(s.workId(), s.leaseId());
      }
      return target.apply(ctx, msg);
    }

    @Override
    public Behavior<Worker.Command> aroundSignal(
        TypedActorContext<Worker.Command> ctx, Signal signal, SignalTarget<Worker.Command> target) {
      if (signal instanceof PostStop) {
        stopped = true;
      }
      return target.apply(ctx, signal);
    }
  }
}
