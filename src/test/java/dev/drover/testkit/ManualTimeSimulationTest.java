package dev.drover.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.IntNode;
import dev.drover.demo.Squaring;
import dev.drover.node.ErrWorker;
import dev.drover.node.WorkerLease;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** On manual time, what the actors time on their scheduler happens when the test says so. */
class ManualTimeSimulationTest {
  @RegisterExtension
  static final DroverSimulation sim = DroverSimulation.builder()
      .manualTime()
      .pool("idle", Squaring.class, pool -> pool.pool(1, 0, 1)
          .leaseIdleTimeout(Duration.ofSeconds(30)))
      .build();

  private static <T> T get(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void aLeaseEndsAfterItsIdleTimeoutOnlyAsTheClockMoves() throws Exception {
    // given a lease, on manual time
    SimulatedClient client = sim.client("idle");
    WorkerLease lease = get(client.requestWorker(Duration.ofSeconds(5)));

    // when 29 of its 30 idle seconds pass, it is still held
    sim.step("29 s pass", () -> sim.advance(Duration.ofSeconds(29)));
    assertThat(get(client.submit(lease, IntNode.valueOf(2)).result()).asInt()).isEqualTo(4);

    // and when 31 s pass after its work, the worker ends it and is free again
    sim.step("31 s pass", () -> sim.advance(Duration.ofSeconds(31)));
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      var status = sim.supervisor("idle").status();
      return status.idle() == 1 && status.busy() == 0;
    });
    assertThatThrownBy(() -> get(client.submit(lease, IntNode.valueOf(3)).result()))
        .hasCauseInstanceOf(ErrWorker.class)
        .hasMessageContaining("is not held by this client");
    sim.settle();
  }

  @Test
  void advancingARealTimeSimulationIsRefused() {
    DroverSimulation real = DroverSimulation.builder()
        .pool("x", Squaring.class, pool -> pool).build();
    assertThatThrownBy(() -> real.advance(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("manualTime()");
  }
}
