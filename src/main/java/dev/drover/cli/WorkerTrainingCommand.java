package dev.drover.cli;

import com.fasterxml.jackson.databind.node.IntNode;
import com.typesafe.config.Config;
import dev.drover.config.DroverConfig;
import dev.drover.demo.Squaring;
import dev.drover.node.NodeClient;
import dev.drover.node.NodeSystem;
import dev.drover.node.PoolSettings;
import dev.drover.node.Supervisor;
import dev.drover.node.WorkerConfig;
import dev.drover.node.WorkerLauncher;
import dev.drover.node.WorkerMain;
import dev.drover.node.WorkerLease;
import dev.drover.node.WorkerProcess;
import dev.drover.node.WorkerSlot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.cluster.typed.Cluster;
import picocli.CommandLine.Command;

/**
 * {@code drover worker-training}: run by the build under {@code -XX:ArchiveClassesAtExit} to
 * record the classes a worker JVM loads into a class-data-sharing archive. It starts a worker's
 * actor system beside a supervisor in this JVM, so both sides of the protocol, the cluster join
 * and the serializers are exercised, leases the worker and runs one piece of work.
 */
@Command(name = "worker-training", hidden = true,
    description = "Exercises a worker's start path once (used by the build for class-data sharing).")
final class WorkerTrainingCommand implements java.util.concurrent.Callable<Integer> {

  @Override
  public Integer call() throws Exception {
    Path data = Files.createTempDirectory("drover-training");
    // the cluster keys this supervisor and its worker authenticate each other with go there too
    Config config = DroverConfig.load().withValue("drover.data-dir",
        com.typesafe.config.ConfigValueFactory.fromAnyRef(data.toString()));
    PoolSettings settings = PoolSettings.fromConfig(config, "square", Squaring.class.getName())
        .toBuilder().pool(1, 0, 1).dataDir(data).build();
    ActorSystem<Supervisor.Command> supervisor =
        NodeSystem.supervisor(settings, new SameJvmLauncher(), 0, config);
    try {
      String address = Cluster.get(supervisor).selfMember().address().toString();
      try (NodeClient client = NodeClient.connect(supervisor, "square", List.of(address))) {
        WorkerLease lease = client.requestWorker(Duration.ofSeconds(30)).toCompletableFuture()
            .get(60, TimeUnit.SECONDS);
        lease.submit(IntNode.valueOf(3), p -> { }).result().toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
        lease.release().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    } finally {
      supervisor.terminate();
      supervisor.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    return 0;
  }

  /** Starts the worker's actor system in this JVM, as {@link WorkerMain} does in a fork. */
  private static final class SameJvmLauncher implements WorkerLauncher {
    @Override
    public WorkerProcess launch(LaunchRequest r, ActorContext<WorkerSlot.Command> ctx) {
      PoolSettings s = r.settings();
      ActorSystem<Object> worker = WorkerMain.start(new WorkerMain.Arguments(
          ctx.getSystem().name(), Cluster.get(ctx.getSystem()).selfMember().address().toString(),
          ActorRefResolver.get(ctx.getSystem()).toSerializationFormat(r.slot()),
          r.incarnation(), s.kind(), s.handlerClass(), s.leaseIdleTimeout(),
          s.recycleAfterLeases(), s.transitionLogSize(), s.cancelGracePeriod(), s.workTimeout(),
          s.dataDir(), s.cancelSignal()),
          WorkerConfig.inherited(ctx.getSystem().settings().config()), false);
      return new WorkerProcess() {
        @Override
        public long pid() {
          return ProcessHandle.current().pid();
        }

        @Override
        public CompletionStage<Integer> exited() {
          return new CompletableFuture<>();
        }

        @Override
        public void kill() {
          worker.terminate();
        }

        @Override
        public String describe() {
          return "training worker in this JVM";
        }
      };
    }
  }
}
