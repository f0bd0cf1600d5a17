package dev.drover.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.demo.Squaring;
import dev.drover.testkit.DroverSimulation;
import dev.drover.testkit.SimulatedClient;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A request ends at its timeout even when the worker reserved for it never answers. */
class SupervisorRequestTimeoutTest {
  @RegisterExtension
  static final DroverSimulation sim = DroverSimulation.builder()
      .pool("one", Squaring.class, pool -> pool.pool(1, 0, 1))
      .build();

  private static <T> T get(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void aRequestReservedOnAHungWorkerIsRefusedByTheSupervisorAndNotServedLater()
      throws Exception {
    // given a pool whose only worker hangs
    SimulatedClient client = sim.client("one");
    int slot = sim.supervisor("one").status().workers().get(0).slot();
    sim.step("hang the only worker", () -> sim.faults().hangWorker("one", slot));

    // when a client asks for a worker for 300 ms
    // then the supervisor itself refuses it on time, with its numbers
    assertThatThrownBy(() -> get(client.requestWorker(Duration.ofMillis(300))))
        .hasCauseInstanceOf(ErrWorker.class)
        .hasMessageContaining("no worker of kind 'one' within 0.3s: 1 of max 1 busy");

    // and once the hung worker is replaced, the refused request is not served to the new one:
    // the next request is the first the new worker is reserved for
    sim.step("the worker is replaced", () -> sim.awaitPoolReady("one"));
    WorkerLease lease = get(client.requestWorker(Duration.ofSeconds(5)));
    assertThat(sim.worker("one", lease.slot()).hung()).isFalse();
    assertThat(sim.worker("one", lease.slot()).reservations()).isEqualTo(1);
    get(client.release(lease));
    sim.settle();
  }
}
