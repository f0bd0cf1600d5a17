package dev.drover.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.IntNode;
import dev.drover.demo.Squaring;
import dev.drover.node.PoolStatus;
import dev.drover.node.WorkerLease;
import dev.drover.node.WorkerLost;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The kit's faults, one at a time, each followed by the invariants. */
class DroverSimulationTest {
  @RegisterExtension
  static final DroverSimulation sim = DroverSimulation.builder()
      .pool("square", Squaring.class, pool -> pool.pool(2, 0, 3))
      .build();

  private static <T> T get(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void aKilledBusyWorkerIsReplacedAndItsClientIsTold() throws Exception {
    // given a client holding a lease
    SimulatedClient client = sim.client("square");
    WorkerLease lease = get(client.requestWorker(Duration.ofSeconds(5)));

    // when its worker is killed
    sim.step("kill the leased worker", () -> sim.faults().killWorker("square", lease.slot()));

    // then the client sees the worker lost and the pool is ready again
    WorkerLost lost = get(lease.lost());
    assertThat(lost.getMessage()).contains(lease.leaseId());
    sim.step("pool ready again", () -> sim.awaitPoolReady("square"));
    sim.settle();
  }

  @Test
  void aKilledIdleWorkerIsReplaced() throws Exception {
    // given a ready pool
    PoolStatus before = sim.awaitPoolReady("square");
    int slot = before.workers().get(0).slot();
    SimulatedWorker victim = sim.workers("square").slot(slot);

    // when an idle worker is killed
    sim.step("kill an idle worker", () -> sim.faults().killWorker("square", slot));

    // then its slot runs a new incarnation
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      SimulatedWorker now = sim.workers("square").current().stream()
          .filter(w -> w.slot() == slot).findFirst().orElse(null);
      return now != null && !now.incarnation().equals(victim.incarnation());
    });
    sim.step("pool ready again", () -> sim.awaitPoolReady("square"));
  }

  @Test
  void aHungWorkerIsReplacedAfterItsHeartbeatTimeout() throws Exception {
    // given a client holding a lease
    SimulatedClient client = sim.client("square");
    WorkerLease lease = get(client.requestWorker(Duration.ofSeconds(5)));

    // when its worker hangs
    sim.step("hang the leased worker", () -> sim.faults().hangWorker("square", lease.slot()));

    // then its work never ends by itself, and the slot replaces the worker after its heartbeat
    // timeout, which the client sees as a lost lease
    CompletableFuture<?> work = client.submit(lease, IntNode.valueOf(3)).result()
        .toCompletableFuture();
    WorkerLost lost = get(lease.lost());
    // the slot tells the supervisor (which tells the holder) and stops the hung worker, whose
    // end the client watches itself: whichever arrives first names the loss
    assertThat(lost.getMessage()).containsAnyOf("missed heartbeats", "worker actor terminated");
    assertThatThrownBy(() -> work.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(WorkerLost.class);
    sim.step("pool ready again", () -> sim.awaitPoolReady("square"));
    sim.settle();
  }

  @Test
  void delayedMessagesStillServeTheLease() throws Exception {
    // given a client holding a lease
    SimulatedClient client = sim.client("square");
    WorkerLease lease = get(client.requestWorker(Duration.ofSeconds(5)));

    // when the next two messages to its worker are delayed
    sim.step("delay the worker", () -> sim.faults().delayWorker("square", lease.slot(), 2,
        Duration.ofMillis(200)));

    // then its work still succeeds
    assertThat(get(client.submit(lease, IntNode.valueOf(4)).result()).asInt()).isEqualTo(16);
    get(client.release(lease));
    sim.settle();
  }

  @Test
  void delayedMessagesToTheSupervisorStillLeaseAWorker() throws Exception {
    // given the next three messages to the supervisor are delayed
    SimulatedClient client = sim.client("square");
    sim.step("delay the supervisor", () -> sim.faults().delaySupervisor("square", 3,
        Duration.ofMillis(300)));

    // when a client asks for a worker, then it gets one and its work succeeds
    WorkerLease lease = get(client.requestWorker(Duration.ofSeconds(5)));
    assertThat(get(client.submit(lease, IntNode.valueOf(6)).result()).asInt()).isEqualTo(36);
    get(client.release(lease));
    sim.settle();
  }

  @Test
  void aDroppedClientsLeaseEnds() throws Exception {
    // given a client holding a lease
    SimulatedClient client = sim.client("square");
    get(client.requestWorker(Duration.ofSeconds(5)));

    // when it is dropped without releasing, then its lease ends (dropClient waits for that)
    sim.step("drop the client", () -> sim.faults().dropClient(client));
    sim.settle();
  }

  @Test
  void aCrashedSupervisorRestartsItsPoolAndClientsLoseTheirLeases() throws Exception {
    // given a client holding a lease
    SimulatedClient client = sim.client("square");
    WorkerLease lease = get(client.requestWorker(Duration.ofSeconds(5)));

    // when the supervisor crashes
    sim.step("crash the supervisor", () -> sim.faults().crashSupervisor("square"));

    // then the lease is lost, the pool comes back, and the same client leases again
    get(lease.lost());
    sim.step("pool ready again", () -> sim.awaitPoolReady("square"));
    WorkerLease again = get(client.requestWorker(Duration.ofSeconds(5)));
    assertThat(get(client.submit(again, IntNode.valueOf(5)).result()).asInt()).isEqualTo(25);
    get(client.release(again));
    sim.settle();
  }

  @Test
  void aStoppedSupervisorServesItsClientsAgainOnceStarted() throws Exception {
    // given an attached client
    SimulatedClient client = sim.client("square");

    // when the supervisor is stopped, its client's requests fail
    sim.step("stop the supervisor", () -> sim.faults().stopSupervisor("square"));
    assertThatThrownBy(() -> get(client.requestWorker(Duration.ofMillis(200))))
        .hasCauseInstanceOf(RuntimeException.class);

    // and once it is started again, the client attaches and leases again
    sim.step("start the supervisor", () -> sim.faults().startSupervisor("square"));
    sim.awaitPoolReady("square");
    WorkerLease lease = await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(() -> get(client.requestWorker(Duration.ofSeconds(2))), l -> l != null);
    get(client.release(lease));
    // and so does a client that comes after
    SimulatedClient later = sim.client("square");
    get(later.release(get(later.requestWorker(Duration.ofSeconds(2)))));
    sim.settle();
  }

  @Test
  void aSmallRandomLoadKeepsEveryInvariant() {
    RandomLoad.Report report = RandomLoad.on(sim, "square")
        .clients(10).steps(300).maxInFlight(5)
        .faultsPer10000(100, 30, 100, 50, 0, 0)
        .run();
    System.out.println("small random load: " + report);
    assertThat(report.worksSucceeded()).isPositive();
    assertThat(report.invariantChecks()).isGreaterThanOrEqualTo(300);
  }

  @Test
  void aFaultAimedAtNoWorkerSaysWhichSlotsThereAre() {
    assertThatThrownBy(() -> sim.faults().killWorker("square", 99))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no started worker in slot 99");
  }
}
