package dev.drover.node;

import static dev.drover.node.TestPools.WAIT;
import static dev.drover.node.TestPools.awaitStatus;
import static dev.drover.node.TestPools.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.typesafe.config.ConfigValueFactory;
import dev.drover.demo.Squaring;
import dev.drover.observe.RunEvents;
import dev.drover.observe.Transition;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients in their own actor system leasing forked worker JVMs of a supervisor of two
 * squaring workers: the asyncmachine node tests, and the failures of worker processes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ForkedClientTest {
  @TempDir static Path data;
  private ActorTestKit supervisorKit;
  private ActorTestKit clientKit;
  private ActorRef<Supervisor.Command> supervisor;
  private String supervisorAddress;

  @BeforeAll
  void startNodes() {
    // the cluster's failure detector is made slower than the slots' heartbeats, so that a
    // stopped JVM is found by its slot's heartbeat as this test asserts
    supervisorKit = ActorTestKit.create(NodeSystem.NAME, TestPools.nodeConfig("supervisor")
        .withValue("pekko.cluster.failure-detector.acceptable-heartbeat-pause",
            ConfigValueFactory.fromAnyRef("30s")));
    supervisor = TestPools.spawnSupervisor(supervisorKit,
        TestPools.settings("square", Squaring.class.getName(), 2, 0, 2, data),
        new ForkedJvmLauncher(Optional.empty()));
    awaitStatus(supervisorKit.system(), supervisor, ready(2));
    supervisorAddress = TestPools.address(supervisorKit.system());
    clientKit = TestPools.clientKit();
  }

  @AfterAll
  void stopNodes() {
    try {
      if (clientKit != null) {
        TestPools.stop(clientKit);
      }
    } finally {
      TestPools.stop(supervisorKit);
      TestPools.killLeftoverWorkers();
    }
  }

  @BeforeEach
  void poolIsReady() {
    awaitStatus(supervisorKit.system(), supervisor, ready(2));
  }

  private NodeClient client(List<String> addresses) {
    return NodeClient.connect(clientKit.system(), "square", addresses, Duration.ofSeconds(2));
  }

  private static <T> T get(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void clientAttachesToItsSupervisor() throws Exception {
    try (NodeClient client = client(List.of(supervisorAddress))) {
      Client.State state = get(client.attached(WAIT));
      assertThat(state.name()).isEqualTo(ClientState.SUPER_READY);
      assertThat(state.supervisor()).startsWith(supervisorAddress);
    }
  }

  @Test
  void withTheFirstAddressDeadTheClientAttachesToTheSecond() throws Exception {
    // given a first address where nothing listens
    String dead = "127.0.0.1:" + freePort();
    try (NodeClient client = client(List.of(dead, supervisorAddress))) {
      // when the client starts, then it attaches to the second address
      Client.State state = get(client.attached(WAIT));
      assertThat(state.supervisor()).startsWith(supervisorAddress);
      assertThat(state.transitions()).filteredOn(t -> t.to() == ClientState.CONNECTING_SUPERVISOR)
          .extracting(Transition::cause)
          .anyMatch(c -> c.contains(dead) && c.contains("did not answer"));
    }
  }

  @Test
  void leasedWorkerSendsThePayloadOfItsWork() throws Exception {
    try (NodeClient client = client(List.of(supervisorAddress))) {
      WorkerLease lease = get(client.requestWorker());
      List<Integer> payloads = new CopyOnWriteArrayList<>();
      JsonNode result = get(lease.submit(IntNode.valueOf(2), p -> payloads.add(p.asInt())).result());
      assertThat(payloads).containsExactly(4);
      assertThat(result.asInt()).isEqualTo(4);
      // the worker is a process of its own, not this JVM
      assertThat(lease.pid()).isNotEqualTo(ProcessHandle.current().pid());
      get(lease.release());
    }
  }

  @Test
  void theSupervisorSeesEveryMoveOfAForkedWorkerInOrder() throws Exception {
    // given a lease on a forked worker, whose moves within a lease are reported together
    try (NodeClient client = client(List.of(supervisorAddress))) {
      WorkerLease lease = get(client.requestWorker());
      // when three pieces of work run under it and it is released
      for (int n = 1; n <= 3; n++) {
        assertThat(get(lease.submit(IntNode.valueOf(n), p -> { }).result()).asInt())
            .isEqualTo(n * n);
      }
      get(lease.release());
      // then the supervisor has every move of that worker, in the order the worker made them,
      // and none its tables refuse
      PoolStatus status = awaitStatus(supervisorKit.system(), supervisor, s -> s.workers()
          .stream().filter(w -> w.pid() == lease.pid()).anyMatch(w -> !w.transitions().isEmpty()
              && w.transitions().get(w.transitions().size() - 1).to() == WorkerState.IDLE));
      List<WorkerState> moves = status.workers().stream().filter(w -> w.pid() == lease.pid())
          .findFirst().orElseThrow().transitions().stream().map(Transition::to).toList();
      assertThat(moves.subList(Math.max(0, moves.size() - 8), moves.size())).containsExactly(
          WorkerState.RESERVED, WorkerState.BUSY, WorkerState.RESERVED, WorkerState.BUSY,
          WorkerState.RESERVED, WorkerState.BUSY, WorkerState.RESERVED, WorkerState.IDLE);
      assertThat(status.illegalTransitions()).isZero();
    }
  }

  @Test
  void twoClientsGetTwoWorkersAndARequestBeyondMaxFailsClearly() throws Exception {
    try (NodeClient a = client(List.of(supervisorAddress));
        NodeClient b = client(List.of(supervisorAddress));
        NodeClient c = client(List.of(supervisorAddress))) {
      WorkerLease first = get(a.requestWorker());
      WorkerLease second = get(b.requestWorker());
      assertThat(first.pid()).isNotEqualTo(second.pid());
      assertThatThrownBy(() -> get(c.requestWorker(Duration.ofSeconds(1))))
          .hasCauseInstanceOf(ErrWorker.class)
          .hasMessageContaining("no worker of kind 'square' within 1s: 2 of max 2 busy");
      get(first.release());
      get(second.release());
    }
  }

  @Test
  void killedLeasedWorkerIsReplacedAndItsClientIsTold() throws Exception {
    try (NodeClient client = client(List.of(supervisorAddress))) {
      // given a leased worker
      WorkerLease lease = get(client.requestWorker());
      long pid = lease.pid();
      int restartsBefore = TestPools.status(supervisorKit.system(), supervisor).workers().stream()
          .filter(w -> w.slot() == lease.slot()).findFirst().orElseThrow().restarts();

      var failures = supervisorKit.createTestProbe(RunEvents.WorkerFailed.class);
      supervisorKit.system().eventStream().tell(new org.apache.pekko.actor.typed.eventstream
          .EventStream.Subscribe<>(RunEvents.WorkerFailed.class, failures.getRef()));

      // when its JVM is killed with SIGKILL
      TestPools.signal(pid, "KILL");

      // then the client sees WorkerLost, and the pool is back to two idle workers
      WorkerLost lost = get(lease.lost());
      assertThat(lost.getMessage()).contains(lease.leaseId());
      PoolStatus status = awaitStatus(supervisorKit.system(), supervisor,
          s -> ready(2).test(s) && !s.pids().contains(pid));
      assertThat(status.workers()).filteredOn(w -> w.slot() == lease.slot())
          .singleElement()
          .satisfies(w -> {
            assertThat(w.restarts()).isEqualTo(restartsBefore + 1);
            assertThat(w.lastError()).contains("exited with code");
          });
      // and the supervisor's node heard of the failure once, with its cause, for the metrics
      RunEvents.WorkerFailed failed = failures.fishForMessage(Duration.ofSeconds(30), f ->
          f.slot() == lease.slot()
              ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
              : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore())
          .get(0);
      assertThat(failed.kind()).isEqualTo("square");
      assertThat(failed.failure()).contains("exited with code");
      // and the client may lease again
      get(get(client.requestWorker()).release());
    }
  }

  @Test
  void stoppedWorkerJvmMissesHeartbeatsAndIsReplaced() throws Exception {
    // given a ready pool
    PoolStatus before = TestPools.status(supervisorKit.system(), supervisor);
    long pid = before.pids().get(0);
    try {
      // when one worker JVM is stopped with SIGSTOP
      TestPools.signal(pid, "STOP");

      // then it is replaced, and the stopped process is killed; whichever detector fires
      // first (the slot's heartbeat or the cluster's failure detector, which a loaded machine
      // can reorder) names the cause
      PoolStatus after = awaitStatus(supervisorKit.system(), supervisor,
          s -> ready(2).test(s) && !s.pids().contains(pid));
      assertThat(after.workers()).anySatisfy(w ->
          assertThat(w.lastError()).containsAnyOf("missed heartbeats", "became unreachable"));
      await().atMost(WAIT).until(() ->
          !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    } finally {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  void clientFallsOverToTheNextSupervisorWhenItsSupervisorIsLost() throws Exception {
    // given a second supervisor of the same kind in the same cluster, and a client
    // attached to the first of two supervisors
    ActorTestKit first = ActorTestKit.create(NodeSystem.NAME, TestPools.nodeConfig("supervisor")
        .withValue("pekko.cluster.seed-nodes",
            ConfigValueFactory.fromIterable(List.of(supervisorAddress))));
    try {
      ActorRef<Supervisor.Command> other = TestPools.spawnSupervisor(first,
          TestPools.settings("square", Squaring.class.getName(), 0, 0, 1, data.resolve("b")),
          new InProcessLauncher());
      awaitStatus(first.system(), other, s -> s.state() == SupervisorState.POOL_READY);
      String firstAddress = TestPools.address(first.system());
      try (NodeClient client = client(List.of(firstAddress, supervisorAddress))) {
        assertThat(get(client.attached(WAIT)).supervisor()).startsWith(firstAddress);

        // when the supervisor it is attached to goes away (its system may take longer than the
        // test kit's 30 s to leave the cluster on a loaded machine: the client's failover is
        // what is tested, and the finally block stops it again)
        ActorTestKit.shutdown(first.system(), Duration.ofSeconds(90), false);

        // then the client attaches to the next one and can lease from it
        await().atMost(WAIT).untilAsserted(() -> {
          Client.State state = get(client.state());
          assertThat(state.name()).isEqualTo(ClientState.SUPER_READY);
          assertThat(state.supervisor()).startsWith(supervisorAddress);
        });
        WorkerLease lease = get(client.requestWorker());
        assertThat(get(lease.submit(IntNode.valueOf(5), p -> { }).result()).asInt())
            .isEqualTo(25);
        get(lease.release());
      }
    } finally {
      TestPools.stop(first);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
