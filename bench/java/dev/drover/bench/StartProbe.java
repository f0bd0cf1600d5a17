package dev.drover.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.drover.node.NodeSystem;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The start of a worker JVM without its cluster join, for {@link NodeBench}'s diagnostic "f":
 * enters main, initialises logging and creates an actor system configured as
 * {@code WorkerMain} configures a worker's (cluster provider, role worker, a free port), but
 * with no seed node, so it joins nothing. Prints a mark on stdout after each step; the bench
 * stamps the marks as they arrive.
 */
public final class StartProbe {
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
        .withFallback(ConfigFactory.load());
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
