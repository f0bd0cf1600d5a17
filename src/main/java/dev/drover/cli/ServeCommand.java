package dev.drover.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import dev.drover.cluster.ClusterKeys;
import dev.drover.cluster.ClusterSettings;
import dev.drover.cluster.InvalidClusterConfig;
import dev.drover.cluster.InvalidClusterKeys;
import dev.drover.cluster.JournalDatabase;
import dev.drover.config.DroverConfig;
import dev.drover.flow.Execution;
import dev.drover.flow.EmbeddedJournal;
import dev.drover.flow.FlowConfig;
import dev.drover.flow.FlowService;
import dev.drover.http.HttpServer;
import dev.drover.http.JwtSecret;
import dev.drover.node.NodeSystem;
import dev.drover.node.OwnerOnly;
import dev.drover.node.PoolSettings;
import dev.drover.node.Supervisor;
import dev.drover.node.WorkerLauncher;
import dev.drover.observe.metrics.RunMetrics;
import dev.drover.observe.tracing.JobTraces;
import dev.drover.pipeline.CronScheduler;
import dev.drover.pipeline.definition.DefinitionException;
import dev.drover.pipeline.definition.GoDuration;
import dev.drover.pipeline.definition.PipelineDefinition;
import dev.drover.pipeline.definition.PipelineFiles;
import dev.drover.pipeline.PipelineRunner;
import dev.drover.pipeline.definition.PipelinesLoader;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SelfUp;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code drover serve}: the pipeline server. Loads the pipelines files, starts the {@code shell}
 * worker pool, the flow engine, the job queue and the HTTP API, and runs until SIGINT or SIGTERM
 * ({@link ShutdownSignals}); SIGUSR1 and SIGHUP (and, with {@code --watch}, a change of a
 * pipelines file) reload the definitions.
 *
 * <p>Every prunner option is accepted, with prunner's meaning, and every option can also be set
 * as {@code DROVER_<OPTION>} or, for prunner's options, {@code PRUNNER_<OPTION>}
 * ({@link EnvironmentDefaults}).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    defaultValueProvider = EnvironmentDefaults.class,
    description = {"Runs the pipelines of prunner-style pipelines.yml files behind an HTTP API "
        + "(JWT-authenticated) until SIGINT or SIGTERM.",
        "Each option can also be set as DROVER_<OPTION> (DROVER_ADDRESS for --address) or, for "
            + "prunner's options, as PRUNNER_<OPTION>."})
