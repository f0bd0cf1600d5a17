package dev.drover.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.config.DroverConfig;
import dev.drover.node.PoolStatus.SlotState;
import dev.drover.observe.Transition;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The supervisor's bookkeeping, decided without an actor system. */
class PoolTest {
  private static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");

  private final AtomicInteger leaseIds = new AtomicInteger();

  private static PoolSettings settings(int min, int warm, int max, int maxLeasesPerClient) {
    return PoolSettings.fromConfig(DroverConfig.load(), PoolSettings.SHELL, null).toBuilder()
        .pool(min, warm, max)
        .maxLeasesPerClient(maxLeasesPerClient)
        .retireIdleAfter(Duration.ofSeconds(30))
        .dataDir(Path.of("unused"))
        .build();
  }

  private static Supervisor.RequestWorker request(String client, String id) {
    return new Supervisor.RequestWorker(client, id, null, null, null);
  }

  /** Starts what the pool asks for and makes every launched slot ready. */
  private static List<Integer> startAndReady(Pool pool) {
    List<Integer> started = pool.resize().start();
    for (int id : started) {
      pool.launched(id, "inc-" + id, 100 + id);
      pool.ready(id, "inc-" + id, null, 100 + id, NOW);
    }
    return started;
  }

  private String nextLease() {
    return "lease-" + leaseIds.incrementAndGet();
  }

  private static Transition<WorkerState> moved(WorkerState from, WorkerState to) {
    return new Transition<>("worker/x", from, to, "test", NOW);
  }

  /** Leases a worker to {@code client} through a confirmed reservation; the slot's id. */
  private int lease(Pool pool, String client, String requestId) {
    pool.enqueue(request(client, requestId), Duration.ofSeconds(1));
    Pool.Reservation r = pool.dispatch(this::nextLease).get(0);
    assertThat(pool.confirmed(r.slot(), r.leaseId())).isPresent();
    pool.workerMoved(r.slot(), "inc-" + r.slot(), moved(WorkerState.IDLE, WorkerState.RESERVED));
    return r.slot();
  }

  @Test
  void anEmptyPoolStartsMinPlusWarmSlots() {
    // given a pool of min 2, warm 1, max 5
    Pool pool = new Pool(settings(2, 1, 5, 0));
    // when it is first resized, then it starts three slots, numbered from 1
    assertThat(pool.resize().start()).containsExactly(1, 2, 3);
    assertThat(pool.slots()).extracting(s -> s.state).containsOnly(SlotState.LAUNCHING);
    // and once they register, all three are idle and ready
    for (int id = 1; id <= 3; id++) {
      pool.launched(id, "inc-" + id, id);
      assertThat(pool.ready(id, "inc-" + id, null, id, NOW)).isTrue();
    }
    assertThat(pool.idle()).isEqualTo(3);
    assertThat(pool.ready()).isEqualTo(3);
    assertThat(pool.illegalMoves()).isZero();
  }

  @Test
  void aRegistrationOfAnOldIncarnationIsIgnored() {
    Pool pool = new Pool(settings(1, 0, 1, 0));
    pool.resize();
    pool.launched(1, "new", 7);
    assertThat(pool.ready(1, "old", null, 7, NOW)).isFalse();
    assertThat(pool.idle()).isZero();
  }

  @Test
  void waitingRequestsGetIdleWorkersOldestFirstAndThePoolGrowsForTheRest() {
    // given a pool of one ready worker, max 3
    Pool pool = new Pool(settings(1, 0, 3, 0));
    startAndReady(pool);
    // when three requests arrive
    pool.enqueue(request("a", "r1"), Duration.ofSeconds(1));
    pool.enqueue(request("b", "r2"), Duration.ofSeconds(1));
    pool.enqueue(request("c", "r3"), Duration.ofSeconds(1));
    List<Pool.Reservation> sent = pool.dispatch(this::nextLease);
    // then the oldest is reserved the idle worker
    assertThat(sent).extracting(r -> r.request().requestId()).containsExactly("r1");
    assertThat(pool.slot(1).orElseThrow().state).isEqualTo(SlotState.RESERVING);
    // and the pool grows to max for the two still waiting
    assertThat(pool.target()).isEqualTo(3);
    assertThat(startAndReady(pool)).containsExactly(2, 3);
    assertThat(pool.dispatch(this::nextLease)).extracting(r -> r.request().requestId())
        .containsExactly("r2", "r3");
    assertThat(pool.waiting()).isZero();
  }

