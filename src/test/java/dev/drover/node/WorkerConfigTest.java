package dev.drover.node;

import static dev.drover.node.TestPools.awaitStatus;
import static dev.drover.node.TestPools.ready;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigValueFactory;
import dev.drover.config.DroverConfig;
import dev.drover.demo.Squaring;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A forked worker runs with its supervisor's cluster settings, key material included. */
class WorkerConfigTest {
  @TempDir Path data;

  @Test
  void aWorkerListensOnItsSupervisorsHostAndJoinsOverItsTls() {
    // given a supervisor whose cluster address is 127.0.0.2, with a setting of its own
    ActorTestKit kit = ActorTestKit.create(NodeSystem.NAME, NodeSystem.config("supervisor", 0,
        DroverConfig.load()
            .withValue("pekko.remote.artery.canonical.hostname",
                ConfigValueFactory.fromAnyRef("127.0.0.2"))
            .withValue("pekko.cluster.failure-detector.acceptable-heartbeat-pause",
                ConfigValueFactory.fromAnyRef("7s"))));
    try {
      ActorRef<Supervisor.Command> supervisor = TestPools.spawnSupervisor(kit,
          TestPools.settings("square", Squaring.class.getName(), 1, 0, 1, data),
          new ForkedJvmLauncher(Optional.empty()));

      // when its worker JVM has started and registered
      awaitStatus(kit.system(), supervisor, ready(1));

      // then the worker is a member on 127.0.0.2 too (it could join only with the keys)
      List<Member> workers = new ArrayList<>();
      Cluster.get(kit.system()).state().getMembers().forEach(m -> {
        if (m.hasRole("worker")) {
          workers.add(m);
        }
      });
      assertThat(workers).singleElement()
          .satisfies(w -> assertThat(w.address().host().get()).isEqualTo("127.0.0.2"));
      assertThat(kit.system().settings().config().getString("pekko.remote.artery.transport"))
          .isEqualTo("tls-tcp");
    } finally {
      TestPools.stop(kit);
      TestPools.killLeftoverWorkers();
    }
  }

  @Test
  void whatAWorkerInheritsLeavesItsRoleSeedAndPortItsOwn() {
    String inherited = WorkerConfig.inherited(DroverConfig.load()
        .withValue("drover.node.pool.max", ConfigValueFactory.fromAnyRef(9))
        .withValue("pekko.cluster.roles", ConfigValueFactory.fromIterable(List.of("engine")))
        .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(25520))
        .withValue("pekko.cluster.split-brain-resolver.stable-after",
            ConfigValueFactory.fromAnyRef("3s")));
    var worker = WorkerConfig.forWorker(inherited, "pekko://drover@127.0.0.1:25520", false);
    assertThat(worker.getInt("drover.node.pool.max")).isEqualTo(9);
    assertThat(worker.getString("pekko.cluster.split-brain-resolver.stable-after"))
        .isEqualTo("3s");
    assertThat(worker.getStringList("pekko.cluster.roles")).containsExactly("worker");
    assertThat(worker.getInt("pekko.remote.artery.canonical.port")).isZero();
    assertThat(worker.getStringList("pekko.cluster.seed-nodes"))
        .containsExactly("pekko://drover@127.0.0.1:25520");
  }
}
