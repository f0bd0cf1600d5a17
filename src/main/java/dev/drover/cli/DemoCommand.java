package dev.drover.cli;

import com.fasterxml.jackson.databind.node.IntNode;
import com.typesafe.config.Config;
import dev.drover.config.DroverConfig;
import dev.drover.demo.Squaring;
import dev.drover.node.NodeClient;
import dev.drover.node.NodeSystem;
import dev.drover.node.PoolSettings;
import dev.drover.node.PoolStatus;
import dev.drover.node.SupervisorState;
import dev.drover.node.Supervisor;
import dev.drover.node.WorkerLauncher;
import dev.drover.node.WorkerLease;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.typed.Cluster;
import picocli.CommandLine.Command;

/** {@code drover demo}: the node layer end to end, in one command. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Starts a supervisor with a squaring worker JVM, leases the worker, submits "
        + "1..5 and prints each payload, one per line.")
final class DemoCommand implements Callable<Integer> {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Override
  public Integer call() throws Exception {
    Config config = DroverConfig.load();
    PoolSettings settings = PoolSettings.fromConfig(config, "square", Squaring.class.getName())
        .toBuilder().pool(1, 0, 1).build();
    ActorSystem<Supervisor.Command> system = NodeSystem.supervisor(
        settings, WorkerLauncher.fromConfig(config), 0, config);
    try {
      awaitPoolReady(system);
      String address = Cluster.get(system).selfMember().address().toString();
      try (NodeClient client = NodeClient.connect(system, "square", List.of(address))) {
        WorkerLease lease = client.requestWorker().toCompletableFuture()
            .get(WAIT.toSeconds(), TimeUnit.SECONDS);
        for (int n = 1; n <= 5; n++) {
          lease.submit(IntNode.valueOf(n), payload -> System.out.println(payload.asText()))
              .result().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        lease.release().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
      }
      return 0;
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
  }

  private static void awaitPoolReady(ActorSystem<Supervisor.Command> system) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      PoolStatus status = AskPattern.<Supervisor.Command, PoolStatus>ask(system,
          Supervisor.GetStatus::new, Duration.ofSeconds(5), system.scheduler())
          .toCompletableFuture().get();
      if (status.state() == SupervisorState.POOL_READY && status.idle() > 0) {
        return;
      }
      if (status.state() == SupervisorState.ERR_POOL || System.nanoTime() > deadline) {
        throw new IllegalStateException("the demo's pool did not get ready: " + status.state()
            + (status.error() == null ? "" : " (" + status.error() + ")"));
      }
      Thread.sleep(20);
    }
  }
}