  @Test
  void aRefusedReservationPutsItsRequestBackFirst() {
    Pool pool = new Pool(settings(2, 0, 2, 0));
    startAndReady(pool);
    pool.enqueue(request("a", "r1"), Duration.ofSeconds(1));
    Pool.Reservation r = pool.dispatch(this::nextLease).get(0);
    // when the worker refuses
    pool.refused(r.slot(), r.leaseId());
    // then its slot is not offered until it reports, and the request goes to the other worker
    assertThat(pool.slot(r.slot()).orElseThrow().state).isEqualTo(SlotState.STOPPING);
    Pool.Reservation again = pool.dispatch(this::nextLease).get(0);
    assertThat(again.request().requestId()).isEqualTo("r1");
    assertThat(again.slot()).isNotEqualTo(r.slot());
  }

  @Test
  void aClientIsCappedAtItsLeasesAndAnEndedLeaseFreesItsPlace() {
    Pool pool = new Pool(settings(2, 0, 2, 1));
    startAndReady(pool);
    int slot = lease(pool, "a", "r1");
    assertThat(pool.leasesOf("a")).isEqualTo(1);
    assertThat(pool.refusal("a")).contains("max-leases-per-client 1");
    assertThat(pool.refusal("b")).isNull();
    // when the worker reports it is idle again, the lease is over
    pool.workerMoved(slot, "inc-" + slot, moved(WorkerState.RESERVED, WorkerState.IDLE));
    assertThat(pool.leasesOf("a")).isZero();
    assertThat(pool.refusal("a")).isNull();
    assertThat(pool.slot(slot).orElseThrow().leaseId).isNull();
  }

  @Test
  void aFailedSlotLosesItsLeaseToItsHolder() {
    Pool pool = new Pool(settings(1, 0, 1, 0));
    startAndReady(pool);
    int slot = lease(pool, "a", "r1");
    pool.workerMoved(slot, "inc-" + slot, moved(WorkerState.RESERVED, WorkerState.BUSY));
    assertThat(pool.busy()).isEqualTo(1);
    // when its worker dies, then the lease is reported lost and the slot counts as failed
    assertThat(pool.failed(slot, "exit 137")).isPresent();
    assertThat(pool.slot(slot).orElseThrow().state).isEqualTo(SlotState.FAILED);
    assertThat(pool.slot(slot).orElseThrow().restarts).isEqualTo(1);
    assertThat(pool.leasesOf("a")).isZero();
    assertThat(pool.ready()).isZero();
    assertThat(pool.illegalMoves()).isZero();
  }

  @Test
  void aRequestExpiringDuringItsReservationIsRefusedAndNotQueuedAgain() {
    // given a request reserved on a worker that does not answer (hung)
    Pool pool = new Pool(settings(1, 0, 1, 0));
    startAndReady(pool);
    pool.enqueue(request("a", "r1"), Duration.ofSeconds(1));
    Pool.Reservation r = pool.dispatch(this::nextLease).get(0);
    // when its timeout passes, it expires all the same
    assertThat(pool.expire("r1")).map(w -> w.request().requestId()).contains("r1");
    // and when the unanswered worker's slot fails, the request does not wait again
    assertThat(pool.failed(r.slot(), "missed heartbeats")).isEmpty();
    assertThat(pool.waiting()).isZero();
  }

  @Test
  void aSlotLostDuringItsReservationPutsTheRequestBack() {
    Pool pool = new Pool(settings(1, 0, 1, 0));
    startAndReady(pool);
    pool.enqueue(request("a", "r1"), Duration.ofSeconds(1));
    Pool.Reservation r = pool.dispatch(this::nextLease).get(0);
    // when the slot fails before the worker confirms, nobody is told of a lost lease
    assertThat(pool.failed(r.slot(), "exit 1")).isEmpty();
    // and the request waits again; a late confirmation grants nothing
    assertThat(pool.waiting()).isEqualTo(1);
    assertThat(pool.confirmed(r.slot(), r.leaseId())).isEmpty();
  }

