package dev.drover.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigFactory;
import dev.drover.demo.Squaring;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pool's timers run on the actor scheduler: with manual time, idle workers are retired,
 * unused leases end and hung workers are detected when the test says time has passed, not when
 * a wall clock does.
 *
 * <p>Manual time that jumps delivers every timer due in the jump at once, before any answer to
 * them can arrive: a test that wants heartbeats answered lets time pass in steps shorter than
 * {@code heartbeat-timeout} (or, as here, sets heartbeats out of the way).
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PoolTimersManualTimeTest {
  private static final Duration RETIRE_AFTER = Duration.ofSeconds(30);

  @JUnit5TestKit
  ActorTestKit kit = new JUnit5TestKitBuilder()
      .withName(NodeSystem.NAME)
      .withCustomConfig(ManualTime.config()
          // a manual-time system cannot run its shutdown tasks on timers: it would never stop
          .withFallback(ConfigFactory.parseString(
              "pekko.coordinated-shutdown.run-by-actor-system-terminate = off"))
          .withFallback(TestPools.nodeConfig("supervisor")))
      .build();

  @TempDir Path data;

  private ManualTime time() {
    return ManualTime.get(kit.system());
  }

  private PoolStatus status(ActorRef<Supervisor.Command> supervisor) {
    TestProbe<PoolStatus> probe = kit.createTestProbe();
    supervisor.tell(new Supervisor.GetStatus(probe.ref()));
    return probe.receiveMessage();
  }

  /** Lets manual time pass in small steps until the pool's status matches. */
  private PoolStatus advanceUntil(ActorRef<Supervisor.Command> supervisor,
      Predicate<PoolStatus> condition) {
    PoolStatus[] last = new PoolStatus[1];
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
      time().timePasses(Duration.ofMillis(100));
      last[0] = status(supervisor);
      return condition.test(last[0]);
    });
    return last[0];
  }

  /** Waits, without letting manual time pass, until the pool's status matches. */
  private PoolStatus awaitStatus(ActorRef<Supervisor.Command> supervisor,
      Predicate<PoolStatus> condition) {
    PoolStatus[] last = new PoolStatus[1];
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
      last[0] = status(supervisor);
      return condition.test(last[0]);
    });
    return last[0];
  }

  private Supervisor.LeaseGranted lease(ActorRef<Supervisor.Command> supervisor,
      TestProbe<WorkEvent> holder, String requestId) {
    TestProbe<Supervisor.LeaseReply> reply = kit.createTestProbe();
    supervisor.tell(new Supervisor.RequestWorker("client-" + requestId, requestId, holder.ref(),
        Duration.ofMinutes(5), reply.ref()));
    return reply.expectMessageClass(Supervisor.LeaseGranted.class, Duration.ofSeconds(20));
  }

  @Test
  void idleWorkersAboveMinAreRetiredOnlyAfterRetireIdleAfterHasPassed() {
    // given a pool of min 1, max 2, retiring idle extras after 30 s, heartbeats out of the way
    PoolSettings settings = TestPools.settings("manual", Squaring.class.getName(), 1, 0, 2, data)
        .toBuilder()
        .retireIdleAfter(RETIRE_AFTER)
        .heartbeat(Duration.ofHours(1), Duration.ofHours(2))
        .build();
    ActorRef<Supervisor.Command> supervisor =
        TestPools.spawnSupervisor(kit, settings, new InProcessLauncher());
    advanceUntil(supervisor, s -> s.state() == SupervisorState.POOL_READY && s.idle() == 1);

    // and two workers leased, so the pool grew to two, then both released
    TestProbe<WorkEvent> holder = kit.createTestProbe();
    Supervisor.LeaseGranted first = lease(supervisor, holder, "r1");
    Supervisor.LeaseGranted second = lease(supervisor, holder, "r2");
    first.worker().tell(new Worker.Release(first.leaseId(), holder.ref()));
    second.worker().tell(new Worker.Release(second.leaseId(), holder.ref()));
    PoolStatus released = awaitStatus(supervisor, s -> s.idle() == 2);
    assertThat(released.target()).isEqualTo(1);

    // when less than retire-idle-after passes, then both workers stay
    time().timePasses(RETIRE_AFTER.minusSeconds(1));
    assertThat(awaitStatus(supervisor, s -> s.idle() == 2).workers()).hasSize(2);

    // when it has passed, then the extra worker is retired and the pool is back at min
    time().timePasses(Duration.ofSeconds(2));
    PoolStatus shrunk = awaitStatus(supervisor, s -> s.workers().size() == 1);
    assertThat(shrunk.idle()).isEqualTo(1);
    assertThat(shrunk.state()).isEqualTo(SupervisorState.POOL_READY);
  }

  @Test
  void aLeaseWithoutWorkEndsAfterTheManualLeaseIdleTimeout() {
    // given a pool whose leases end after 10 s without work
    PoolSettings settings = TestPools.settings("lease", Squaring.class.getName(), 1, 0, 1, data)
        .toBuilder()
        .leaseIdleTimeout(Duration.ofSeconds(10))
        .heartbeat(Duration.ofHours(1), Duration.ofHours(2))
        .build();
    ActorRef<Supervisor.Command> supervisor =
        TestPools.spawnSupervisor(kit, settings, new InProcessLauncher());
    advanceUntil(supervisor, s -> s.state() == SupervisorState.POOL_READY && s.idle() == 1);
    TestProbe<WorkEvent> holder = kit.createTestProbe();
    Supervisor.LeaseGranted granted = lease(supervisor, holder, "idle-lease");

    // when less than the timeout passes, then the lease holds
    time().expectNoMessageFor(Duration.ofSeconds(9), holder);

    // when it has passed, then the holder is told the lease ended, and why
    time().timePasses(Duration.ofSeconds(2));
    WorkEvent.LeaseEnded ended = holder.expectMessageClass(WorkEvent.LeaseEnded.class);
    assertThat(ended.leaseId()).isEqualTo(granted.leaseId());
    assertThat(ended.reason()).contains("lease-idle-timeout");
    awaitStatus(supervisor, s -> s.idle() == 1 && s.busy() == 0);
  }

  /** Starts a "worker" that registers with its slot and then answers nothing: a hung JVM. */
  private static final class HungWorkerLauncher implements WorkerLauncher {
    @Override
    public WorkerProcess launch(LaunchRequest request,
        ActorContext<WorkerSlot.Command> slotContext) {
      ActorRef<Worker.Command> worker = slotContext.spawn(Behaviors.<Worker.Command>setup(ctx -> {
        request.slot().tell(new WorkerSlot.Register(request.incarnation(), ctx.getSelf(), 1));
        return Behaviors.ignore();
      }), "hung-" + request.incarnation());
      return new WorkerProcess() {
        @Override
        public long pid() {
          return 1;
        }

        @Override
        public CompletionStage<Integer> exited() {
          return new CompletableFuture<>();
        }

        @Override
        public void kill() {
          slotContext.stop(worker);
        }

        @Override
        public String describe() {
          return "hung test worker";
        }
      };
    }
  }

  @Test
  void aWorkerThatStopsAnsweringHeartbeatsFailsItsSlotAfterTheManualTimeout() {
    // given a slot whose worker registers and then answers no heartbeat, every 1 s, timeout 3 s
    PoolSettings settings = TestPools.settings("hung", Squaring.class.getName(), 1, 0, 1, data)
        .toBuilder()
        .heartbeat(Duration.ofSeconds(1), Duration.ofSeconds(3))
        .build();
    TestProbe<Supervisor.Command> supervisor = kit.createTestProbe();
    kit.spawn(WorkerSlot.create(1, settings, new HungWorkerLauncher(), supervisor.ref()));
    supervisor.expectMessageClass(Supervisor.SlotLaunched.class);
    supervisor.expectMessageClass(Supervisor.SlotReady.class);

    // when less than three timeouts pass (a fresh JVM gets three before its first answer),
    // then the slot waits
    time().expectNoMessageFor(Duration.ofSeconds(8), supervisor);

    // when more have passed, then the slot fails, saying the worker is hung
    time().timePasses(Duration.ofSeconds(3));
    Supervisor.SlotFailed failed = supervisor.expectMessageClass(Supervisor.SlotFailed.class);
    assertThat(failed.cause()).contains("missed heartbeats");
  }
}
