package dev.drover.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import dev.drover.node.PoolStatus;
import dev.drover.node.WorkerLease;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * A random load on one pool of a simulation: each step either starts a session on a client (lease
 * a worker, run one to three pieces of work, release) or injects a fault, chosen from the
 * simulation's seed; the invariants are checked after each step. At most
 * {@link #maxInFlight} sessions run at once, so the steps keep pace with the pool.
 */
public final class RandomLoad {
  private final DroverSimulation simulation;
  private final String kind;
  private int clients = 10;
  private int steps = 100;
  private int maxInFlight = 50;
  private Duration requestTimeout = Duration.ofSeconds(2);
  private IntFunction<JsonNode> input = IntNode::valueOf;
  /** Per 10,000 steps. */
  private int kills = 40;
  private int hangs = 15;
  private int delays = 40;
  private int drops = 20;
  private int crashes = 2;
  private int stops = 1;

  private final AtomicLong sessions = new AtomicLong();
  private final AtomicLong granted = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong succeeded = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();

  private RandomLoad(DroverSimulation simulation, String kind) {
    this.simulation = simulation;
    this.kind = kind;
  }

  /** A load on the pool of {@code kind}. */
  public static RandomLoad on(DroverSimulation simulation, String kind) {
    return new RandomLoad(simulation, kind);
  }

  public RandomLoad clients(int n) {
    clients = n;
    return this;
  }

  public RandomLoad steps(int n) {
    steps = n;
    return this;
  }

  /** How many sessions may run at once; a step waits for one to end beyond that. */
  public RandomLoad maxInFlight(int n) {
    maxInFlight = n;
    return this;
  }

  public RandomLoad requestTimeout(Duration timeout) {
    requestTimeout = timeout;
    return this;
  }

  /** The input of each piece of work, from a number the seed draws. */
  public RandomLoad input(IntFunction<JsonNode> input) {
    this.input = input;
    return this;
  }

  /**
   * How many faults of each kind to inject per 10,000 steps: worker kills, hangs and message
   * delays, client drops, supervisor crashes and stops (each stop starts it again).
   */
  public RandomLoad faultsPer10000(int kills, int hangs, int delays, int drops, int crashes,
      int stops) {
    this.kills = kills;
    this.hangs = hangs;
    this.delays = delays;
    this.drops = drops;
    this.crashes = crashes;
    this.stops = stops;
    return this;
  }

  /**
   * What a run did.
   *
   * @param seconds the wall time of the steps and of settling after them
   */
  public record Report(int clients, int maxWorkers, long steps, double seconds,
      Map<String, Integer> faults, long invariantChecks, long sessions, long leasesGranted,
      long requestsRefused, long worksSucceeded, long worksFailed) {
    @Override
    public String toString() {
      return String.format("%d clients x %d workers x %d steps in %.1f s: %d faults %s, "
              + "%d invariant checks, %d sessions (%d leases, %d requests refused), "
              + "%d works succeeded, %d failed",
          clients, maxWorkers, steps, seconds, faults.values().stream().mapToInt(i -> i).sum(),
          faults, invariantChecks, sessions, leasesGranted, requestsRefused, worksSucceeded,
          worksFailed);
    }
  }

  /** One client and whether a session of it runs. */
  private static final class Seat {
    volatile SimulatedClient client;
    volatile boolean busy;

    Seat(SimulatedClient client) {
      this.client = client;
    }
  }

  /** Runs the steps, then waits for the simulation to settle; fails on a broken invariant. */
  public Report run() {
    List<Seat> seats = new ArrayList<>();
    simulation.clients(kind, clients).forEach(c -> seats.add(new Seat(c)));
    Semaphore inFlight = new Semaphore(maxInFlight);
    Random random = simulation.random();
    long checksBefore = simulation.invariants().checks();
    Map<String, Integer> faultsBefore = simulation.faults().injected();
    long start = System.nanoTime();
    for (int i = 0; i < steps; i++) {
      // the same draws every step, whatever the state: a seed replays the same choices
      int action = random.nextInt(10_000);
      Seat seat = seats.get(random.nextInt(seats.size()));
      int works = 1 + random.nextInt(3);
      int value = random.nextInt(1000);
      int aux = random.nextInt(Integer.MAX_VALUE);
      simulation.step(describe(action), () -> act(action, seat, works, value, aux, inFlight));
    }
    simulation.step("settle", simulation::settle);
    double seconds = (System.nanoTime() - start) / 1e9;
    Map<String, Integer> faults = new java.util.TreeMap<>(simulation.faults().injected());
    faultsBefore.forEach((k, v) -> faults.merge(k, -v, Integer::sum));
    faults.values().removeIf(v -> v == 0);
    return new Report(clients, simulation.supervisor(kind).settings().max(), steps, seconds,
        faults, simulation.invariants().checks() - checksBefore, sessions.get(), granted.get(),
        refused.get(), succeeded.get(), failed.get());
  }

  private String describe(int action) {
    int t = 0;
    for (String fault : List.of("kill a worker", "hang a worker", "delay a worker's messages",
        "drop a client", "crash the supervisor", "stop and start the supervisor")) {
      t += threshold(fault);
      if (action < t) {
        return fault;
      }
    }
    return "a client's session";
  }

  private int threshold(String fault) {
    return switch (fault) {
      case "kill a worker" -> kills;
      case "hang a worker" -> hangs;
      case "delay a worker's messages" -> delays;
      case "drop a client" -> drops;
      case "crash the supervisor" -> crashes;
      default -> stops;
    };
  }

  private void act(int action, Seat seat, int works, int value, int aux, Semaphore inFlight)
      throws InterruptedException {
    Faults faults = simulation.faults();
    switch (describe(action)) {
      case "kill a worker" -> slot(aux).ifPresent(s -> faults.killWorker(kind, s));
      case "hang a worker" -> slot(aux).ifPresent(s -> faults.hangWorker(kind, s));
      case "delay a worker's messages" -> slot(aux).ifPresent(s ->
          faults.delayWorker(kind, s, 1 + aux % 5, Duration.ofMillis(aux % 300)));
      case "drop a client" -> {
        faults.dropClient(seat.client);
        seat.client = simulation.client(kind);
      }
      case "crash the supervisor" -> faults.crashSupervisor(kind);
      case "stop and start the supervisor" -> {
        faults.stopSupervisor(kind);
        faults.startSupervisor(kind);
      }
      default -> {
        if (seat.busy) {
          return;
        }
        if (!inFlight.tryAcquire(60, TimeUnit.SECONDS)) {
          throw new AssertionError(maxInFlight + " sessions did not end within 60 s; open: "
              + simulation.open());
        }
        seat.busy = true;
        sessions.incrementAndGet();
        session(seat, seat.client, works, input.apply(value), inFlight);
      }
    }
  }

  /**
   * A worker picked by {@code aux}: an idle one or a leased one, by its parity, among those
   * whose current worker started (a slot being relaunched has none to aim at).
   */
  private java.util.Optional<Integer> slot(int aux) {
    PoolStatus status = simulation.supervisor(kind).status();
    List<Integer> started =
        simulation.workers(kind).current().stream().map(SimulatedWorker::slot).toList();
    List<Integer> slots = (aux % 2 == 0 ? PoolView.idleSlots(status)
        : PoolView.leasedSlots(status)).stream().filter(started::contains).toList();
    if (slots.isEmpty()) {
      slots = started;
    }
    return slots.isEmpty() ? java.util.Optional.empty()
        : java.util.Optional.of(slots.get((aux / 2) % slots.size()));
  }

  private void session(Seat seat, SimulatedClient client, int works, JsonNode in,
      Semaphore inFlight) {
    Runnable done = () -> {
      seat.busy = false;
      inFlight.release();
    };
    client.requestWorker(requestTimeout).whenComplete((lease, error) -> {
      if (error != null) {
        refused.incrementAndGet();
        done.run();
        return;
      }
      granted.incrementAndGet();
      work(client, lease, works, in, done);
    });
  }

  private void work(SimulatedClient client, WorkerLease lease, int left, JsonNode in,
      Runnable done) {
    if (left == 0) {
      client.release(lease).whenComplete((v, e) -> done.run());
      return;
    }
    client.submit(lease, in).result().whenComplete((result, error) -> {
      if (error == null) {
        succeeded.incrementAndGet();
      } else {
        failed.incrementAndGet();
      }
      if (lease.lost().toCompletableFuture().isDone() || client.dropped()) {
        done.run();
      } else {
        work(client, lease, left - 1, in, done);
      }
    });
  }
}
