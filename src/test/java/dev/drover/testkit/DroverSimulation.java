package dev.drover.testkit;

import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.drover.config.DroverConfig;
import dev.drover.node.NodeClient;
import dev.drover.node.NodeSystem;
import dev.drover.node.PoolSettings;
import dev.drover.node.PoolStatus;
import dev.drover.node.WorkerHandler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.awaitility.core.ConditionTimeoutException;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * A JUnit 5 extension that runs a simulated Drover cluster in one {@link ActorTestKit}:
 * supervisors whose pools run in-process workers, and clients, with {@link Faults} to inject and
 * {@link Invariants} checked after every {@link #step}. Register it in a static field:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final DroverSimulation sim = DroverSimulation.builder()
 *     .pool("square", Squaring.class, pool -> pool.pool(2, 1, 4))
 *     .build();
 * }</pre>
 *
 * <p>Seeded: {@link #random()} draws from the seed (fresh for each test, from the seed and the
 * test's name), which is random unless the system property {@value #SEED_PROPERTY} or
 * {@link Builder#seed} sets it; a failing test prints it, so the same schedule of steps and
 * faults can be replayed with {@code -D}{@value #SEED_PROPERTY}{@code =<seed>}. What the actors
 * do in between runs on real threads, so a replay repeats the choices, not every interleaving.
 */
public final class DroverSimulation implements BeforeAllCallback, AfterAllCallback,
    BeforeEachCallback, TestExecutionExceptionHandler {

  /** The system property that replays a seed. */
  public static final String SEED_PROPERTY = "drover.simulation.seed";

  private static final Duration ATTACH = Duration.ofSeconds(2);
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Duration TICK = Duration.ofMillis(100);
  /**
   * Heartbeats on manual time, out of the way: the clock jumps as far as a test advances it at
   * once, with no time for a worker's answer to arrive in between, so heartbeats every 100 ms
   * would fail every slot at the first long step. A pool's own settings may set them.
   */
  private static final Duration MANUAL_HEARTBEAT = Duration.ofHours(1);

  private final Map<String, PoolSpec> pools;
  private final Config config;
  private final long seed;
  private final Violations violations = new Violations();
  private final WorkLedger ledger = new WorkLedger();
  private final Outstanding outstanding = new Outstanding();
  private final Faults faults = new Faults(this);
  private final Invariants invariants = new Invariants(this, violations);
  private final Map<String, SimulatedSupervisor> supervisors = new LinkedHashMap<>();
  private final List<SimulatedClient> clients = new CopyOnWriteArrayList<>();
  private final boolean manualTime;
  private ActorTestKit kit;
  private ManualTime clock;
  private Path dataDir;
  private Random random;
  private long steps;

  private record PoolSpec(String kind, Class<? extends WorkerHandler> handler,
      UnaryOperator<PoolSettings.Builder> settings) {}

  private DroverSimulation(Builder b) {
    this.pools = new LinkedHashMap<>(b.pools);
    this.config = b.manualTime ? b.config.withFallback(ManualTime.config()) : b.config;
    this.manualTime = b.manualTime;
    this.seed = b.seed != null ? b.seed
        : System.getProperty(SEED_PROPERTY) != null ? Long.parseLong(System.getProperty(SEED_PROPERTY))
        : new Random().nextLong();
    this.random = new Random(seed);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** What a simulation starts with. */
  public static final class Builder {
    private final Map<String, PoolSpec> pools = new LinkedHashMap<>();
    private Config config = ConfigFactory.empty();
    private Long seed;
    private boolean manualTime;

    private Builder() {}

    /**
     * Runs the simulation's actor system on Pekko's {@code ManualTime}: what the actors time on
     * their scheduler (lease idle timeouts, request timeouts, heartbeats, restart backoffs)
     * happens only as {@link #advance} moves the clock. The kit moves it itself while it waits
     * for the cluster, a pool or its own shutdown. Heartbeats default to every hour (timeout
     * two), as a long step of the clock leaves a worker no time to answer them; a pool's
     * settings may set others, and a test then advances in steps shorter than their timeout.
     */
    public Builder manualTime() {
      this.manualTime = true;
      return this;
    }

    /**
     * A supervisor of {@code kind} whose in-process workers run {@code handler}, with the
     * simulation's fast settings (heartbeats every 100 ms, replaced after 1 s of silence,
     * restarts after 10 to 200 ms) changed by {@code settings}.
     */
    public Builder pool(String kind, Class<? extends WorkerHandler> handler,
        UnaryOperator<PoolSettings.Builder> settings) {
      pools.put(kind, new PoolSpec(kind, handler, settings));
      return this;
    }

    /**
     * Configuration over the host's {@code application.conf} (and Drover's Pekko settings,
     * {@code DroverConfig.load()}), for the simulation's system.
     */
    public Builder config(Config config) {
      this.config = config;
      return this;
    }

    /** A fixed seed; else {@value #SEED_PROPERTY}, else a random one. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public DroverSimulation build() {
      if (pools.isEmpty()) {
        throw new IllegalStateException("a simulation needs at least one pool");
      }
      return new DroverSimulation(this);
    }
  }

  // ---- JUnit ----

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    start();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (kit == null) {
      throw new IllegalStateException("register DroverSimulation with @RegisterExtension in a "
          + "static field: it starts its cluster once, before all tests of the class");
    }
    random = new Random(seed ^ context.getUniqueId().hashCode());
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stop();
  }

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable failure)
      throws Throwable {
    String note = "DroverSimulation seed " + seed + " (replay with -D" + SEED_PROPERTY + "="
        + seed + "), after step " + steps;
    System.err.println(context.getDisplayName() + " failed: " + note);
    failure.addSuppressed(new SeedNote(note));
    throw failure;
  }

  /** Carries the seed of a failed simulation into the failure's report. */
  private static final class SeedNote extends RuntimeException {
    SeedNote(String note) {
      super(note, null, false, false);
    }
  }

  // ---- the simulated cluster ----

  private void start() throws IOException {
    dataDir = Files.createTempDirectory("drover-simulation");
    Config base = config.withFallback(DroverConfig.load());
    kit = ActorTestKit.create(NodeSystem.NAME,
        NodeSystem.config(List.of("supervisor", "client"), 0, base));
    clock = manualTime ? ManualTime.get(kit.system()) : null;
    Cluster cluster = Cluster.get(kit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> {
      tick();
      return cluster.selfMember().status() == MemberStatus.up();
    });
    for (PoolSpec spec : pools.values()) {
      PoolSettings settings = spec.settings().apply(
          PoolSettings.fromConfig(base, spec.kind(), spec.handler().getName()).toBuilder()
              .heartbeat(manualTime ? MANUAL_HEARTBEAT : Duration.ofMillis(100),
                  manualTime ? MANUAL_HEARTBEAT.multipliedBy(2) : Duration.ofSeconds(1))
              .registrationTimeout(Duration.ofSeconds(10))
              .restarts(Duration.ofMillis(10), Duration.ofMillis(200), 0.1, 50,
                  Duration.ofMinutes(1))
              .cancelGracePeriod(Duration.ofMillis(200))
              .transitionLogSize(8)
              .dataDir(dataDir.resolve(spec.kind())))
          .build();
      SimulatedSupervisor supervisor = new SimulatedSupervisor(settings,
          new SimulatedWorkers(spec.kind(), violations, ledger), kit);
      supervisor.start();
      supervisors.put(spec.kind(), supervisor);
    }
    supervisors.keySet().forEach(this::awaitPoolReady);
  }

  private void stop() {
    clients.forEach(c -> c.nodeClient().close());
    if (kit != null) {
      // the coordinated shutdown times its phases on the scheduler: on manual time, the clock
      // must move for it to end at all
      Thread ticking = null;
      if (clock != null) {
        ticking = new Thread(() -> {
          while (!kit.system().getWhenTerminated().toCompletableFuture().isDone()) {
            clock.timePasses(Duration.ofMillis(500));
            try {
              Thread.sleep(5);
            } catch (InterruptedException e) {
              return;
            }
          }
        }, "drover-simulation-clock");
        ticking.setDaemon(true);
        ticking.start();
      }
      ActorTestKit.shutdown(kit.system(), Duration.ofSeconds(30), false);
      if (ticking != null) {
        ticking.interrupt();
      }
    }
    if (dataDir != null) {
      try (Stream<Path> files = Files.walk(dataDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        // a temporary directory left behind harms nothing
      }
    }
  }

  /** Whether the simulation runs on manual time ({@link Builder#manualTime}). */
  public boolean onManualTime() {
    return clock != null;
  }

  /**
   * Moves the simulation's clock by {@code time}: every timer due by then fires.
   *
   * @throws IllegalStateException unless the simulation runs on {@link Builder#manualTime}
   */
  public void advance(Duration time) {
    if (clock == null) {
      throw new IllegalStateException("the simulation runs on real time; build it with "
          + "manualTime() to move its clock");
    }
    clock.timePasses(time);
  }

  /** While the kit waits on manual time, time passes a little at each look. */
  private void tick() {
    if (clock != null) {
      clock.timePasses(TICK);
    }
  }

  /** The seed this simulation draws from. */
  public long seed() {
    return seed;
  }

  /** The simulation's random: for the current test, drawn from the seed and the test's name. */
  public Random random() {
    return random;
  }

  public ActorTestKit testKit() {
    return kit;
  }

  public ActorSystem<Void> system() {
    return kit.system();
  }

  public Faults faults() {
    return faults;
  }

  public Invariants invariants() {
    return invariants;
  }

  /** The supervisor of {@code kind}. */
  public SimulatedSupervisor supervisor(String kind) {
    SimulatedSupervisor s = supervisors.get(kind);
    if (s == null) {
      throw new IllegalArgumentException("no pool of kind '" + kind + "' in this simulation "
          + "(pools: " + supervisors.keySet() + ")");
    }
    return s;
  }

  public List<SimulatedSupervisor> supervisors() {
    return List.copyOf(supervisors.values());
  }

  SimulatedWorkers workers(String kind) {
    return supervisor(kind).workers();
  }

  /** The current worker of {@code slot} in the pool of {@code kind}. */
  public SimulatedWorker worker(String kind, int slot) {
    return workers(kind).slot(slot);
  }

  /** The address clients attach to: the simulation's one node. */
  public String address() {
    return Cluster.get(kit.system()).selfMember().address().toString();
  }

  /** A client of {@code kind}, attached to its supervisor. */
  public SimulatedClient client(String kind) {
    return clients(kind, 1).get(0);
  }

  /** {@code n} clients of {@code kind}, each attached to its supervisor. */
  public List<SimulatedClient> clients(String kind, int n) {
    supervisor(kind);
    List<SimulatedClient> created = new ArrayList<>();
    List<CompletableFuture<?>> attached = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      NodeClient client = NodeClient.connect(kit.system(), kind, List.of(address()), ATTACH);
      created.add(new SimulatedClient(kind, client, outstanding, ledger, violations));
      attached.add(client.attached(WAIT).toCompletableFuture());
    }
    clients.addAll(created);
    try {
      CompletableFuture.allOf(attached.toArray(CompletableFuture[]::new))
          .orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    } catch (RuntimeException e) {
      throw new AssertionError(n + " clients of '" + kind + "' did not all attach within "
          + WAIT + ": " + e.getMessage(), e);
    }
    return created;
  }

  /** A step of a test: what it does may throw. */
  @FunctionalInterface
  public interface Step {
    void run() throws Exception;
  }

  /**
   * Runs one step and then checks every invariant; a failure names the step and the seed.
   */
  public void step(String what, Step action) {
    long n = ++steps;
    try {
      action.run();
      invariants.check();
    } catch (Exception | AssertionError e) {
      throw new AssertionError("step " + n + " (" + what + ") of the simulation with seed "
          + seed + ": " + e.getMessage(), e);
    }
  }

  /** How many steps ran. */
  public long steps() {
    return steps;
  }

  /** Waits until the pool of {@code kind} is ready with at least its minimum of idle workers. */
  public PoolStatus awaitPoolReady(String kind) {
    SimulatedSupervisor supervisor = supervisor(kind);
    PoolStatus[] last = new PoolStatus[1];
    await().atMost(WAIT).pollInterval(Duration.ofMillis(20))
        .alias("pool '" + kind + "' ready")
        .until(() -> {
          tick();
          last[0] = supervisor.status();
          return PoolView.ready(last[0]) && last[0].idle() >= last[0].min()
              && !PoolView.replacing(last[0]);
        });
    return last[0];
  }

  /**
   * Waits until every request, work and release the clients started has ended, then checks the
   * invariants of a settled simulation.
   */
  public void settle() {
    try {
      await().atMost(WAIT).pollInterval(Duration.ofMillis(20))
          .until(() -> {
            tick();
            return outstanding.count() == 0;
          });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(outstanding.count() + " requests, works or releases did not end "
          + "within " + WAIT + ", e.g. " + outstanding.sample());
    }
    invariants.checkSettled(List.copyOf(clients));
  }

  /** How many requests, works and releases the clients started. */
  public long followed() {
    return outstanding.followed();
  }

  /** What is still open, for a failure message. */
  List<String> open() {
    return outstanding.sample();
  }
}
