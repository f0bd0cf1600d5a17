package dev.drover.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import dev.drover.cluster.ClusterSettings;
import dev.drover.cluster.InvalidClusterConfig;
import dev.drover.cluster.InvalidClusterKeys;
import dev.drover.config.DroverConfig;
import dev.drover.node.NodeSystem;
import dev.drover.node.OwnerOnly;
import dev.drover.node.PoolSettings;
import dev.drover.node.Supervisor;
import dev.drover.node.WorkerLauncher;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.typed.Cluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code drover supervisor}: a standalone supervisor of one kind of worker. */
@Command(name = "supervisor", mixinStandardHelpOptions = true,
    description = "Runs a supervisor that keeps a pool of forked worker JVMs of one kind "
        + "until SIGINT or SIGTERM, which stop it and every worker it forked.")
final class SupervisorCommand implements Callable<Integer> {
  @Option(names = "--kind", required = true, description = "Kind of worker, e.g. shell.")
  String kind;

  @Option(names = "--handler", description = "WorkerHandler class; not needed for 'shell'.")
  String handler;

  @Option(names = "--min", description = "Workers always running (default: drover.node.pool.min).")
  Integer min;

  @Option(names = "--warm", description = "Idle spares kept (default: drover.node.pool.warm).")
  Integer warm;

  @Option(names = "--max", description = "Most workers running (default: drover.node.pool.max).")
  Integer max;

  @Option(names = "--port", defaultValue = "25520",
      description = "Port on 127.0.0.1 that workers and clients connect to (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--data", description = "Data directory (default: drover.data-dir, .drover).")
  Path data;

  @Option(names = "--seed", paramLabel = "HOST:PORT",
      description = "A member of the cluster to join, e.g. another supervisor; repeatable "
          + "(drover.cluster.seeds). None: form a new cluster.")
  List<String> seeds;

  @Option(names = "--cluster-keys", paramLabel = "DIR",
      description = "The cluster's key material, made by `drover cluster-keys init DIR` "
          + "(drover.cluster.keys; default: <data>/cluster-keys, created when missing).")
  Path clusterKeys;

  @Override
  public Integer call() throws Exception {
    Config config = DroverConfig.load();
    if (data != null) {
      config = config.withValue("drover.data-dir",
          ConfigValueFactory.fromAnyRef(data.toAbsolutePath().toString()));
    }
    // worker logs show what the workers' users ran: readable by this user only
    OwnerOnly.directory(Path.of(config.getString("drover.data-dir")));
    if (clusterKeys != null) {
      config = config.withValue("drover.cluster.keys",
          ConfigValueFactory.fromAnyRef(clusterKeys.toAbsolutePath().toString()));
    }
    if (seeds != null && !seeds.isEmpty()) {
      config = config.withValue("drover.cluster.seeds", ConfigValueFactory.fromIterable(seeds));
    }
    Config nodeConfig;
    try {
      nodeConfig = ClusterSettings.fromConfig(config)
          .applyTo(NodeSystem.config("supervisor", port, config), NodeSystem.NAME);
    } catch (InvalidClusterConfig | InvalidClusterKeys e) {
      System.err.println("drover supervisor cannot start: " + e.getMessage());
      return 2;
    }
    PoolSettings defaults = PoolSettings.fromConfig(config, kind, handler);
    PoolSettings settings = defaults.toBuilder()
        .pool(min == null ? defaults.min() : min, warm == null ? defaults.warm() : warm,
            max == null ? defaults.max() : max)
        .build();
    ActorSystem<Supervisor.Command> system = NodeSystem.supervisor(
        settings, WorkerLauncher.fromConfig(config), nodeConfig);
    System.out.println("supervisor of kind '" + kind + "' at "
        + Cluster.get(system).selfMember().address() + " (pool min " + settings.min() + ", warm "
        + settings.warm() + ", max " + settings.max() + "); worker logs in "
        + settings.workerLogDir());
    // SIGINT and SIGTERM run Pekko's coordinated shutdown: the supervisor stops its slots,
    // and each slot kills its worker's process tree
    system.getWhenTerminated().toCompletableFuture().join();
    return 0;
  }
}