  @Test
  void anExpiredRequestLeavesTheQueueOnce() {
    Pool pool = new Pool(settings(0, 0, 1, 0));
    pool.enqueue(request("a", "r1"), Duration.ofSeconds(1));
    assertThat(pool.expire("r1")).isPresent();
    assertThat(pool.expire("r1")).isEmpty();
    assertThat(pool.waiting()).isZero();
  }

  @Test
  void idleExtrasAreRetiredOnlyAfterRetireIdleAfterAndNeverMoreThanNeeded() {
    // given a pool of min 1 that grew to 3 for three leases
    Pool pool = new Pool(settings(1, 0, 3, 0));
    startAndReady(pool);
    int a = lease(pool, "a", "r1");
    pool.enqueue(request("b", "r2"), Duration.ofSeconds(1));
    pool.enqueue(request("c", "r3"), Duration.ofSeconds(1));
    startAndReady(pool);
    List<Pool.Reservation> more = pool.dispatch(this::nextLease);
    more.forEach(r -> pool.confirmed(r.slot(), r.leaseId()));
    pool.takeNewlyIdle();
    // when all three leases end
    for (int slot : List.of(a, more.get(0).slot(), more.get(1).slot())) {
      pool.workerMoved(slot, "inc-" + slot, moved(WorkerState.RESERVED, WorkerState.IDLE));
    }
    List<Pool.NewlyIdle> idle = pool.takeNewlyIdle();
    assertThat(idle).hasSize(3);
    // then nothing is retired before the idle timers fire
    assertThat(pool.target()).isEqualTo(1);
    assertThat(pool.resize().retire()).isEmpty();
    // and once they have, the two idle the longest are retired, once
    idle.forEach(i -> pool.idleLongEnough(i.slot(), i.idleSeq()));
    Pool.Resize resize = pool.resize();
    assertThat(resize.retire()).containsExactly(idle.get(0).slot(), idle.get(1).slot());
    assertThat(resize.start()).isEmpty();
    assertThat(pool.resize().retire()).isEmpty();
    assertThat(pool.live()).isEqualTo(1);
    // and when the retired slots are gone, none is started again
    resize.retire().forEach(pool::removed);
    assertThat(pool.resize().start()).isEmpty();
    assertThat(pool.size()).isEqualTo(1);
    assertThat(pool.illegalMoves()).isZero();
  }

  @Test
  void anIdleTimerOfAnEarlierIdlePeriodRetiresNothing() {
    Pool pool = new Pool(settings(0, 0, 1, 0));
    pool.enqueue(request("a", "r0"), Duration.ofSeconds(1));
    startAndReady(pool);
    Pool.Reservation r0 = pool.dispatch(this::nextLease).get(0);
    pool.confirmed(r0.slot(), r0.leaseId());
    pool.workerMoved(1, "inc-1", moved(WorkerState.RESERVED, WorkerState.IDLE));
    Pool.NewlyIdle first = pool.takeNewlyIdle().get(1);
    // when the worker is leased again and idle again before the first timer fires
    int slot = lease(pool, "a", "r1");
    pool.workerMoved(slot, "inc-" + slot, moved(WorkerState.RESERVED, WorkerState.IDLE));
    // then the first timer does not count for the new idle period
    pool.idleLongEnough(first.slot(), first.idleSeq());
    assertThat(pool.resize().retire()).isEmpty();
  }

  @Test
  void nothingIsRetiredWhileRequestsWait() {
    Pool pool = new Pool(settings(0, 0, 1, 0));
    pool.enqueue(request("a", "r0"), Duration.ofSeconds(1));
    startAndReady(pool);
    pool.takeNewlyIdle().forEach(i -> pool.idleLongEnough(i.slot(), i.idleSeq()));
    assertThat(pool.resize().retire()).isEmpty();
  }
}
