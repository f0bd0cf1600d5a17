package dev.drover.testkit;

import dev.drover.node.PoolStatus;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What must hold after every step of a simulation:
 *
 * <ul>
 *   <li>a worker never serves two clients: once a worker ran work of one lease, it never runs
 *       work of an earlier lease again, and never two pieces of work at once (its gate and its
 *       handler watch this as it happens);
 *   <li>every submitted work ends exactly once: it never runs twice, work that succeeded ran
 *       exactly once, and, when the simulation settles, every request, work and release ended;
 *   <li>the pool stays within [min, max]: never more than max workers, never more than max
 *       leased, and at least min ready unless the pool is starting, failed, or replacing a
 *       worker;
 *   <li>no lease outlives its holder: a dropped client's leases end ({@link Faults#dropClient}
 *       waits for it), and when the simulation settles no lease is held by a dropped client.
 * </ul>
 */
public final class Invariants {
  private final DroverSimulation simulation;
  private final Violations violations;
  private final AtomicLong checks = new AtomicLong();

  Invariants(DroverSimulation simulation, Violations violations) {
    this.simulation = simulation;
    this.violations = violations;
  }

  /** Checks every invariant now; throws an {@link AssertionError} naming each broken one. */
  public void check() {
    List<String> seen = violations.all();
    if (!seen.isEmpty()) {
      throw new AssertionError("invariants broken:\n  " + String.join("\n  ", seen));
    }
    for (SimulatedSupervisor supervisor : simulation.supervisors()) {
      if (supervisor.running()) {
        checkPool(supervisor.status());
      }
    }
    checks.incrementAndGet();
  }

  /** How many checks passed. */
  public long checks() {
    return checks.get();
  }

  static void checkPool(PoolStatus s) {
    String pool = "pool '" + s.kind() + "' (" + s.state() + ", min " + s.min() + ", max "
        + s.max() + ")";
    if (s.workers().size() > s.max()) {
      throw new AssertionError(pool + " has " + s.workers().size() + " workers");
    }
    if (s.busy() > s.max()) {
      throw new AssertionError(pool + " has " + s.busy() + " leased workers");
    }
    if (!PoolView.settling(s) && !PoolView.replacing(s) && PoolView.readyWorkers(s) < s.min()) {
      throw new AssertionError(pool + " has only " + PoolView.readyWorkers(s)
          + " ready workers and replaces none: " + s.workers());
    }
  }

  /** The checks a settled simulation adds: nothing is left open, no dropped client holds. */
  void checkSettled(List<SimulatedClient> clients) {
    check();
    for (SimulatedClient c : clients) {
      if (c.dropped()) {
        SimulatedSupervisor supervisor = simulation.supervisor(c.kind());
        if (supervisor.running() && PoolView.holds(supervisor.status(), c.id())) {
          throw new AssertionError("the dropped " + c + " still holds a lease");
        }
      }
    }
  }
}
