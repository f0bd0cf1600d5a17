package dev.drover.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.drover.config.DroverConfig;
import dev.drover.demo.Squaring;
import dev.drover.node.ErrWorker;
import dev.drover.node.ForkedJvmLauncher;
import dev.drover.node.NodeClient;
import dev.drover.node.NodeSystem;
import dev.drover.node.PoolSettings;
import dev.drover.node.PoolStatus;
import dev.drover.node.SupervisorState;
import dev.drover.node.Supervisor;
import dev.drover.node.WorkerLauncher;
import dev.drover.node.WorkerLease;
import dev.drover.observe.Transition;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Benchmark of Drover's node layer with real forked worker JVMs: how fast a worker JVM is
 * ready, how fast a pool starts and repairs itself, and what a lease and a piece of work cost
 * from a client in another actor system. See {@code bench/README.md}; run with
 * {@code bench/run-node [runs] [--iterations N] [--warmup N] [--only abcdef]}.
 *
 * <p>Every duration of a pool is read on the supervisor's side: its transitions arrive on the
 * supervisor's event stream, and cluster membership events of the workers from its cluster
 * extension; each is stamped with {@link System#nanoTime()} when the bench receives it. The
 * {@code at} instants of the transitions themselves are used as a check.
 */
public final class NodeBench {
  private static final Duration WAIT = Duration.ofSeconds(90);
  /** Pause after a pool is ready before a worker is killed, so its start-up has calmed down. */
  private static final Duration SETTLE = Duration.ofMillis(1500);
  private static final Duration CALL = Duration.ofSeconds(30);

  private final Options options;
  private final Config config;
  private final Path dataDir;
  private final Optional<Path> cdsArchive;
  private final ConcurrentLinkedDeque<ActorSystem<?>> live = new ConcurrentLinkedDeque<>();
  private final List<String> notes = new ArrayList<>();
  private int leftoverProcesses;

  private NodeBench(Options options) throws IOException {
    this.options = options;
    Path jarDir = applicationJar().map(Path::getParent).orElse(Path.of("target"));
    this.dataDir = jarDir.resolve("bench-data").toAbsolutePath();
    deleteRecursively(dataDir);
    Files.createDirectories(dataDir);
    // the bench's cluster keys (TLS between supervisor, workers and client) go there too
    this.config = DroverConfig.load().withValue("drover.data-dir",
        ConfigValueFactory.fromAnyRef(dataDir.toString()));
    this.cdsArchive = expectedCdsArchive(config);
  }

  // ---------------------------------------------------------------------------------------
  // main
  // ---------------------------------------------------------------------------------------

  public static void main(String[] args) throws Exception {
    if (System.getProperty("DROVER_LOG_LEVEL") == null && System.getenv("DROVER_LOG_LEVEL") == null) {
      // the supervisor logs each transition at INFO: too much beside the bench's own output
      System.setProperty("DROVER_LOG_LEVEL", "WARN");
    }
    // initialise logging before Pekko's threads log concurrently with its start-up
    org.slf4j.LoggerFactory.getILoggerFactory();
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("node-bench: " + e.getMessage());
      System.err.println("usage: NodeBench [runs] [--runs N] [--iterations N] [--warmup N] "
          + "[--only abcdefg]");
      System.exit(2);
      return;
    }
    NodeBench bench = new NodeBench(options);
    Thread hook = new Thread(bench::emergencyStop, "node-bench-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    int code = 0;
    try {
      bench.run();
    } catch (Throwable t) {
      code = 1;
      System.out.flush();
      System.err.println("node-bench failed: " + t);
      t.printStackTrace();
    } finally {
      bench.stopAll();
      int left = bench.reapProcesses(Duration.ofSeconds(15));
      if (left > 0) {
        System.out.println("!! " + left + " child process(es) still alive at the end; killed");
        code = code == 0 ? 1 : code;
      }
    }
    System.out.flush();
    Runtime.getRuntime().removeShutdownHook(hook);
    System.exit(code);
  }

  private void run() throws Exception {
    printMachine();
    ForkResults fork = options.has('a') ? forkToReady() : null;
    StartProbes probes = options.has('f') ? startProbes() : null;
    PoolResults pool = options.has('b') || options.has('c') ? poolStartAndRepair() : null;
    LeaseResults lease = options.has('d') || options.has('e') ? leaseAndWork() : null;
    printResults(fork, probes, pool, lease);
    if (options.has('g')) {
      tlsCost();
    }
  }

  // ---------------------------------------------------------------------------------------
  // g: what TLS between the members costs a lease round trip
  // ---------------------------------------------------------------------------------------

  /**
   * The lease round trip of d, with the cluster's transport over TLS (the default) and over
   * plain TCP ({@code drover.cluster.tls = off}), in alternating order per run: a fresh
   * supervisor of 1 squaring worker and a client per run and mode.
   */
  private void tlsCost() throws Exception {
    section("g: lease round trip with and without TLS between the members (a fresh supervisor "
        + "of 1 worker and a client per run and mode; " + options.iterations + " timed after "
        + options.warmup + " untimed)");
    Map<Boolean, List<Double>> medians = new LinkedHashMap<>();
    medians.put(true, new ArrayList<>());
    medians.put(false, new ArrayList<>());
    List<Double> ratios = new ArrayList<>();
    for (int i = 1; i <= options.runs; i++) {
      Map<Boolean, Double> run = new LinkedHashMap<>();
      for (boolean tls : i % 2 == 1 ? List.of(true, false) : List.of(false, true)) {
        Config c = config.withValue("drover.cluster.tls", ConfigValueFactory.fromAnyRef(tls));
        quiesce();
        PoolSettings settings = PoolSettings.fromConfig(c, "tls", Squaring.class.getName())
            .toBuilder().dataDir(dataDir).pool(1, 0, 1).build();
        ActorSystem<Supervisor.Command> supervisor =
            NodeSystem.supervisor(settings, ForkedJvmLauncher.fromConfig(c), 0, c);
        live.add(supervisor);
        ActorSystem<Void> client = null;
        try {
          awaitStatus(supervisor, ready(1), "PoolReady with 1 idle worker");
          client = ActorSystem.create(Behaviors.empty(), NodeSystem.NAME,
              NodeSystem.config("client", 0, c));
          live.add(client);
          try (NodeClient nc = NodeClient.connect(client, settings.kind(),
              List.of(Cluster.get(supervisor).selfMember().address().toString()))) {
            nc.attached(WAIT).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            leaseRun(nc, options.warmup, null, null);
            List<Double> lease = new ArrayList<>();
            leaseRun(nc, options.iterations, lease, new ArrayList<>());
            run.put(tls, median(lease));
            medians.get(tls).add(median(lease));
          }
        } finally {
          if (client != null) {
            stop(client);
          }
          stop(supervisor);
        }
      }
      ratios.add(run.get(true) / run.get(false));
      progress("g run %d/%d: TLS %s, plain TCP %s", i, options.runs, fmtMs(run.get(true)),
          fmtMs(run.get(false)));
    }
    System.out.printf("g  lease round trip over TLS:      median %s of %d runs%n",
        fmtMs(median(medians.get(true))), medians.get(true).size());
    System.out.printf("g  lease round trip over TCP:      median %s of %d runs%n",
        fmtMs(median(medians.get(false))), medians.get(false).size());
    System.out.printf("g  TLS / TCP (paired per run):      median %.2f%n", median(ratios));
  }

  // ---------------------------------------------------------------------------------------
  // a: fork-to-ready, tuned and naive
  // ---------------------------------------------------------------------------------------

  /** A way to fork the worker JVM. */
  private record Flavour(String name, String kind, WorkerLauncher launcher, PoolSettings settings) {}

  private Flavour tuned() {
    PoolSettings s = baseSettings("tuned").toBuilder().pool(1, 0, 1).build();
    return new Flavour("tuned", "tuned", ForkedJvmLauncher.fromConfig(config), s);
  }

  private Flavour naive() {
    PoolSettings s = baseSettings("naive").toBuilder().pool(1, 0, 1)
        .workerJvmOptions(List.of("-Xmx256m")).build();
    return new Flavour("naive", "naive", new ForkedJvmLauncher(Optional.empty()), s);
  }

  /** One fork of one worker JVM, seen from its supervisor. */
  private record ForkRun(
      double eventMs, double atMs, boolean startFromAt, double toJoinedMs, double joinedToUpMs,
      double upToReadyMs, Set<String> archivesMapped, String commandLine) {}

  private static final class ForkResults {
    final Map<String, List<ForkRun>> runs = new LinkedHashMap<>();
    final Map<String, List<String>> failures = new LinkedHashMap<>();
    final List<Double> pairedRatios = new ArrayList<>();
    Double warmupMs;
  }

  private ForkResults forkToReady() throws Exception {
    section("a: fork-to-ready of one worker JVM (pool min 1, warm 0, max 1; a fresh supervisor "
        + "per fork)");
    Flavour tuned = tuned();
    Flavour naive = naive();
    ForkResults r = new ForkResults();
    r.runs.put("tuned", new ArrayList<>());
    r.runs.put("naive", new ArrayList<>());
    r.failures.put("tuned", new ArrayList<>());
    r.failures.put("naive", new ArrayList<>());
    // one discarded fork: the bench JVM's own classes, the page cache of the jars
    try {
      r.warmupMs = forkOnce(tuned).eventMs();
      progress("warm-up fork (tuned, discarded): %s", fmtMs(r.warmupMs));
    } catch (Exception e) {
      progress("warm-up fork failed: %s", e);
    }
    for (int i = 1; i <= options.runs; i++) {
      // alternate which flavour goes first, so a drift of the machine hits both alike
      List<Flavour> order = i % 2 == 1 ? List.of(tuned, naive) : List.of(naive, tuned);
      Map<String, ForkRun> pair = new LinkedHashMap<>();
      for (Flavour f : order) {
        try {
          ForkRun run = forkOnce(f);
          r.runs.get(f.name()).add(run);
          pair.put(f.name(), run);
        } catch (Exception e) {
          r.failures.get(f.name()).add(e.toString());
          progress("run %d %s: FAILED %s", i, f.name(), e);
        }
      }
      if (pair.containsKey("tuned") && pair.containsKey("naive")) {
        r.pairedRatios.add(pair.get("naive").eventMs() / pair.get("tuned").eventMs());
      }
      progress("run %d/%d: tuned %s, naive %s", i, options.runs,
          pair.containsKey("tuned") ? fmtMs(pair.get("tuned").eventMs()) : "failed",
          pair.containsKey("naive") ? fmtMs(pair.get("naive").eventMs()) : "failed");
    }
    return r;
  }

  private ForkRun forkOnce(Flavour f) throws Exception {
    quiesce();
    ActorSystem<Supervisor.Command> system = startSupervisor(f.settings(), f.launcher());
    try {
      Recorder rec = Recorder.attach(system);
      String sup = "supervisor/" + f.kind();
      Stamp available = rec.await(transition(sup + "/WorkersAvailable", "true"), WAIT,
          "WorkersAvailable -> true");
      PoolStatus status = awaitStatus(system, ready(1), "PoolReady with 1 idle worker");
      long pid = status.workers().get(0).pid();
      Set<String> archives = mappedArchives(pid);
      String cmd = commandLine(pid);
      rec.drain();
      Duration byAt = Duration.between(
          firstTransition(status, sup, "PoolStarting").at(), transitionOf(available).at());
      // the supervisor may be Up in its cluster, and so fork, before ActorSystem.create has
      // returned and the bench could subscribe: then the `at` instants time the run
      Optional<Stamp> starting = rec.firstSeen(transition(sup, "PoolStarting"));
      long start = starting.map(Stamp::nanos).orElse(available.nanos() - byAt.toNanos());
      Stamp joined = rec.firstSeen(workerMember(ClusterEvent.MemberJoined.class)).orElse(null);
      Stamp up = rec.firstSeen(workerMember(ClusterEvent.MemberUp.class)).orElse(null);
      double toJoined = joined == null ? Double.NaN : ms(joined.nanos() - start);
      double joinedToUp = joined == null || up == null ? Double.NaN
          : ms(up.nanos() - joined.nanos());
      double upToReady = up == null ? Double.NaN : ms(available.nanos() - up.nanos());
      return new ForkRun(ms(available.nanos() - start), ms(byAt), starting.isEmpty(), toJoined,
          joinedToUp, upToReady, archives, cmd);
    } finally {
      stop(system);
    }
  }

  // ---------------------------------------------------------------------------------------
  // f: start probes (diagnostic): a bare worker-like JVM without the cluster
  // ---------------------------------------------------------------------------------------

  private record ProbeRun(double toMainMs, double toLoggingMs, double toSystemMs, double totalMs) {}

  private static final class StartProbes {
    final Map<String, List<ProbeRun>> runs = new LinkedHashMap<>();
    final List<String> failures = new ArrayList<>();
  }

  private StartProbes startProbes() throws Exception {
    section("f (diagnostic): a JVM that starts logging and a worker's actor system, joins "
        + "nothing, and exits");
    StartProbes r = new StartProbes();
    List<String> tunedOptions = new ArrayList<>(baseSettings("probe").workerJvmOptions());
    cdsArchive.ifPresent(a -> tunedOptions.add("-XX:SharedArchiveFile=" + a));
    Map<String, List<String>> flavours = new LinkedHashMap<>();
    flavours.put("tuned", tunedOptions);
    flavours.put("naive", List.of("-Xmx256m"));
    flavours.keySet().forEach(k -> r.runs.put(k, new ArrayList<>()));
    for (int i = 1; i <= options.runs; i++) {
      List<String> order = i % 2 == 1 ? List.of("tuned", "naive") : List.of("naive", "tuned");
      StringBuilder line = new StringBuilder();
      for (String name : order) {
        try {
          ProbeRun p = probeOnce(flavours.get(name));
          r.runs.get(name).add(p);
          line.append(String.format(Locale.ROOT, " %s: main %s, system %s;", name,
              fmtMs(p.toMainMs()), fmtMs(p.toSystemMs())));
        } catch (Exception e) {
          r.failures.add(name + ": " + e);
          line.append(" ").append(name).append(": FAILED ").append(e).append(";");
        }
      }
      progress("run %d/%d:%s", i, options.runs, line);
    }
    return r;
  }

  private ProbeRun probeOnce(List<String> jvmOptions) throws Exception {
    quiesce();
    List<String> command = new ArrayList<>();
    command.add(javaBinary());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(StartProbe.class.getName());
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    Map<String, Long> marks = new LinkedHashMap<>();
    List<String> other = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        long now = System.nanoTime();
        if (line.startsWith(StartProbe.MARK)) {
          marks.putIfAbsent(line.substring(StartProbe.MARK.length()).trim(), now);
        } else if (other.size() < 20) {
          other.add(line);
        }
      }
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new TimeoutException("start probe did not exit within 60 s");
    }
    long end = System.nanoTime();
    if (p.exitValue() != 0 || !marks.keySet().containsAll(List.of("main", "logging", "system"))) {
      throw new IllegalStateException("start probe exited with " + p.exitValue() + ", marks "
          + marks.keySet() + ", output " + other);
    }
    return new ProbeRun(ms(marks.get("main") - t0), ms(marks.get("logging") - t0),
        ms(marks.get("system") - t0), ms(end - t0));
  }

  // ---------------------------------------------------------------------------------------
  // b and c: pool of four from start to PoolReady, then SIGKILL of an idle worker
  // ---------------------------------------------------------------------------------------

  private record PoolRun(
      double startMs, double startAtMs, double toPoolStartingMs, double toFirstIdleMs,
      Double repairMs, Double repairAtMs, Map<String, Double> repairPhases) {}

  private static final class PoolResults {
    final List<PoolRun> runs = new ArrayList<>();
    final List<String> failures = new ArrayList<>();
  }

  private PoolResults poolStartAndRepair() throws Exception {
    section("b, c: supervisor start to PoolReady with 4 idle workers (min 4, warm 0, max 4), "
        + "then SIGKILL of one idle worker until the pool is whole again");
    PoolResults r = new PoolResults();
    PoolSettings settings = baseSettings("pool4").toBuilder().pool(4, 0, 4).build();
    for (int i = 1; i <= options.runs; i++) {
      try {
        PoolRun run = poolOnce(settings, options.has('c'));
        r.runs.add(run);
        progress("run %d/%d: start to PoolReady %s; SIGKILL to whole again %s", i,
            options.runs, fmtMs(run.startMs()),
            run.repairMs() == null ? "-" : fmtMs(run.repairMs()));
      } catch (Exception e) {
        r.failures.add(e.toString());
        progress("run %d/%d: FAILED %s", i, options.runs, e);
      }
    }
    return r;
  }

  private PoolRun poolOnce(PoolSettings settings, boolean repair) throws Exception {
    quiesce();
    String sup = "supervisor/" + settings.kind();
    Instant createdAt = Instant.now();
    long created = System.nanoTime();
    ActorSystem<Supervisor.Command> system =
        startSupervisor(settings, ForkedJvmLauncher.fromConfig(config));
    try {
      Recorder rec = Recorder.attach(system);
      Stamp readyStamp = rec.await(transition(sup, "PoolReady"), WAIT, "PoolReady");
      PoolStatus status = awaitStatus(system, ready(4), "PoolReady with 4 idle workers");
      rec.drain();
      // the phases from the `at` instants: PoolStarting may come before the bench subscribed
      double toStarting = ms(Duration.between(createdAt,
          firstTransition(status, sup, "PoolStarting").at()));
      double toFirstIdle = ms(Duration.between(createdAt,
          firstTransition(status, sup + "/WorkersAvailable", "true").at()));
      double startMs = ms(readyStamp.nanos() - created);
      double startAtMs = ms(Duration.between(createdAt, transitionOf(readyStamp).at()));
      if (!repair) {
        return new PoolRun(startMs, startAtMs, toStarting, toFirstIdle, null, null, Map.of());
      }

      // c: SIGKILL one idle worker once the pool has settled
      Thread.sleep(SETTLE.toMillis());
      status = awaitStatus(system, ready(4), "PoolReady with 4 idle workers before the kill");
      long victim = status.workers().get(0).pid();
      rec.drain();
      long killed = System.nanoTime();
      Instant killedAt = Instant.now();
      // destroyForcibly is kill(pid, SIGKILL), what `kill -KILL <pid>` does, without a fork
      ProcessHandle.of(victim).orElseThrow(() ->
          new IllegalStateException("worker " + victim + " is not running")).destroyForcibly();
      Stamp back = rec.await(s -> transition(sup, "PoolReady").test(s)
          && s.nanos() > killed, WAIT, "PoolReady after the kill");
      long end = back.nanos();
      PoolStatus after = status(system);
      if (!(ready(4).test(after) && !after.pids().contains(victim))) {
        after = awaitStatus(system, s -> ready(4).test(s) && !s.pids().contains(victim),
            "4 idle workers without pid " + victim);
        end = System.nanoTime();
      }
      rec.drain();
      Map<String, Double> phases = new LinkedHashMap<>();
      phase(phases, "slot failed (supervisor -> PoolStarting)", killed,
          rec.firstSeenAfter(transition(sup, "PoolStarting"), killed));
      phase(phases, "old member UNREACHABLE", killed,
          rec.firstSeenAfter(workerMember(ClusterEvent.UnreachableMember.class), killed));
      phase(phases, "old member downed (split-brain resolver)", killed,
          rec.firstSeenAfter(workerMember(ClusterEvent.MemberDowned.class), killed));
      phase(phases, "old member removed", killed,
          rec.firstSeenAfter(workerMember(ClusterEvent.MemberRemoved.class), killed));
      phase(phases, "new member joined", killed,
          rec.firstSeenAfter(workerMember(ClusterEvent.MemberJoined.class), killed));
      phase(phases, "new member up", killed,
          rec.firstSeenAfter(workerMember(ClusterEvent.MemberUp.class), killed));
      phase(phases, "PoolReady, 4 idle", killed, Optional.of(back));
      double repairAtMs = ms(Duration.between(killedAt, transitionOf(back).at()));
      return new PoolRun(startMs, startAtMs, toStarting, toFirstIdle, ms(end - killed),
          repairAtMs, phases);
    } finally {
      stop(system);
    }
  }

  private static void phase(Map<String, Double> phases, String name, long from, Optional<Stamp> s) {
    phases.put(name, s.map(x -> ms(x.nanos() - from)).orElse(Double.NaN));
  }

  // ---------------------------------------------------------------------------------------
  // d and e: lease and payload round trips from a client in its own actor system
  // ---------------------------------------------------------------------------------------

  private static final class LeaseResults {
    final List<List<Double>> leaseRuns = new ArrayList<>();
    final List<List<Double>> releaseRuns = new ArrayList<>();
    final List<List<Double>> workRuns = new ArrayList<>();
    final List<List<Double>> payloadRuns = new ArrayList<>();
    int busyRefusals;
    int payloadProblems;
    final List<String> failures = new ArrayList<>();
  }

  private LeaseResults leaseAndWork() throws Exception {
    section("d, e: a client in its own actor system, joined to the cluster of a supervisor of "
        + "2 idle squaring workers (min 2, warm 0, max 2); " + options.iterations
        + " timed iterations per run after " + options.warmup + " untimed");
    LeaseResults r = new LeaseResults();
    quiesce();
    PoolSettings settings = baseSettings("lease").toBuilder().pool(2, 0, 2).build();
    ActorSystem<Supervisor.Command> supervisor =
        startSupervisor(settings, ForkedJvmLauncher.fromConfig(config));
    ActorSystem<Void> clientSystem = null;
    try {
      awaitStatus(supervisor, ready(2), "PoolReady with 2 idle workers");
      String address = Cluster.get(supervisor).selfMember().address().toString();
      clientSystem = ActorSystem.create(Behaviors.empty(), NodeSystem.NAME,
          NodeSystem.config("client", 0, config));
      live.add(clientSystem);
      try (NodeClient client = NodeClient.connect(clientSystem, settings.kind(),
          List.of(address))) {
        client.attached(WAIT).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        if (options.has('d')) {
          for (int i = 1; i <= options.runs; i++) {
            try {
              leaseRun(client, options.warmup, null, null);
              List<Double> lease = new ArrayList<>();
              List<Double> release = new ArrayList<>();
              leaseRun(client, options.iterations, lease, release);
              r.leaseRuns.add(lease);
              r.releaseRuns.add(release);
              progress("d run %d/%d: lease median %s, release median %s", i, options.runs,
                  fmtMs(median(lease)), fmtMs(median(release)));
            } catch (Exception e) {
              r.failures.add("d: " + e);
              progress("d run %d/%d: FAILED %s", i, options.runs, e);
            }
          }
        }
        if (options.has('e')) {
          for (int i = 1; i <= options.runs; i++) {
            try {
              List<Double> work = new ArrayList<>();
              List<Double> payload = new ArrayList<>();
              workRun(client, r, work, payload);
              r.workRuns.add(work);
              r.payloadRuns.add(payload);
              progress("e run %d/%d: result median %s (payload median %s)", i, options.runs,
                  fmtMs(median(work)), fmtMs(median(payload)));
            } catch (Exception e) {
              r.failures.add("e: " + e);
              progress("e run %d/%d: FAILED %s", i, options.runs, e);
            }
          }
        }
      }
    } finally {
      if (clientSystem != null) {
        stop(clientSystem);
      }
      stop(supervisor);
    }
    return r;
  }

  /** Leases and releases {@code n} times; the times go to the lists unless they are null. */
  private static void leaseRun(NodeClient client, int n, List<Double> lease, List<Double> release)
      throws Exception {
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      WorkerLease l = get(client.requestWorker().toCompletableFuture());
      long t1 = System.nanoTime();
      get(l.release().toCompletableFuture());
      long t2 = System.nanoTime();
      if (lease != null) {
        lease.add(ms(t1 - t0));
        release.add(ms(t2 - t1));
      }
    }
  }

  /** One lease: warm-up submits, then the timed ones, then release. */
  private void workRun(NodeClient client, LeaseResults r, List<Double> work, List<Double> payload)
      throws Exception {
    WorkerLease lease = get(client.requestWorker().toCompletableFuture());
    try {
      int n = 0;
      int timed = 0;
      int warm = 0;
      while (timed < options.iterations) {
        n++;
        long expected = (long) n * n;
        AtomicReference<JsonNode> seen = new AtomicReference<>();
        long[] payloadAt = new long[1];
        long t0 = System.nanoTime();
        JsonNode result;
        try {
          result = get(lease.submit(IntNode.valueOf(n), p -> {
            payloadAt[0] = System.nanoTime();
            seen.set(p);
          }).result().toCompletableFuture());
        } catch (ExecutionException e) {
          if (e.getCause() instanceof ErrWorker && String.valueOf(e.getCause().getMessage())
              .contains("BUSY")) {
            // the worker had not yet left Busy for the previous work: see the README
            r.busyRefusals++;
            if (r.busyRefusals > 1000) {
              throw e;
            }
            continue;
          }
          throw e;
        }
        long t1 = System.nanoTime();
        if (result.asLong() != expected) {
          throw new IllegalStateException("squaring " + n + " gave " + result);
        }
        // the payload callback runs on the client's actor before it completes the result
        JsonNode p = seen.get();
        if (p == null || p.asLong() != expected) {
          r.payloadProblems++;
        }
        if (warm < options.warmup) {
          warm++;
          continue;
        }
        timed++;
        work.add(ms(t1 - t0));
        if (p != null) {
          payload.add(ms(payloadAt[0] - t0));
        }
      }
    } finally {
      get(lease.release().toCompletableFuture());
    }
  }

  private static <T> T get(java.util.concurrent.CompletableFuture<T> f) throws Exception {
    return f.get(CALL.toSeconds(), TimeUnit.SECONDS);
  }

  // ---------------------------------------------------------------------------------------
  // supervisors, status, processes
  // ---------------------------------------------------------------------------------------

  private PoolSettings baseSettings(String kind) {
    return PoolSettings.fromConfig(config, kind, Squaring.class.getName()).toBuilder()
        .dataDir(dataDir).build();
  }

  private ActorSystem<Supervisor.Command> startSupervisor(
      PoolSettings settings, WorkerLauncher launcher) {
    ActorSystem<Supervisor.Command> system = NodeSystem.supervisor(settings, launcher, 0, config);
    live.add(system);
    return system;
  }

  /** Terminates {@code system}; a supervisor's slots kill their workers on the way. */
  private void stop(ActorSystem<?> system) {
    if (!live.remove(system)) {
      return;
    }
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      notes.add("actor system " + system.address() + " did not terminate within 60 s: " + e);
    }
  }

  private void stopAll() {
    ActorSystem<?> s;
    while ((s = live.peekLast()) != null) {
      stop(s);
    }
  }

  /** On Ctrl-C or an unexpected exit: stop what is still running, quickly. */
  private void emergencyStop() {
    for (ActorSystem<?> s : live) {
      s.terminate();
    }
    for (ActorSystem<?> s : live) {
      try {
        s.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        // killed below
      }
    }
    ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
  }

  /**
   * Waits for every process this JVM started to end; kills the ones left after
   * {@code within}. Returns how many had to be killed.
   */
  private int reapProcesses(Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      if (ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive)) {
        return 0;
      }
      sleep(50);
    }
    List<ProcessHandle> left = ProcessHandle.current().descendants()
        .filter(ProcessHandle::isAlive).toList();
    left.forEach(ProcessHandle::destroyForcibly);
    return left.size();
  }

  /** Between two measurements: no worker of the last one alive, and a short pause. */
  private void quiesce() {
    int killed = reapProcesses(Duration.ofSeconds(10));
    if (killed > 0) {
      leftoverProcesses += killed;
      notes.add(killed + " worker process(es) outlived their terminated supervisor by 10 s "
          + "and were killed by the bench");
    }
    sleep(300);
  }

  private static PoolStatus status(ActorSystem<Supervisor.Command> system) throws Exception {
    return AskPattern.<Supervisor.Command, PoolStatus>ask(system, Supervisor.GetStatus::new,
        Duration.ofSeconds(5), system.scheduler()).toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  private static PoolStatus awaitStatus(
      ActorSystem<Supervisor.Command> system, Predicate<PoolStatus> condition, String what)
      throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      PoolStatus s = status(system);
      if (condition.test(s)) {
        return s;
      }
      if (s.state() == SupervisorState.ERR_POOL) {
        throw new IllegalStateException("pool '" + s.kind() + "' is in ErrPool: " + s.error());
      }
      if (System.nanoTime() > deadline) {
        throw new TimeoutException(what + " not reached within " + WAIT + "; pool is "
            + s.state() + ", idle " + s.idle() + ", busy " + s.busy() + ", workers "
            + s.workers().stream().map(w -> w.slot() + ":" + w.state() + "/" + w.pid()
                + (w.lastError() == null ? "" : " (" + w.lastError() + ")")).toList());
      }
      sleep(10);
    }
  }

  private static Predicate<PoolStatus> ready(int idle) {
    return s -> s.state() == SupervisorState.POOL_READY && s.idle() == idle && s.busy() == 0
        && s.workers().size() == idle;
  }

  // ---------------------------------------------------------------------------------------
  // events of the supervisor's actor system
  // ---------------------------------------------------------------------------------------

  /** An event and when the bench received it. */
  private record Stamp(long nanos, Object event) {}

  /**
   * Receives the supervisor's transitions and the cluster's member events, stamped on arrival.
   * The main thread reads them in order with {@link #await}; what it read stays in
   * {@code seen}.
   */
  private static final class Recorder {
    private final BlockingQueue<Stamp> incoming = new LinkedBlockingQueue<>();
    private final List<Stamp> seen = new ArrayList<>();

    static Recorder attach(ActorSystem<?> system) {
      Recorder r = new Recorder();
      ActorRef<Object> ref = system.systemActorOf(Behaviors.receive(Object.class)
          .onAnyMessage(m -> {
            r.incoming.add(new Stamp(System.nanoTime(), m));
            return Behaviors.same();
          }).build(), "drover-node-bench-recorder", Props.empty());
      // the classic event stream subscribes at once, before the supervisor can be Up
      system.classicSystem().getEventStream().subscribe(Adapter.toClassic(ref), Transition.class);
      Cluster.get(system).subscriptions().tell(
          Subscribe.create(ref.<ClusterEvent.MemberEvent>narrow(), ClusterEvent.MemberEvent.class));
      Cluster.get(system).subscriptions().tell(Subscribe.create(
          ref.<ClusterEvent.ReachabilityEvent>narrow(), ClusterEvent.ReachabilityEvent.class));
      return r;
    }

    Stamp await(Predicate<Stamp> p, Duration within, String what) throws Exception {
      long deadline = System.nanoTime() + within.toNanos();
      while (true) {
        long left = deadline - System.nanoTime();
        Stamp s = left <= 0 ? null : incoming.poll(left, TimeUnit.NANOSECONDS);
        if (s == null) {
          throw new TimeoutException("no " + what + " within " + within);
        }
        seen.add(s);
        if (p.test(s)) {
          return s;
        }
      }
    }

    void drain() {
      incoming.drainTo(seen);
    }

    Optional<Stamp> firstSeen(Predicate<Stamp> p) {
      return seen.stream().filter(p).findFirst();
    }

    Optional<Stamp> firstSeenAfter(Predicate<Stamp> p, long nanos) {
      return seen.stream().filter(s -> s.nanos() > nanos).filter(p).findFirst();
    }
  }

  private static Predicate<Stamp> transition(String actor, String to) {
    // a state's label, as users see it (its enum's toString)
    return s -> s.event() instanceof Transition<?> t && t.actor().equals(actor)
        && String.valueOf(t.to()).equals(to);
  }

  private static Transition transitionOf(Stamp s) {
    return (Transition) s.event();
  }

  /** The first transition of {@code actor} to {@code to} that {@code status} still lists. */
  private static Transition firstTransition(PoolStatus status, String actor, String to) {
    return status.transitions().stream()
        .filter(t -> t.actor().equals(actor) && String.valueOf(t.to()).equals(to))
        .findFirst().orElseThrow(() -> new IllegalStateException(
            "the supervisor's status lists no transition of " + actor + " to " + to));
  }

  private static Predicate<Stamp> workerMember(Class<?> type) {
    return s -> {
      if (!type.isInstance(s.event())) {
        return false;
      }
      Member m = s.event() instanceof ClusterEvent.MemberEvent e ? e.member()
          : ((ClusterEvent.ReachabilityEvent) s.event()).member();
      return m.hasRole("worker");
    };
  }

  // ---------------------------------------------------------------------------------------
  // what the machine and the worker JVMs are
  // ---------------------------------------------------------------------------------------

  private static Optional<Path> applicationJar() {
    String cp = System.getProperty("java.class.path");
    if (cp.contains(java.io.File.pathSeparator) || !cp.endsWith(".jar")) {
      return Optional.empty();
    }
    return Optional.of(Path.of(cp).toAbsolutePath());
  }

  /** The archive {@link ForkedJvmLauncher#fromConfig} will pass to workers, by its rules. */
  private static Optional<Path> expectedCdsArchive(Config config) {
    String setting = config.getString("drover.node.worker-cds-archive");
    return switch (setting) {
      case "off" -> Optional.empty();
      case "auto" -> applicationJar()
          .map(j -> j.resolveSibling(ForkedJvmLauncher.CDS_ARCHIVE_NAME))
          .filter(Files::isReadable);
      default -> Optional.of(Path.of(setting)).filter(Files::isReadable);
    };
  }

  /** The .jsa files mapped into process {@code pid}: the CDS archives it really uses. */
  private static Set<String> mappedArchives(long pid) {
    try (Stream<String> lines = Files.lines(Path.of("/proc", Long.toString(pid), "maps"))) {
      return lines.map(l -> {
        int i = l.indexOf('/');
        return i < 0 ? null : l.substring(i).trim();
      }).filter(Objects::nonNull).filter(p -> p.endsWith(".jsa"))
          .collect(Collectors.toCollection(LinkedHashSet::new));
    } catch (IOException e) {
      return Set.of("? (" + e + ")");
    }
  }

  /** The command line of {@code pid} up to its main class. */
  private static String commandLine(long pid) {
    try {
      String[] parts = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"))
          .split("\0");
      StringBuilder b = new StringBuilder();
      for (String p : parts) {
        if (b.length() > 0) {
          b.append(' ');
        }
        b.append(p);
        if (p.endsWith(".WorkerMain")) {
          b.append(" ...");
          break;
        }
      }
      return b.toString();
    } catch (IOException e) {
      return "? (" + e + ")";
    }
  }

  private static String javaBinary() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  private void printMachine() {
    System.out.println("Drover node benchmark");
    System.out.println("=====================");
    System.out.println("machine   : " + run("nproc") + " CPUs (nproc), "
        + cpuModel() + ", " + memTotal() + " RAM, " + System.getProperty("os.name") + " "
        + System.getProperty("os.version"));
    System.out.println("java      : " + System.getProperty("java.vm.name") + " "
        + System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vendor")
        + "), " + javaBinary());
    System.out.println("class path: " + System.getProperty("java.class.path"));
    System.out.println("CDS       : " + cdsArchive.map(a -> {
      long size = a.toFile().length();
      return "archive " + a + " (" + size / (1024 * 1024) + " MiB), found beside the jar: "
          + "ForkedJvmLauncher.fromConfig passes it to the tuned workers";
    }).orElse("no archive found (class path is not the single drover.jar, or the build made "
        + "none): tuned workers start WITHOUT class-data sharing"));
    System.out.println("tuned JVM : " + String.join(" ",
        baseSettings("tuned").workerJvmOptions()) + cdsArchive.map(a ->
        " -XX:SharedArchiveFile=" + a.getFileName()).orElse(""));
    System.out.println("naive JVM : -Xmx256m");
    System.out.println("load avg  : " + loadAverage() + " (at start)");
    System.out.println("runs      : " + options.runs + "; round trips: " + options.iterations
        + " timed after " + options.warmup + " untimed per run; measurements: "
        + options.only);
    System.out.println("data dir  : " + dataDir + " (worker logs)");
  }

  private static String cpuModel() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      return lines.filter(l -> l.startsWith("model name")).findFirst()
          .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
    } catch (IOException e) {
      return "unknown CPU";
    }
  }

  private static String memTotal() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/meminfo"))) {
      return lines.filter(l -> l.startsWith("MemTotal:")).findFirst()
          .map(l -> String.format(Locale.ROOT, "%.1f GiB",
              Long.parseLong(l.replaceAll("\\D", "")) / 1024.0 / 1024.0))
          .orElse("? GiB");
    } catch (IOException e) {
      return "? GiB";
    }
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "?";
    }
  }

  private static String run(String command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      p.waitFor(10, TimeUnit.SECONDS);
      return out;
    } catch (IOException e) {
      return "?";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }

  // ---------------------------------------------------------------------------------------
  // the report
  // ---------------------------------------------------------------------------------------

  private void printResults(
      ForkResults fork, StartProbes probes, PoolResults pool, LeaseResults lease) {
    section("results (times in ms; a, b, c: over runs; d, e: median, min and max of the "
        + "per-run medians, p99 of all timed iterations; runs: measured, +nF failed)");
    System.out.printf(Locale.ROOT, "%-52s %7s %10s %10s %10s %10s%n",
        "figure", "runs", "median", "min", "max", "p99");
    if (fork != null) {
      row("a  fork-to-ready, tuned worker JVM", vals(fork.runs.get("tuned"), ForkRun::eventMs),
          fork.failures.get("tuned").size(), null);
      row("a' fork-to-ready, naive worker JVM (peer)", vals(fork.runs.get("naive"),
          ForkRun::eventMs), fork.failures.get("naive").size(), null);
    }
    if (pool != null) {
      if (options.has('b')) {
        row("b  supervisor start -> PoolReady, 4 idle", vals(pool.runs, PoolRun::startMs),
            pool.failures.size(), null);
      }
      if (options.has('c')) {
        row("c  SIGKILL idle worker -> PoolReady, 4 idle",
            pool.runs.stream().map(PoolRun::repairMs).filter(Objects::nonNull).toList(),
            pool.failures.size(), null);
      }
    }
    if (lease != null) {
      if (options.has('d')) {
        roundTripRow("d  lease round trip (request -> granted)", lease.leaseRuns,
            countFailures(lease.failures, "d:"));
        roundTripRow("d' lease release (release -> confirmed)", lease.releaseRuns,
            countFailures(lease.failures, "d:"));
      }
      if (options.has('e')) {
        roundTripRow("e  payload round trip (submit -> result)", lease.workRuns,
            countFailures(lease.failures, "e:"));
        roundTripRow("e' of which submit -> payload", lease.payloadRuns,
            countFailures(lease.failures, "e:"));
      }
    }
    if (fork != null) {
      List<Double> t = vals(fork.runs.get("tuned"), ForkRun::eventMs);
      List<Double> n = vals(fork.runs.get("naive"), ForkRun::eventMs);
      if (!t.isEmpty() && !n.isEmpty()) {
        System.out.println();
        System.out.printf(Locale.ROOT, "tuned vs naive: %.2fx  (naive median / tuned median; "
                + "above 1 means the tuned worker is ready sooner; paired per-run ratios %s)%n",
            median(n) / median(t), fork.pairedRatios.isEmpty() ? "-"
                : String.format(Locale.ROOT, "median %.2fx, %.2fx..%.2fx",
                    median(fork.pairedRatios), min(fork.pairedRatios), max(fork.pairedRatios)));
      }
      List<ForkRun> tunedRuns = fork.runs.get("tuned");
      long mapped = cdsArchive.isEmpty() ? 0 : tunedRuns.stream()
          .filter(r -> r.archivesMapped().contains(realPath(cdsArchive.get()))).count();
      System.out.println("CDS archive used by the tuned workers: "
          + (cdsArchive.isEmpty() ? "no (none found; see CDS at the top)"
              : (mapped == tunedRuns.size() && mapped > 0 ? "yes" : "NOT ALWAYS")
                  + " (mapped in " + mapped + "/" + tunedRuns.size() + " runs)"));
    }

    if (fork != null) {
      section("a in detail: fork-to-ready phases (medians of each phase; PoolStarting is when "
          + "the slot forks; member events as the supervisor's cluster extension publishes them)");
      System.out.printf(Locale.ROOT, "%-58s %10s %10s%n", "phase", "tuned", "naive");
      List<ForkRun> t = fork.runs.get("tuned");
      List<ForkRun> n = fork.runs.get("naive");
      phaseRow("PoolStarting -> worker member Joining (JVM, Pekko, join)", t, n,
          ForkRun::toJoinedMs);
      phaseRow("Joining -> Up (convergence, the leader's next tick)", t, n, ForkRun::joinedToUpMs);
      phaseRow("Up -> WorkersAvailable (SelfUp, worker actor, Register)", t, n,
          ForkRun::upToReadyMs);
      phaseRow("total (event stream, as in the table)", t, n, ForkRun::eventMs);
      phaseRow("total from the transitions' `at` instants (check)", t, n, ForkRun::atMs);
      System.out.printf(Locale.ROOT, "largest |event stream - at| difference: %s%n",
          fmtMs(Stream.concat(t.stream(), n.stream())
              .mapToDouble(r -> Math.abs(r.eventMs() - r.atMs())).max().orElse(Double.NaN)));
      long fromAt = Stream.concat(t.stream(), n.stream()).filter(ForkRun::startFromAt).count();
      if (fromAt > 0) {
        System.out.println("runs timed from the `at` instants because PoolStarting was "
            + "published before the bench had subscribed: " + fromAt + " of "
            + (t.size() + n.size()));
      }
      if (fork.warmupMs != null) {
        System.out.println("discarded warm-up fork (tuned): " + fmtMs(fork.warmupMs));
      }
      for (String name : List.of("tuned", "naive")) {
        List<ForkRun> runs = fork.runs.get(name);
        if (runs.isEmpty()) {
          continue;
        }
        long withApp = cdsArchive.isEmpty() ? 0 : runs.stream().filter(r -> r.archivesMapped()
            .contains(realPath(cdsArchive.get()))).count();
        long withAny = runs.stream().filter(r -> !r.archivesMapped().isEmpty()).count();
        System.out.printf(Locale.ROOT, "%s worker: Drover CDS archive mapped in %d/%d runs, "
                + "any CDS archive in %d/%d (from /proc/<pid>/maps: %s)%n", name, withApp,
            runs.size(), withAny, runs.size(), runs.get(runs.size() - 1).archivesMapped());
        System.out.println("  command: " + runs.get(runs.size() - 1).commandLine());
      }
      printCdsWarnings();
      fork.failures.forEach((k, v) -> v.forEach(f -> System.out.println("failed " + k + ": " + f)));
    }

    if (probes != null) {
      section("f (diagnostic): bare start probe, no cluster join (medians over runs; from "
          + "fork)");
      System.out.printf(Locale.ROOT, "%-58s %10s %10s%n", "point", "tuned", "naive");
      List<ProbeRun> t = probes.runs.get("tuned");
      List<ProbeRun> n = probes.runs.get("naive");
      probeRow("main() entered (JVM boot)", t, n, ProbeRun::toMainMs);
      probeRow("logback initialised", t, n, ProbeRun::toLoggingMs);
      probeRow("worker's actor system created (config, remoting)", t, n, ProbeRun::toSystemMs);
      probeRow("process exited (after terminate)", t, n, ProbeRun::totalMs);
      probes.failures.forEach(f -> System.out.println("failed: " + f));
    }

    if (pool != null && !pool.runs.isEmpty()) {
      section("b, c in detail (medians over runs, of each point separately)");
      System.out.printf(Locale.ROOT, "%-58s %10s%n", "b: from ActorSystem creation", "ms");
      System.out.printf(Locale.ROOT, "%-58s %10s%n", "-> PoolStarting (joined itself; `at`)",
          fmtMs(median(vals(pool.runs, PoolRun::toPoolStartingMs))));
      System.out.printf(Locale.ROOT, "%-58s %10s%n", "-> first worker idle (WorkersAvailable -> true; `at`)",
          fmtMs(median(vals(pool.runs, PoolRun::toFirstIdleMs))));
      System.out.printf(Locale.ROOT, "%-58s %10s%n", "-> PoolReady, 4 idle (event stream)",
          fmtMs(median(vals(pool.runs, PoolRun::startMs))));
      System.out.printf(Locale.ROOT, "%-58s %10s%n", "-> PoolReady (its `at` instant, check)",
          fmtMs(median(vals(pool.runs, PoolRun::startAtMs))));
      List<PoolRun> repaired = pool.runs.stream().filter(r -> r.repairMs() != null).toList();
      if (!repaired.isEmpty()) {
        System.out.printf(Locale.ROOT, "%-58s %10s%n", "c: from the SIGKILL", "ms");
        for (String phase : repaired.get(0).repairPhases().keySet()) {
          System.out.printf(Locale.ROOT, "%-58s %10s%n", "-> " + phase,
              fmtMs(median(repaired.stream().map(r -> r.repairPhases().get(phase)).toList())));
        }
        System.out.printf(Locale.ROOT, "%-58s %10s%n", "-> PoolReady (its `at` instant, check)",
            fmtMs(median(repaired.stream().map(PoolRun::repairAtMs).toList())));
      }
      pool.failures.forEach(f -> System.out.println("failed: " + f));
    }

    if (lease != null) {
      section("d, e in detail");
      System.out.println("timed iterations: d " + lease.leaseRuns.stream().mapToInt(List::size)
          .sum() + ", e " + lease.workRuns.stream().mapToInt(List::size).sum());
      System.out.println("submits refused with BUSY (worker not yet back from the previous "
          + "work; retried, not timed): " + lease.busyRefusals);
      System.out.println("results whose payload had not arrived first (or was wrong): "
          + lease.payloadProblems);
      lease.failures.forEach(f -> System.out.println("failed: " + f));
    }

    section("notes");
    System.out.println("load avg  : " + loadAverage() + " (at end)");
    if (notes.isEmpty() && leftoverProcesses == 0) {
      System.out.println("every worker JVM ended with its supervisor");
    }
    notes.forEach(n -> System.out.println("- " + n));
  }

  private void printCdsWarnings() {
    Set<String> lines = new LinkedHashSet<>();
    for (String kind : List.of("tuned", "naive")) {
      Path dir = dataDir.resolve("workers").resolve(kind);
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.toList()) {
          for (String l : Files.readAllLines(f, StandardCharsets.ISO_8859_1)) {
            String low = l.toLowerCase(Locale.ROOT);
            if (low.contains("cds") || low.contains("shared archive") || low.contains("sharing")) {
              lines.add(kind + ": " + l.trim());
            }
          }
        }
      } catch (IOException e) {
        lines.add(kind + ": cannot read worker logs: " + e);
      }
    }
    if (lines.isEmpty()) {
      System.out.println("worker logs: no CDS warning");
    } else {
      System.out.println("worker logs mention CDS:");
      lines.stream().limit(10).forEach(l -> System.out.println("  " + l));
    }
  }

  private static String realPath(Path p) {
    try {
      return p.toRealPath().toString();
    } catch (IOException e) {
      return p.toAbsolutePath().toString();
    }
  }

  private void row(String name, List<Double> values, int failed, Double p99) {
    System.out.printf(Locale.ROOT, "%-52s %7s %10s %10s %10s %10s%n", name,
        values.size() + (failed > 0 ? "+" + failed + "F" : ""),
        fmtMs(median(values)), fmtMs(min(values)), fmtMs(max(values)),
        p99 == null ? "" : fmtMs(p99));
  }

  private void roundTripRow(String name, List<List<Double>> runs, int failed) {
    List<Double> medians = runs.stream().map(NodeBench::median).toList();
    List<Double> all = runs.stream().flatMap(List::stream).toList();
    row(name, medians, failed, all.isEmpty() ? Double.NaN : percentile(all, 0.99));
  }

  private static int countFailures(List<String> failures, String prefix) {
    return (int) failures.stream().filter(f -> f.startsWith(prefix)).count();
  }

  private static void phaseRow(String name, List<ForkRun> t, List<ForkRun> n,
      java.util.function.ToDoubleFunction<ForkRun> f) {
    System.out.printf(Locale.ROOT, "%-58s %10s %10s%n", name,
        fmtMs(median(t.stream().map(f::applyAsDouble).toList())),
        fmtMs(median(n.stream().map(f::applyAsDouble).toList())));
  }

  private static void probeRow(String name, List<ProbeRun> t, List<ProbeRun> n,
      java.util.function.ToDoubleFunction<ProbeRun> f) {
    System.out.printf(Locale.ROOT, "%-58s %10s %10s%n", name,
        fmtMs(median(t.stream().map(f::applyAsDouble).toList())),
        fmtMs(median(n.stream().map(f::applyAsDouble).toList())));
  }

  private static <T> List<Double> vals(List<T> runs, java.util.function.ToDoubleFunction<T> f) {
    return runs.stream().map(f::applyAsDouble).toList();
  }

  private static void section(String title) {
    System.out.println();
    System.out.println("-- " + title);
  }

  private static void progress(String format, Object... args) {
    System.out.println("   " + String.format(Locale.ROOT, format, args));
    System.out.flush();
  }

  // ---------------------------------------------------------------------------------------
  // numbers
  // ---------------------------------------------------------------------------------------

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static double ms(Duration d) {
    return d.toNanos() / 1e6;
  }

  private static List<Double> sorted(List<Double> values) {
    return values.stream().filter(v -> v != null && !v.isNaN()).sorted(Comparator.naturalOrder())
        .toList();
  }

  static double median(List<Double> values) {
    List<Double> s = sorted(values);
    if (s.isEmpty()) {
      return Double.NaN;
    }
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  static double min(List<Double> values) {
    List<Double> s = sorted(values);
    return s.isEmpty() ? Double.NaN : s.get(0);
  }

  static double max(List<Double> values) {
    List<Double> s = sorted(values);
    return s.isEmpty() ? Double.NaN : s.get(s.size() - 1);
  }

  /** The nearest-rank percentile. */
  static double percentile(List<Double> values, double q) {
    List<Double> s = sorted(values);
    if (s.isEmpty()) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(q * s.size());
    return s.get(Math.max(0, Math.min(s.size() - 1, rank - 1)));
  }

  private static String fmtMs(double ms) {
    if (Double.isNaN(ms)) {
      return "-";
    }
    return String.format(Locale.ROOT, ms >= 100 ? "%.0f" : ms >= 10 ? "%.1f" : "%.2f", ms);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // arguments
  // ---------------------------------------------------------------------------------------

  private record Options(int runs, int iterations, int warmup, String only) {
    boolean has(char measurement) {
      return only.indexOf(measurement) >= 0;
    }

    static Options parse(String[] args) {
      int runs = 7;
      int iterations = 200;
      int warmup = 50;
      String only = "abcdefg";
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        switch (a) {
          case "--runs" -> runs = positive(a, value(args, ++i, a));
          case "--iterations" -> iterations = positive(a, value(args, ++i, a));
          case "--warmup" -> warmup = nonNegative(a, value(args, ++i, a));
          case "--only" -> {
            only = value(args, ++i, a).toLowerCase(Locale.ROOT);
            if (!only.matches("[abcdefg]+")) {
              throw new IllegalArgumentException("--only takes letters of abcdefg, got " + only);
            }
          }
          default -> {
            if (a.matches("\\d+")) {
              runs = positive("runs", a);
            } else {
              throw new IllegalArgumentException("unknown argument '" + a + "'");
            }
          }
        }
      }
      return new Options(runs, iterations, warmup, only);
    }

    private static String value(String[] args, int i, String option) {
      if (i >= args.length) {
        throw new IllegalArgumentException(option + " needs a value");
      }
      return args[i];
    }

    private static int positive(String name, String v) {
      int n = nonNegative(name, v);
      if (n < 1) {
        throw new IllegalArgumentException(name + " must be at least 1, got " + v);
      }
      return n;
    }

    private static int nonNegative(String name, String v) {
      try {
        int n = Integer.parseInt(v);
        if (n < 0) {
          throw new IllegalArgumentException(name + " must not be negative, got " + v);
        }
        return n;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(name + " needs a number, got '" + v + "'");
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // the start probe's own JVM
  // ---------------------------------------------------------------------------------------

  /**
   * The start of a worker JVM without its cluster join, for diagnostic f: enters main,
   * initialises logging and creates an actor system configured as {@code WorkerMain}
   * configures a worker's (cluster provider, role worker, a free port), but with no seed node,
   * so it joins nothing. Prints a mark on stdout after each step; the bench stamps the marks as
   * they arrive. A nested class, so its JVM does not load the bench.
   */
  public static final class StartProbe {
    static final String MARK = "NODE-BENCH-PROBE ";

    private StartProbe() {}

    public static void main(String[] args) throws Exception {
      mark("main");
      org.slf4j.LoggerFactory.getILoggerFactory();
      mark("logging");
      Config config = ConfigFactory.empty()
          .withValue("pekko.cluster.roles", ConfigValueFactory.fromIterable(List.of("worker")))
          .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(0))
          .withValue("pekko.coordinated-shutdown.exit-jvm", ConfigValueFactory.fromAnyRef("off"))
          .withFallback(DroverConfig.load());
      ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), NodeSystem.NAME, config);
      mark("system");
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      mark("terminated");
      Runtime.getRuntime().halt(0);
    }

    private static void mark(String what) {
      System.out.println(MARK + what);
      System.out.flush();
    }
  }
}
