package dev.drover.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.drover.flow.FlowConfig;
import dev.drover.http.HttpServer;
import dev.drover.http.JwtSecret;
import dev.drover.node.NodeSystem;
import dev.drover.node.PoolSettings;
import dev.drover.node.Supervisor;
import dev.drover.node.WorkerLauncher;
import dev.drover.pipeline.CronScheduler;
import dev.drover.pipeline.DefinitionException;
import dev.drover.pipeline.PipelineDefinition;
import dev.drover.pipeline.PipelineRunner;
import dev.drover.pipeline.PipelinesLoader;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code drover serve}: the pipeline server. Loads the pipelines files, starts the {@code shell}
 * worker pool, the flow engine, the job queue and the HTTP API, and runs until SIGINT or
 * SIGTERM; SIGHUP (and, with {@code --watch}, a change of a pipelines file) reloads the
 * definitions.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Runs the pipelines of prunner-style pipelines.yml files behind an HTTP API "
        + "(JWT-authenticated) until SIGINT or SIGTERM.")
final class ServeCommand implements Callable<Integer> {
  @Option(names = "--path", defaultValue = ".",
      description = "Directory searched for pipelines files (default: ${DEFAULT-VALUE}).")
  Path path;

  @Option(names = "--pattern", defaultValue = PipelinesLoader.DEFAULT_GLOB,
      description = "Glob of pipelines files under --path (default: ${DEFAULT-VALUE}).")
  String pattern;

  @Option(names = "--address", defaultValue = "127.0.0.1:9009",
      description = "Address of the HTTP API (default: ${DEFAULT-VALUE}).")
  String address;

  @Option(names = "--data", defaultValue = ".drover",
      description = "Data directory: journal, job logs, worker logs (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(names = "--config", description = "Config file holding jwt_secret (default: .drover.yml).")
  Path configFile;

  @Option(names = "--jwt-secret",
      description = "Secret of the HS256 tokens, at least 32 characters (or DROVER_JWT_SECRET).")
  String jwtSecret;

  @Option(names = "--watch", description = "Reload the pipelines when a pipelines file changes.")
  boolean watch;

  @Override
  public Integer call() throws Exception {
    Map<String, PipelineDefinition> definitions;
    try {
      definitions = load();
    } catch (DefinitionException e) {
      System.err.println(e.getMessage());
      return 1;
    }
    JwtSecret secret = JwtSecret.resolve(jwtSecret, configFile);
    String host = address.substring(0, address.lastIndexOf(':'));
    int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));

    Config base = ConfigFactory.load();
    Config config = FlowConfig.forDataDir(data, base);
    Duration grace = config.getDuration("drover.pipeline.shutdown-grace");
    config = config.withValue("pekko.coordinated-shutdown.phases.service-requests-done.timeout",
        ConfigValueFactory.fromAnyRef(grace.plusSeconds(1).toMillis() + "ms"));
    PoolSettings shell = PoolSettings.fromConfig(config, PoolSettings.SHELL, null);
    ActorSystem<Supervisor.Command> system = NodeSystem.supervisor(
        shell, WorkerLauncher.fromConfig(config), 0, config);

    AtomicReference<String> baseUrl = new AtomicReference<>("http://" + address);
    PipelineRunner runner = PipelineRunner.start(system, definitions, data.toAbsolutePath(),
        baseUrl::get, Clock.systemUTC()).toCompletableFuture().get(60, TimeUnit.SECONDS);
    HttpServer http = new HttpServer();
    InetSocketAddress bound = http.start(system, runner, secret, host, port);
    baseUrl.set("http://" + bound.getHostString() + ":" + bound.getPort());
    system.systemActorOf(CronScheduler.create(
        () -> runner.definitions().values().stream().map(CronScheduler.Due::of)
            .filter(Objects::nonNull).toList(),
        request -> runner.schedule(request).whenComplete((job, error) -> {
          if (error != null) {
            System.err.println("scheduled job of " + request.pipeline() + " refused: "
                + error.getMessage());
          }
        }),
        Clock.systemUTC(), config.getDuration("drover.pipeline.cron-check-interval")),
        "drover-cron", Props.empty());

    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    shutdown.addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "refuse-new-jobs", () -> {
      runner.stopAccepting();
      return CompletableFuture.completedFuture(Done.getInstance());
    });
    shutdown.addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "running-jobs-grace",
        () -> runner.awaitNoRunningJobs(grace).thenCompose(done -> http.stop(Duration.ofSeconds(1))));
    sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> reload(runner));
    if (watch) {
      watch(runner);
    }
    System.out.println("drover serving " + definitions.size() + " pipelines from " + path
        + " on http://" + bound.getHostString() + ":" + bound.getPort() + " (data in " + data
        + ")");
    system.getWhenTerminated().toCompletableFuture().join();
    return 0;
  }

  private Map<String, PipelineDefinition> load() {
    Map<String, PipelineDefinition> defs = new LinkedHashMap<>();
    for (PipelineDefinition d : PipelinesLoader.load(path, pattern)) {
      defs.put(d.name(), d);
    }
    return defs;
  }

  /** Reloads the definitions; a broken file keeps the old ones and says why. */
  private void reload(PipelineRunner runner) {
    try {
      runner.reload(load());
    } catch (DefinitionException e) {
      System.err.println("pipelines not reloaded:\n" + e.getMessage());
    }
  }

  /** Reloads when a file under --path changes (directories are registered as they appear). */
  private void watch(PipelineRunner runner) throws IOException {
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
          WatchKey key = watcher.take();
          // let a burst of writes (an editor saving) settle into one reload
          Thread.sleep(300);
          List<?> events = key.pollEvents();
          key.reset();
          if (!events.isEmpty()) {
            reload(runner);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "drover-pipelines-watch");
    thread.setDaemon(true);
    thread.start();
  }
}
