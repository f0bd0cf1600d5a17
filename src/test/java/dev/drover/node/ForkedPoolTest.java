package dev.drover.node;

import static dev.drover.node.TestPools.awaitStatus;
import static dev.drover.node.TestPools.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.demo.Squaring;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pool sizes, restarts and shutdown with real forked worker JVMs. */
class ForkedPoolTest {
  @TempDir Path data;
  private ActorTestKit kit;

  @AfterEach
  void stopNode() {
    if (kit != null) {
      TestPools.stop(kit);
    }
    TestPools.killLeftoverWorkers();
  }

  private ActorRef<Supervisor.Command> start(PoolSettings settings) {
    kit = TestPools.supervisorKit();
    return TestPools.spawnSupervisor(kit, settings, new ForkedJvmLauncher(java.util.Optional.empty()));
  }

  @Test
  void minTwoWarmTwoKeepsFourIdleWorkerJvms() {
    // given a pool of min 2, warm 2, max 5
    ActorRef<Supervisor.Command> supervisor =
        start(TestPools.settings("fork5", Squaring.class.getName(), 2, 2, 5, data));

    // when it is ready with its spares
    PoolStatus status = awaitStatus(kit.system(), supervisor, ready(4));

    // then exactly four worker JVMs run, all idle, and each has its own log file
    assertThat(status.workers()).hasSize(4);
    assertThat(status.pids()).doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(pidsOf(TestPools.workerProcesses()));
    assertThat(status.workers()).allSatisfy(w ->
        assertThat(w.state()).isEqualTo(PoolStatus.SlotState.IDLE));
    assertThat(data.resolve("workers/fork5")).isDirectoryContaining("glob:**worker-1.log");
  }

  @Test
  void minSevenWarmZeroKeepsSevenWorkerJvms() {
    // given a pool of min 7, warm 0, max 15
    ActorRef<Supervisor.Command> supervisor =
        start(TestPools.settings("fork15", Squaring.class.getName(), 7, 0, 15, data));

    // then exactly seven worker JVMs run once it is ready
    PoolStatus status = awaitStatus(kit.system(), supervisor, ready(7));
    assertThat(status.workers()).hasSize(7);
    assertThat(TestPools.workerProcesses()).hasSize(7);
  }

  @Test
  void stoppingTheSupervisorLeavesNoWorkerProcessBehind() {
    // given a ready pool of three worker JVMs
    ActorRef<Supervisor.Command> supervisor =
        start(TestPools.settings("stop", Squaring.class.getName(), 3, 0, 3, data));
    List<Long> pids = awaitStatus(kit.system(), supervisor, ready(3)).pids();

    // when the supervisor's actor system shuts down
    kit.shutdownTestKit();
    kit = null;

    // then none of its worker processes is alive
    await().atMost(TestPools.WAIT).until(() -> pids.stream()
        .noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)));
    assertThat(TestPools.workerProcesses()).isEmpty();
  }

  @Test
  void aWorkerThatAlwaysDiesAtStartPutsThePoolInErrPoolWithTheCause() {
    // given a pool whose worker's handler throws in its constructor, with 2 restarts allowed
    PoolSettings settings = TestPools.settings("dies", DiesAtStart.class.getName(), 1, 0, 1, data)
        .toBuilder()
        .restarts(java.time.Duration.ofMillis(100), java.time.Duration.ofMillis(400), 0.1, 2,
            java.time.Duration.ofMinutes(1))
        .build();
    ActorRef<Supervisor.Command> supervisor = start(settings);

    // then after the allowed restarts, with growing delays, the supervisor is in ErrPool
    PoolStatus status = awaitStatus(kit.system(), supervisor,
        s -> s.state() == SupervisorState.ERR_POOL);
    assertThat(status.error())
        .contains("slot 1 restarted 3 times")
        .contains("restart.max-restarts 2")
        .contains("worker process exited with code 1");
    // and the worker's own log says why
    await().atMost(TestPools.WAIT).untilAsserted(() ->
        assertThat(Files.readString(data.resolve("workers/dies/worker-1.log")))
            .contains("this worker always dies at start"));
    assertThat(TestPools.workerProcesses()).isEmpty();
  }

  @Test
  void recycledWorkerGetsAFreshJvmAfterItsLease() throws Exception {
    // given a pool that recycles a worker's JVM after every lease
    ActorRef<Supervisor.Command> supervisor = start(TestPools.settings(
        "recycle", Squaring.class.getName(), 1, 0, 1, data).toBuilder()
        .recycleAfterLeases(1).build());
    long firstPid = awaitStatus(kit.system(), supervisor, ready(1)).pids().get(0);
    try (NodeClient client = NodeClient.connect(kit.system(), "recycle",
        List.of(TestPools.address(kit.system())))) {
      // when a client leases the worker and releases it
      WorkerLease lease = client.requestWorker().toCompletableFuture().get();
      lease.submit(com.fasterxml.jackson.databind.node.IntNode.valueOf(3), p -> { })
          .result().toCompletableFuture().get();
      lease.release().toCompletableFuture().get();
    }
    // then a new JVM serves the slot, the old one is gone, and it is not counted as a restart
    PoolStatus status = awaitStatus(kit.system(), supervisor,
        s -> ready(1).test(s) && !s.pids().contains(firstPid));
    assertThat(ProcessHandle.of(firstPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(status.workers().get(0).restarts()).isZero();
  }

  private static List<Long> pidsOf(List<ProcessHandle> processes) {
    return processes.stream().map(ProcessHandle::pid).toList();
  }
}
