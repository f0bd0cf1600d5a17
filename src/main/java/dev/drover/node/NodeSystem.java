package dev.drover.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.drover.cluster.ClusterKeys;
import dev.drover.config.DroverConfig;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** Starts the actor system of a Drover node: a supervisor's or a client's. */
public final class NodeSystem {
  /** The actor system name every node of a Drover cluster shares. */
  public static final String NAME = "drover";

  private static final String COMMON_POOL_PARALLELISM =
      "java.util.concurrent.ForkJoinPool.common.parallelism";

  /**
   * Gives {@code CompletableFuture}'s asynchronous stages a pool of threads on small machines.
   * With fewer than 3 cores the common pool's parallelism is 1, and {@code CompletableFuture}
   * then starts a new thread for every asynchronous stage; the futures of Pekko's asks (Scala
   * futures converted to {@code CompletionStage}) run even {@code thenApply} asynchronously, so
   * each HTTP request or task would start and end several threads. Drover's {@code main}
   * methods call this first; a host that embeds Drover sets
   * {@code -Djava.util.concurrent.ForkJoinPool.common.parallelism=2} (or more) itself, since
   * the setting is read once, when the common pool is first used.
   */
  public static void pooledAsyncStages() {
    if (System.getProperty(COMMON_POOL_PARALLELISM) == null) {
      System.setProperty(COMMON_POOL_PARALLELISM,
          String.valueOf(Math.max(2, Runtime.getRuntime().availableProcessors() - 1)));
    }
  }

  private NodeSystem() {}

  /**
   * The configuration of a node with {@code role} listening on {@code port} (0: any free), its
   * transport secured with the cluster's key material ({@link ClusterKeys#configure}: the
   * directory {@code drover.cluster.keys}, or {@code <drover.data-dir>/cluster-keys}, created
   * when missing). {@code base} holds Drover's Pekko settings: {@code DroverConfig.load()}, or
   * a configuration falling back to it.
   *
   * @throws IllegalArgumentException when {@code base} lacks Drover's Pekko settings
   * @throws dev.drover.cluster.InvalidClusterKeys when the key material is unusable
   */
  public static Config config(String role, int port, Config base) {
    return config(List.of(role), port, base);
  }

  /** As {@link #config(String, int, Config)}, for a node with several roles. */
  public static Config config(List<String> roles, int port, Config base) {
    return ClusterKeys.configure(ConfigFactory.empty()
        .withValue("pekko.cluster.roles", ConfigValueFactory.fromIterable(roles))
        .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(port))
        .withFallback(DroverConfig.requirePekkoSettings(base)));
  }

  /**
   * An actor system running a supervisor of {@code settings.kind()} under the name clients look
   * for, with role {@code supervisor}.
   */
  public static ActorSystem<Supervisor.Command> supervisor(
      PoolSettings settings, WorkerLauncher launcher, int port, Config base) {
    return supervisor(settings, launcher, config("supervisor", port, base));
  }

  /**
   * An actor system running a supervisor of {@code settings.kind()}, with {@code config} as it is
   * (a {@link #config} result, or a serve node's with more roles).
   */
  public static ActorSystem<Supervisor.Command> supervisor(
      PoolSettings settings, WorkerLauncher launcher, Config config) {
    Behavior<Supervisor.Command> guardian = Behaviors.setup(ctx -> {
      ActorRef<Supervisor.Command> supervisor = ctx.spawn(
          Supervisor.create(settings, launcher), Supervisor.actorName(settings.kind()));
      PoolDirectory.register(ctx.getSystem(), supervisor);
      return Behaviors.receive(Supervisor.Command.class)
          .onAnyMessage(m -> {
            supervisor.tell(m);
            return Behaviors.same();
          })
          .build();
    });
    return ActorSystem.create(guardian, NAME, config);
  }
}
