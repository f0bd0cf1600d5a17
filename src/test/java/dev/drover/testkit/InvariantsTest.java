package dev.drover.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.node.PoolStatus;
import dev.drover.node.PoolStatus.SlotState;
import dev.drover.node.PoolStatus.WorkerStatus;
import dev.drover.node.SupervisorState;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The invariants catch what they are about, without an actor system. */
class InvariantsTest {
  private static final SupervisorState READY = SupervisorState.POOL_READY;
  private static final SlotState IDLE = SlotState.IDLE;
  private static final SlotState BUSY = SlotState.BUSY;


  private static PoolStatus pool(SupervisorState state, int min, int max, SlotState... slots) {
    List<WorkerStatus> workers = IntStream.range(0, slots.length)
        .mapToObj(i -> new WorkerStatus(i + 1, 1, slots[i], null, null, 0, null,
            Duration.ZERO, List.of()))
        .toList();
    return new PoolStatus("k", state, true, null, min, 0, max, min, 0, 0, 0, workers, List.of(),
        List.of(), 0);
  }

  @Test
  void aPoolAboveItsMaxBreaksTheBounds() {
    assertThatThrownBy(() -> Invariants.checkPool(pool(READY, 1, 2, IDLE, IDLE, IDLE)))
        .isInstanceOf(AssertionError.class).hasMessageContaining("has 3 workers");
  }

  @Test
  void aReadyPoolBelowItsMinBreaksTheBoundsUnlessItReplacesAWorker() {
    assertThatThrownBy(() -> Invariants.checkPool(pool(READY, 3, 4, IDLE, BUSY)))
        .isInstanceOf(AssertionError.class).hasMessageContaining("only 2 ready workers");
    assertThatCode(() -> Invariants.checkPool(pool(READY, 3, 4, IDLE, BUSY, SlotState.LAUNCHING)))
        .doesNotThrowAnyException();
    assertThatCode(() -> Invariants.checkPool(pool(SupervisorState.POOL_STARTING, 3, 4, IDLE)))
        .doesNotThrowAnyException();
  }

  @Test
  void aWorkerServingAnEarlierLeaseAgainIsCaught() {
    // given a worker that served lease A of client 1 and then lease B of client 2
    Violations violations = new Violations();
    SimulatedWorker worker = new SimulatedWorker("k", 1, "i1", violations);
    worker.reserved("A", "client-1");
    worker.submitted("w1", "A");
    worker.reserved("B", "client-2");
    worker.submitted("w2", "B");
    worker.submitted("w3", "A");
    run(worker, "w1");
    run(worker, "w2");
    assertThat(violations.all()).isEmpty();

    // when it runs work of lease A again
    run(worker, "w3");

    // then that is a worker serving two clients
    assertThat(violations.all()).singleElement().asString()
        .contains("serves lease A of client client-1 again after serving lease B of client "
            + "client-2");
  }

  @Test
  void aWorkerRunningTwoPiecesOfWorkAtOnceIsCaught() {
    Violations violations = new Violations();
    SimulatedWorker worker = new SimulatedWorker("k", 1, "i1", violations);
    worker.submitted("w1", "A");
    worker.submitted("w2", "A");
    worker.workStarts("w1");
    worker.workStarts("w2");
    assertThat(violations.all()).singleElement().asString().contains("two pieces of work at once");
  }

  @Test
  void workRunTwiceIsCounted() {
    WorkLedger ledger = new WorkLedger();
    assertThat(ledger.ran("w")).isEqualTo(1);
    assertThat(ledger.ran("w")).isEqualTo(2);
    assertThat(ledger.runs("w")).isEqualTo(2);
    assertThat(ledger.runs("other")).isZero();
  }

  private static void run(SimulatedWorker worker, String work) {
    worker.workStarts(work);
    worker.workEnds();
  }
}
