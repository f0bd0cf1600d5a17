package dev.drover.readme;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.IntNode;
import dev.drover.demo.Squaring;
import dev.drover.node.WorkerLease;
import dev.drover.testkit.DroverSimulation;
import dev.drover.testkit.RandomLoad;
import dev.drover.testkit.SimulatedClient;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SquaringPoolTest {
  @RegisterExtension
  static final DroverSimulation sim = DroverSimulation.builder()
      .pool("square", Squaring.class, pool -> pool.pool(2, 1, 4))
      .build();

  @Test
  void aClientWhoseWorkerIsKilledIsToldAndLeasesAnother() throws Exception {
    // given a client holding a lease
    SimulatedClient client = sim.client("square");
    WorkerLease lease = client.requestWorker(Duration.ofSeconds(5))
        .toCompletableFuture().get(10, TimeUnit.SECONDS);

    // when its worker is killed (the invariants are checked after every step)
    sim.step("kill the leased worker", () -> sim.faults().killWorker("square", lease.slot()));

    // then the client is told, and the next worker it leases squares
    lease.lost().toCompletableFuture().get(10, TimeUnit.SECONDS);
    WorkerLease next = client.requestWorker(Duration.ofSeconds(5))
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(client.submit(next, IntNode.valueOf(3)).result()
        .toCompletableFuture().get(10, TimeUnit.SECONDS).asInt()).isEqualTo(9);
    client.release(next);
    sim.settle();   // every request, work and release ended; no dropped client holds a lease
  }

  @Test
  void fiftyClientsKeepEveryInvariantUnderRandomFaults() {
    RandomLoad.Report report = RandomLoad.on(sim, "square")
        .clients(50).steps(1_000).maxInFlight(6)
        .run();
    assertThat(report.worksSucceeded()).isPositive();
  }
}
