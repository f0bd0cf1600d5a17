package dev.drover.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.demo.Squaring;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A host that starts its clients with its supervisor waits for the pool, not for luck. */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeClientReadyTest {
  @JUnit5TestKit
  final ActorTestKit kit = new JUnit5TestKitBuilder()
      .withName(NodeSystem.NAME)
      .withCustomConfig(TestPools.nodeConfig("supervisor"))
      .build();

  @TempDir Path data;

  @Test
  void awaitReadyWaitsForASupervisorStartedAfterTheClient() throws Exception {
    // given a client connected before its supervisor exists
    try (NodeClient client = NodeClient.connect(kit.system(), "late",
        List.of(TestPools.address(kit.system())), Duration.ofSeconds(1))) {
      CompletableFuture<PoolStatus> ready =
          client.awaitReady(TestPools.WAIT).toCompletableFuture();

      // when the supervisor starts
      TestPools.spawnSupervisor(kit, TestPools.settings("late", Squaring.class.getName(),
          2, 0, 2, data), new InProcessLauncher());

      // then the client learns the pool is ready, and its first request is served
      PoolStatus status = ready.get(TestPools.WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(status.ready()).isTrue();
      assertThat(status.workers()).hasSizeGreaterThanOrEqualTo(2);
      WorkerLease lease = client.requestWorker(Duration.ofSeconds(5)).toCompletableFuture()
          .get(TestPools.WAIT.toSeconds(), TimeUnit.SECONDS);
      lease.release().toCompletableFuture().get(TestPools.WAIT.toSeconds(), TimeUnit.SECONDS);
    }
  }

  @Test
  void awaitReadyFailsSayingWhyWhenNoSupervisorAnswers() {
    // given a client of a kind nobody supervises
    try (NodeClient client = NodeClient.connect(kit.system(), "nobody",
        List.of(TestPools.address(kit.system())), Duration.ofMillis(300))) {
      // when it waits a second for the pool, then it is told it is not attached
      assertThatThrownBy(() -> client.awaitReady(Duration.ofSeconds(1)).toCompletableFuture()
          .get(TestPools.WAIT.toSeconds(), TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(ErrSupervisor.class)
          .hasMessageContaining("not attached within PT1S");
    }
  }
}
