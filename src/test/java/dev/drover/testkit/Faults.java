package dev.drover.testkit;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The faults a simulation injects: into workers (idle or busy), supervisors and clients. Each is
 * counted, so a run can say what it survived.
 */
public final class Faults {
  private final DroverSimulation simulation;
  private final Map<String, AtomicInteger> injected = new ConcurrentHashMap<>();

  Faults(DroverSimulation simulation) {
    this.simulation = simulation;
  }

  /** Stops the worker of {@code slot} at once, whatever it is doing: as if its JVM died. */
  public SimulatedWorker killWorker(String kind, int slot) {
    SimulatedWorker worker = simulation.workers(kind).slot(slot);
    worker.kill();
    count("kill worker");
    return worker;
  }

  /**
   * Freezes the worker of {@code slot}: it reads no message any more, heartbeats included, as a
   * SIGSTOPped JVM; its slot notices after {@code heartbeat-timeout} and replaces it.
   */
  public SimulatedWorker hangWorker(String kind, int slot) {
    SimulatedWorker worker = simulation.workers(kind).slot(slot);
    worker.hang();
    count("hang worker");
    return worker;
  }

  /** Delays each of the next {@code messages} messages to the worker of {@code slot} by {@code by}. */
  public SimulatedWorker delayWorker(String kind, int slot, int messages, Duration by) {
    SimulatedWorker worker = simulation.workers(kind).slot(slot);
    worker.delayNext(messages, by);
    count("delay messages");
    return worker;
  }

  /**
   * Delays each of the next {@code messages} messages to the supervisor of {@code kind} (from
   * clients, slots and workers alike) by {@code by}.
   */
  public void delaySupervisor(String kind, int messages, Duration by) {
    simulation.supervisor(kind).delayNext(messages, by);
    count("delay messages");
  }

  /** An idle worker of the pool, picked with the simulation's random, if one is idle. */
  public Optional<Integer> idleSlot(String kind, Random random) {
    return pick(PoolView.idleSlots(simulation.supervisor(kind).status()), random);
  }

  /** A leased (reserved or busy) worker of the pool, picked at random, if one is leased. */
  public Optional<Integer> leasedSlot(String kind, Random random) {
    return pick(PoolView.leasedSlots(simulation.supervisor(kind).status()), random);
  }

  /** Any started worker of the pool, picked at random, if there is one. */
  public Optional<Integer> anySlot(String kind, Random random) {
    return pick(simulation.workers(kind).current().stream().map(SimulatedWorker::slot).toList(),
        random);
  }

  /**
   * Makes the supervisor throw at its next message; its parent restarts it, which stops every
   * worker of its pool (their clients see them lost) and starts the pool again.
   */
  public void crashSupervisor(String kind) {
    simulation.supervisor(kind).crash();
    count("crash supervisor");
  }

  /** Stops the supervisor: its clients see it terminate and try the next address. */
  public void stopSupervisor(String kind) {
    simulation.supervisor(kind).stop();
    count("stop supervisor");
  }

  /** Starts a stopped supervisor again under the same name. */
  public void startSupervisor(String kind) {
    simulation.supervisor(kind).start();
  }

  /**
   * Stops a client without releasing its leases, as if its node went away, and waits until no
   * worker of its pool holds a lease for it any more: no lease outlives its holder.
   */
  public void dropClient(SimulatedClient client) {
    client.drop();
    count("drop client");
    SimulatedSupervisor supervisor = simulation.supervisor(client.kind());
    if (!supervisor.running()) {
      return;
    }
    Duration bound = supervisor.settings().heartbeatTimeout().multipliedBy(3)
        .plus(Duration.ofSeconds(10));
    await().atMost(bound).pollInterval(Duration.ofMillis(10))
        .alias("no lease of the dropped " + client + " outlives it")
        .until(() -> !PoolView.holds(supervisor.status(), client.id()));
  }

  /** How many faults of each kind were injected. */
  public Map<String, Integer> injected() {
    Map<String, Integer> counts = new TreeMap<>();
    injected.forEach((k, v) -> counts.put(k, v.get()));
    return counts;
  }

  /** How many faults were injected in all. */
  public int total() {
    return injected.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  private void count(String fault) {
    injected.computeIfAbsent(fault, f -> new AtomicInteger()).incrementAndGet();
  }

  private static Optional<Integer> pick(List<Integer> slots, Random random) {
    return slots.isEmpty() ? Optional.empty()
        : Optional.of(slots.get(random.nextInt(slots.size())));
  }
}