final class ServeCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  // ---- prunner's options, with prunner's meaning ----

  @Option(names = "--path", defaultValue = ".",
      description = "Directory searched for pipelines files (default: ${DEFAULT-VALUE}).")
  Path path;

  @Option(names = "--pattern", defaultValue = PipelinesLoader.DEFAULT_GLOB,
      description = "Glob of pipelines files under --path (default: ${DEFAULT-VALUE}).")
  String pattern;

  @Option(names = "--address", defaultValue = "127.0.0.1:9009",
      description = "Address of the HTTP API: HOST:PORT, or :PORT for every interface "
          + "(default: ${DEFAULT-VALUE}).")
  String address;

  @Option(names = "--data", defaultValue = ".drover",
      description = "Data directory: journal, job logs, worker logs (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(names = "--config", paramLabel = "FILE",
      description = "Config file holding jwt_secret (default: .drover.yml, or .prunner.yml when "
          + "only that one exists; created with a random secret when missing).")
  Path configFile;

  @Option(names = "--jwt-secret", paramLabel = "SECRET",
      description = "Secret of the HS256 tokens, at least 16 characters (32 or more "
          + "recommended); every user of the host can read a command line, so prefer "
          + "--jwt-secret-file or DROVER_JWT_SECRET (PRUNNER_JWT_SECRET).")
  String jwtSecret;

  @Option(names = "--watch",
      description = "Reload the pipelines when a pipelines file changes (seen at once, and "
          + "checked every --poll-interval).")
  boolean watch;

  @Option(names = "--poll-interval", paramLabel = "DURATION", defaultValue = "30s",
      description = "With --watch, how often the pipelines files are read again, as a Go "
          + "duration (default: ${DEFAULT-VALUE}).")
  String pollInterval;

  @Option(names = "--env-files", paramLabel = "FILE", split = ",",
      defaultValue = ".env,.env.local",
      description = "Dotenv files whose variables every task gets, later files overriding "
          + "earlier ones; missing files are skipped, \"\" loads none "
          + "(default: ${DEFAULT-VALUE}).")
  List<String> envFiles;

  @Option(names = {"--verbose", "-v"}, description = "Log Drover's debug lines too.")
  boolean verbose;

  @Option(names = "--disable-ansi",
      description = "Log in logfmt (time=... level=... msg=\"...\"), as prunner without ANSI.")
  boolean disableAnsi;

  @Option(names = "--enable-profiling",
      description = "Accepted for prunner's sake; Go's /debug/pprof has no Java counterpart "
          + "(use JDK Flight Recorder: jcmd <pid> JFR.start).")
  boolean enableProfiling;

  // ---- Drover's own options ----

  @Option(names = "--jwt-secret-file", paramLabel = "FILE",
      description = "File holding the secret of the HS256 tokens (a final line break is no part "
          + "of it).")
  Path jwtSecretFile;

  // ---- the cluster (README, "Running a cluster"); each flag overrides a drover.cluster key ----

  @Option(names = "--cluster-address", paramLabel = "HOST:PORT",
      description = "Address this node's cluster transport listens on and is reached at "
          + "(drover.cluster.address; default: 127.0.0.1 and a free port).")
  String clusterAddress;

  @Option(names = "--seed", paramLabel = "HOST:PORT",
      description = "A member to join; repeatable (drover.cluster.seeds). None: form a new "
          + "cluster.")
  List<String> seeds;

  @Option(names = "--journal", paramLabel = "JDBC_URL",
      description = "PostgreSQL journal the nodes of a cluster share, e.g. "
          + "jdbc:postgresql://127.0.0.1:5432/drover (drover.cluster.journal; password from "
          + "DROVER_JOURNAL_PASSWORD). Default: an H2 file in the data directory.")
  String journal;

  @Option(names = "--cluster-keys", paramLabel = "DIR",
      description = "The cluster's key material, made by `drover cluster-keys init DIR` "
          + "(drover.cluster.keys; default: <data>/cluster-keys, created when missing).")
  Path clusterKeys;

  @Option(names = "--management-address", paramLabel = "HOST:PORT",
      description = "Address of /health/ready and /health/alive "
          + "(drover.cluster.management-address; default: 127.0.0.1 and a free port).")
  String managementAddress;


  @Override
  public Integer call() throws Exception {
    applyLogOptions();
    ListenAddress listen;
    Duration poll;
    Map<String, String> taskVariables;
    try {
      listen = ListenAddress.parse(address);
      poll = pollInterval(pollInterval);
      taskVariables = TaskVariables.of(loadEnvFiles());
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    PipelineFiles files = new PipelineFiles(path, pattern);
    Map<String, PipelineDefinition> definitions;
    try {
      definitions = files.load();
    } catch (DefinitionException e) {
      System.err.println(e.getMessage());
      return 1;
    }
    JwtSecret secret = JwtSecret.resolve(jwtSecret, jwtSecretFile, configFile);
    // jobs' variables, logs and the journal are for the server's user only; made so before the
    // journal creates its files
    OwnerOnly.directory(data);

    Config config;
    ClusterSettings cluster;
    try {
      Config flagged = withClusterFlags(FlowConfig.forDataDir(data, DroverConfig.load()));
      cluster = ClusterSettings.fromConfig(flagged);
      if (!cluster.seeds().isEmpty() && cluster.journal().isEmpty()) {
        throw new InvalidClusterConfig("a cluster of drover serve nodes needs the journal they "
            + "share: --journal jdbc:postgresql://HOST:PORT/DATABASE (each node's own H2 file "
            + "would hold other jobs)");
      }
      config = cluster.applyTo(NodeSystem.config(ROLES, 0, flagged), NodeSystem.NAME)
          .withValue("pekko.management.health-checks.readiness-checks.sharding",
              ConfigValueFactory.fromAnyRef(
                  "org.apache.pekko.cluster.sharding.ClusterShardingHealthCheck"))
          .withValue("pekko.cluster.sharding.healthcheck.names",
              ConfigValueFactory.fromIterable(List.of(Execution.TYPE_KEY.name())));
    } catch (InvalidClusterConfig | InvalidClusterKeys e) {
      LOG.error("drover serve cannot start: {}", e.getMessage());
      return 2;
    }
    Duration grace = config.getDuration("drover.pipeline.shutdown-grace");
    // SIGINT waits for running jobs without limit (ShutdownSignals bounds the other stops):
    // 200 days, as Pekko's scheduler, which times the phase, takes no delay beyond 248 days
    config = config.withValue("pekko.coordinated-shutdown.phases.service-requests-done.timeout",
        ConfigValueFactory.fromAnyRef("200d"));

    if (cluster.journal().isPresent()) {
      try (Connection c = cluster.journal().get().connect()) {
        LOG.debug("journal {} answers", cluster.journal().get().describe());
      } catch (SQLException e) {
        LOG.error("drover serve cannot start: the journal {} refused: {}",
            cluster.journal().get().describe(), e.getMessage());
        return 2;
      }
    }
    // the embedded journal's file holds only live data from the start (the last stop compacted
    // it too, unless it was a crash)
    EmbeddedJournal.compact(config);
    PoolSettings shell = PoolSettings.fromConfig(config, PoolSettings.SHELL, null);
    ActorSystem<Supervisor.Command> system = NodeSystem.supervisor(
        shell, WorkerLauncher.fromConfig(config), config);
    if (!awaitUp(system, cluster)) {
      stop(system);
      return 2;
    }

    // the tables are created by the first node to get here; the others wait for it (once Up:
    // a node holding the lock while it waits to join would keep its seed from starting)
    Optional<Connection> schemaLock;
    try {
      schemaLock = cluster.journal().isEmpty() ? Optional.empty()
          : Optional.of(lockSchema(cluster.journal().get()));
    } catch (SQLException e) {
      LOG.error("drover serve cannot start: the journal {} refused: {}",
          cluster.journal().get().describe(), e.getMessage());
      stop(system);
      return 2;
    }

    AtomicReference<String> baseUrl =
        new AtomicReference<>("http://" + listen.host() + ":" + listen.port());
    PipelineRunner runner;
    try {
      runner = PipelineRunner.start(system, definitions, data.toAbsolutePath(),
          baseUrl::get, Clock.systemUTC(), taskVariables).toCompletableFuture()
          .get(60, TimeUnit.SECONDS);
    } finally {
      schemaLock.ifPresent(ServeCommand::closeQuietly);
    }
    // SIGUSR1 is prunner's reload signal, SIGHUP the usual one of daemons; handled before the
    // HTTP API answers, as a SIGHUP the JVM does not handle yet stops it
    reloadOn("USR1", files, runner);
    reloadOn("HUP", files, runner);
    // the journal's files, created by H2 with the umask's permissions
    OwnerOnly.tighten(data);
    RunMetrics.start(system);
    JobTraces traces = JobTraces.startIfEnabled(system);
    HttpServer http = new HttpServer();
    InetSocketAddress bound = http.start(system, runner, secret, listen.host(), listen.port());
    if (listen.everyInterface()) {
      LOG.info("HTTP API listening on every interface ({}:{}): reachable from other hosts, "
          + "with a token", bound.getHostString(), bound.getPort());
    }
    baseUrl.set("http://" + (listen.everyInterface() ? "127.0.0.1" : bound.getHostString()) + ":"
        + bound.getPort());
    // one scheduler in the cluster: a due time fires once, on whichever node holds it
    ClusterSingleton.get(system).init(SingletonActor.of(CronScheduler.create(
        () -> runner.definitions().values().stream().map(CronScheduler.Due::of)
            .filter(Objects::nonNull).toList(),
        request -> runner.schedule(request).whenComplete((job, error) -> {
          if (error != null) {
            LOG.warn("scheduled job of {} refused: {}", request.pipeline(), error.getMessage());
          }
        }),
        Clock.systemUTC(), config.getDuration("drover.pipeline.cron-check-interval"),
        config.getDuration("drover.pipeline.cron-catch-up")), "drover-cron")
        .withSettings(ClusterSingletonSettings.create(system)
            .withRole(FlowService.engineRole(system))));
    Optional<String> health = startHealth(system, cluster);

    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    ShutdownSignals signals = ShutdownSignals.install(shutdown, grace);
    shutdown.addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "refuse-new-jobs", () -> {
      runner.stopAccepting();
      return CompletableFuture.completedFuture(Done.getInstance());
    });
    shutdown.addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "running-jobs-grace",
        () -> runner.awaitNoRunningJobs(signals.stopWaiting())
            .thenCompose(done -> http.stop(Duration.ofSeconds(1))));
    if (traces != null) {
      shutdown.addTask(CoordinatedShutdown.PhaseServiceStop(), "flush-job-traces", () -> {
        traces.close();
        return CompletableFuture.completedFuture(Done.getInstance());
      });
    }
    if (watch) {
      watch(files, runner, poll);
    }
    System.out.println("drover serving " + definitions.size() + " pipelines from " + path
        + " on http://" + bound.getHostString() + ":" + bound.getPort() + " (data in " + data
        + "; cluster node " + Cluster.get(system).selfMember().address()
        + health.map(h -> "; health " + h + "/health/ready").orElse("") + ")");
    system.getWhenTerminated().toCompletableFuture().join();
    EmbeddedJournal.compact(config);
    return 0;
  }

  private static void stop(ActorSystem<?> system) throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** The roles of a serve node: it runs executions and singletons, and its own shell pool. */
  private static final List<String> ROLES = List.of("engine", "supervisor");

  /** {@code config} with the cluster flags given on the command line. */
  private Config withClusterFlags(Config config) {
    Config c = config;
    if (clusterAddress != null) {
      c = c.withValue("drover.cluster.address", ConfigValueFactory.fromAnyRef(clusterAddress));
    }
    if (seeds != null && !seeds.isEmpty()) {
      c = c.withValue("drover.cluster.seeds", ConfigValueFactory.fromIterable(seeds));
    }
    if (journal != null) {
      c = c.withValue("drover.cluster.journal", ConfigValueFactory.fromAnyRef(journal));
    }
    if (clusterKeys != null) {
      c = c.withValue("drover.cluster.keys",
          ConfigValueFactory.fromAnyRef(clusterKeys.toAbsolutePath().toString()));
    }
    if (managementAddress != null) {
      c = c.withValue("drover.cluster.management-address",
          ConfigValueFactory.fromAnyRef(managementAddress));
    }
    return c;
  }

  /**
   * A connection to the journal holding a session lock, so that nodes starting together create
   * its tables one after the other; closing it releases the lock.
   */
  private static Connection lockSchema(JournalDatabase journal)
      throws SQLException, InterruptedException {
    Connection c = journal.connect();
    try (Statement s = c.createStatement()) {
      // polled, not waited for in one statement: a waiting statement's snapshot would hold up
      // the CREATE INDEX CONCURRENTLY of the node that has the lock
      while (true) {
        try (var r = s.executeQuery("SELECT pg_try_advisory_lock(" + SCHEMA_LOCK + ")")) {
          r.next();
          if (r.getBoolean(1)) {
            return c;
          }
        }
        Thread.sleep(200);
      }
    } catch (SQLException | InterruptedException e) {
      closeQuietly(c);
      throw e;
    }
  }

  /** The advisory lock key of the journal's schema creation ("drover" in ASCII). */
  private static final long SCHEMA_LOCK = 0x64726f766572L;

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException ignored) {
      // the server drops the session's lock with the connection
    }
  }

  /**
   * Waits until this node is Up in its cluster; false, after one log line saying why it may not
   * be, when {@code join-timeout} passes first.
   */
  private static boolean awaitUp(ActorSystem<?> system, ClusterSettings cluster)
      throws InterruptedException {
    CompletableFuture<Void> up = new CompletableFuture<>();
    Cluster.get(system).subscriptions().tell(org.apache.pekko.cluster.typed.Subscribe.create(
        system.systemActorOf(Behaviors.<SelfUp>receiveMessage(m -> {
          up.complete(null);
          return Behaviors.stopped();
        }), "drover-await-up", Props.empty()), SelfUp.class));
    try {
      up.get(cluster.joinTimeout().toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      LOG.error("drover serve cannot start: not Up in a cluster within {} (drover.cluster"
          + ".join-timeout): no seed of {} let it join; check that one runs and that it holds "
          + "the same cluster keys as {}", cluster.joinTimeout(), cluster.seeds(),
          ClusterKeys.directory(system.settings().config()));
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Starts /health/ready and /health/alive where configured; their base URL. */
  private static Optional<String> startHealth(ActorSystem<?> system, ClusterSettings cluster)
      throws Exception {
    if (cluster.management().isEmpty()) {
      return Optional.empty();
    }
    org.apache.pekko.http.javadsl.model.Uri uri = PekkoManagement.get(system).start()
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    return Optional.of("http://" + uri.host().address() + ":" + uri.port());
  }

  private static Duration pollInterval(String text) {
    try {
      Duration d = GoDuration.parse(text);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("--poll-interval must be greater than 0, got " + text);
      }
      return d;
    } catch (GoDuration.InvalidDurationException e) {
      throw new IllegalArgumentException("--poll-interval: " + e.getMessage());
    }
  }

  private void applyLogOptions() {
    if (disableAnsi) {
      LogSetup.logfmt();
    }
    if (verbose) {
      LogSetup.verbose();
    }
    if (enableProfiling) {
      LOG.warn("--enable-profiling: Drover has no /debug/pprof; profile it with JDK Flight "
          + "Recorder (jcmd <pid> JFR.start)");
    }
  }

  /**
   * The variables of the {@code --env-files}, read as prunner reads them, later files over
   * earlier ones; a file that does not exist is skipped, one that cannot be read is an error.
   */
  private Map<String, String> loadEnvFiles() {
    Map<String, String> variables = new LinkedHashMap<>();
    if (envFiles == null || envFiles.isEmpty() || envFiles.get(0).isEmpty()) {
      return variables;
    }
    for (String name : envFiles) {
      Path file = Path.of(name);
      try {
        variables.putAll(DotenvFile.parse(Files.readString(file, StandardCharsets.UTF_8)));
        LOG.debug("Loaded the variables of {}", file);
      } catch (NoSuchFileException missing) {
        // as prunner: a missing env file is no error
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read env file " + file + ": " + e.getMessage());
      } catch (DotenvFile.Invalid e) {
        throw new IllegalArgumentException("env file " + file + ": " + e.getMessage());
      }
    }
    return variables;
  }

  /**
   * Reloads the pipelines on the signal. A signal ignored when the JVM started (SIGHUP under
   * {@code nohup}) cannot be handled: the JVM keeps ignoring it, so the reload would silently
   * never happen; that is said at start instead.
   */
  private static void reloadOn(String signal, PipelineFiles files, PipelineRunner runner) {
    SignalHandler before = Signal.handle(new Signal(signal), s -> {
      LOG.info("SIG{}: reloading the pipelines", signal);
      reload(files, runner);
    });
    if (before == SignalHandler.SIG_IGN) {
      LOG.warn("SIG{} is ignored by this process (started with nohup?), so it will not reload "
          + "the pipelines; use SIGUSR1 or --watch", signal);
    }
  }

  /** Reloads the definitions when they changed; a broken file keeps the old ones. */
  private static synchronized void reload(PipelineFiles files, PipelineRunner runner) {
    try {
      Map<String, PipelineDefinition> next = files.load();
      if (next.equals(runner.definitions())) {
        LOG.debug("Pipelines files read again: no change");
        return;
      }
      runner.reload(next);
    } catch (DefinitionException e) {
      LOG.error("Pipelines not reloaded, the last good ones stay:\n{}", e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("Pipelines not reloaded, the last good ones stay: {}", e.toString());
    }
  }

  /**
   * Reloads when a file under --path changes (directories are registered as they appear), and
   * every {@code poll} whatever the file system tells (prunner polls; some file systems, such as
   * bind mounts of other hosts, tell nothing).
   */
  private void watch(PipelineFiles files, PipelineRunner runner, Duration poll)
      throws IOException {
    WatchService watcher = FileSystems.getDefault().newWatchService();
    try (Stream<Path> dirs = Files.walk(path)) {
      for (Path dir : dirs.filter(Files::isDirectory).toList()) {
        dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE,
            StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
      }
    }
    Thread thread = new Thread(() -> {
      try {
        while (true) {
          WatchKey key = watcher.poll(poll.toMillis(), TimeUnit.MILLISECONDS);
          if (key != null) {
            // let a burst of writes (an editor saving) settle into one reload
            Thread.sleep(300);
            key.pollEvents();
            key.reset();
          }
          reload(files, runner);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "drover-pipelines-watch");
    thread.setDaemon(true);
    thread.start();
  }
}
