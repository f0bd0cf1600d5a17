package dev.drover.node;

import static dev.drover.node.TestPools.WAIT;
import static dev.drover.node.TestPools.awaitStatus;
import static dev.drover.node.TestPools.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import dev.drover.demo.Squaring;
import dev.drover.observe.Transition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lease and payload scenarios with the in-process launcher: the same protocol as forked
 * workers, without forking, so they run fast.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InProcessPoolTest {
  @JUnit5TestKit
  final ActorTestKit kit = new JUnit5TestKitBuilder()
      .withName(NodeSystem.NAME)
      .withCustomConfig(TestPools.nodeConfig("supervisor"))
      .build();

  @TempDir Path data;
  private final InProcessLauncher launcher = new InProcessLauncher();

  private ActorRef<Supervisor.Command> supervisor(PoolSettings settings) {
    ActorRef<Supervisor.Command> s = TestPools.spawnSupervisor(kit, settings, launcher);
    awaitStatus(kit.system(), s, ready(settings.targetSize(0)));
    return s;
  }

  private PoolSettings squaring(String kind, int min, int warm, int max) {
    return TestPools.settings(kind, Squaring.class.getName(), min, warm, max, data);
  }

  private NodeClient client(String kind) {
    NodeClient client = NodeClient.connect(
        kit.system(), kind, List.of(TestPools.address(kit.system())), Duration.ofSeconds(2));
    client.attached(WAIT).toCompletableFuture().join();
    return client;
  }

  private static <T> T get(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void theReadmesClientExampleLeasesSubmitsWithATimeoutAndReleases() throws Exception {
    supervisor(squaring("square", 1, 0, 1));
    ActorSystem<?> system = kit.system();
    String address = TestPools.address(system);
    JsonNode got;
    // the README's example, verbatim but for the address
    try (NodeClient client = NodeClient.connect(system, "square", List.of(address))) {
      WorkerLease lease = client.requestWorker(Duration.ofSeconds(5)).toCompletableFuture().get();
      Work work = lease.submit(IntNode.valueOf(2), Duration.ofMinutes(1), payload -> System.out.println(payload));
      JsonNode result = work.result().toCompletableFuture().get();   // 4
      lease.release();
      got = result;
    }
    assertThat(got.asInt()).isEqualTo(4);
  }

  @Test
  void clientLeasesAWorkerAndReceivesThePayloadOfItsWork() throws Exception {
    // given a pool of two idle squaring workers and an attached client
    ActorRef<Supervisor.Command> supervisor = supervisor(squaring("payload", 2, 0, 2));
    try (NodeClient client = client("payload")) {
      // when it leases a worker and submits 2
      WorkerLease lease = get(client.requestWorker());
      List<JsonNode> payloads = new CopyOnWriteArrayList<>();
      JsonNode result = get(lease.submit(IntNode.valueOf(2), payloads::add).result());

      // then the payload 4 arrives before the result 4, and the pool counts one busy worker
      assertThat(payloads).extracting(JsonNode::asLong).containsExactly(4L);
      assertThat(result.asInt()).isEqualTo(4);
      assertThat(TestPools.status(kit.system(), supervisor).busy()).isEqualTo(1);

      // and after the release the worker is idle again
      get(lease.release());
      awaitStatus(kit.system(), supervisor, ready(2));
    }
  }

  @Test
  void payloadsCanBeReadAsAStream() throws Exception {
    // given a leased squaring worker
    supervisor(squaring("stream", 1, 0, 1));
    try (NodeClient client = client("stream")) {
      WorkerLease lease = get(client.requestWorker());
      // when work is submitted without a callback
      Work work = lease.submit(IntNode.valueOf(7));
      // then its payloads are a stream that ends with the work
      assertThat(work.payloads().map(JsonNode::asInt).toList()).containsExactly(49);
      assertThat(get(work.result()).asInt()).isEqualTo(49);
      get(lease.release());
    }
  }

  @Test
  void workThatThrowsFailsAndLeavesTheWorkerUsable() throws Exception {
    // given a leased squaring worker
    supervisor(squaring("throws", 1, 0, 1));
    try (NodeClient client = client("throws")) {
      WorkerLease lease = get(client.requestWorker());
      // when it is given something that is not a number
      Work bad = lease.submit(com.fasterxml.jackson.databind.node.TextNode.valueOf("x"), p -> { });
      // then the work fails with the handler's message
      assertThatThrownBy(() -> get(bad.result()))
          .hasCauseInstanceOf(ErrWorker.class)
          .hasMessageContaining("squaring needs an integer");
      // and the same lease still works
      assertThat(get(lease.submit(IntNode.valueOf(3), p -> { }).result()).asInt()).isEqualTo(9);
      get(lease.release());
    }
  }

  @Test
  void twoClientsGetTwoWorkersAndAThirdRequestFailsWithTheReason() throws Exception {
    // given a pool of at most two workers, both leased by two clients
    ActorRef<Supervisor.Command> supervisor = supervisor(squaring("two", 2, 0, 2));
    try (NodeClient a = client("two"); NodeClient b = client("two"); NodeClient c = client("two")) {
      WorkerLease first = get(a.requestWorker());
      WorkerLease second = get(b.requestWorker());
      assertThat(first.slot()).isNotEqualTo(second.slot());

      // when a third client asks for a worker
      // then it waits for the request timeout and is told why it got none
      assertThatThrownBy(() -> get(c.requestWorker(Duration.ofMillis(300))))
          .hasCauseInstanceOf(ErrWorker.class)
          .hasMessageContaining("no worker of kind 'two' within 0.3s: 2 of max 2 busy");

      // and a waiting request is served as soon as a worker is released
      var waiting = c.requestWorker(Duration.ofSeconds(30));
      get(first.release());
      WorkerLease third = get(waiting);
      assertThat(third.slot()).isEqualTo(first.slot());
      get(second.release());
      get(third.release());
      awaitStatus(kit.system(), supervisor, ready(2));
    }
  }

  @Test
  void aClientCannotHoldMoreLeasesThanTheCap() throws Exception {
    // given a pool that allows one lease per client
    supervisor(squaring("capped", 2, 0, 2).toBuilder().maxLeasesPerClient(1).build());
    try (NodeClient client = client("capped")) {
      WorkerLease lease = get(client.requestWorker());
      // when the client asks for a second worker while a second one is idle
      // then it is refused at once, naming the cap
      assertThatThrownBy(() -> get(client.requestWorker()))
          .hasCauseInstanceOf(ErrWorker.class)
          .hasMessageContaining("already holds 1 leases of kind 'capped' (max-leases-per-client 1)");
      // and after the release it may lease again
      get(lease.release());
      get(get(client.requestWorker()).release());
    }
  }

  @Test
  void workerRefusesMessagesFromAnyoneButItsLeaseHolder() {
    // given a worker leased to a holder
    ActorRef<Supervisor.Command> supervisor = supervisor(squaring("refuse", 1, 0, 1));
    TestProbe<WorkEvent> holder = kit.createTestProbe();
    TestProbe<Supervisor.LeaseReply> replies = kit.createTestProbe();
    supervisor.tell(new Supervisor.RequestWorker("holder", "r1", holder.ref(), null, replies.ref()));
    Supervisor.LeaseGranted grant = replies.expectMessageClass(Supervisor.LeaseGranted.class);

    // when someone else submits work, with the right lease id or a made-up one
    TestProbe<WorkEvent> intruder = kit.createTestProbe();
    grant.worker().tell(new Worker.Submit(grant.leaseId(), "w1", IntNode.valueOf(2), intruder.ref()));
    grant.worker().tell(new Worker.Submit("made-up", "w2", IntNode.valueOf(2), intruder.ref()));
    grant.worker().tell(new Worker.Release(grant.leaseId(), intruder.ref()));

    // then each gets a typed refusal and the holder's lease is untouched
    for (String work : new String[] {"w1", "w2", null}) {
      WorkEvent.WorkRefused refused = intruder.expectMessageClass(WorkEvent.WorkRefused.class);
      assertThat(refused.reason()).isEqualTo(WorkEvent.Refusal.NOT_LEASE_HOLDER);
      assertThat(refused.workId()).isEqualTo(work);
    }
    grant.worker().tell(new Worker.Submit(grant.leaseId(), "w3", IntNode.valueOf(3), holder.ref()));
    WorkEvent.WorkSucceeded done = holder.fishForMessage(WAIT, e ->
        e instanceof WorkEvent.WorkSucceeded
            ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
            : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore())
        .stream().map(WorkEvent.WorkSucceeded.class::cast).findFirst().orElseThrow();
    assertThat(done.result().asInt()).isEqualTo(9);
  }

  @Test
  void leaseEndsWhenItsHolderDies() {
    // given a worker leased to a holder actor
    ActorRef<Supervisor.Command> supervisor = supervisor(squaring("death", 1, 0, 1));
    ActorRef<WorkEvent> holder = kit.spawn(Behaviors.ignore());
    TestProbe<Supervisor.LeaseReply> replies = kit.createTestProbe();
    supervisor.tell(new Supervisor.RequestWorker("mortal", "r1", holder, null, replies.ref()));
    replies.expectMessageClass(Supervisor.LeaseGranted.class);
    assertThat(TestPools.status(kit.system(), supervisor).busy()).isEqualTo(1);

    // when the holder stops
    kit.stop(holder);

    // then the worker ends the lease and is idle again
    PoolStatus status = awaitStatus(kit.system(), supervisor, ready(1));
    assertThat(status.workers().get(0).transitions()).extracting(Transition::cause)
        .anyMatch(c -> c.contains("lease holder terminated"));
  }

  @Test
  void leaseEndsAfterTheIdleTimeout() throws Exception {
    // given a pool whose leases end after 300 ms without work
    ActorRef<Supervisor.Command> supervisor = supervisor(squaring("idle", 1, 0, 1).toBuilder()
        .leaseIdleTimeout(Duration.ofMillis(300)).build());
    try (NodeClient client = client("idle")) {
      WorkerLease lease = get(client.requestWorker());
      // when the client does nothing
      // then the lease ends, the worker is idle again and the client's work is refused
      awaitStatus(kit.system(), supervisor, ready(1));
      assertThatThrownBy(() -> get(lease.submit(IntNode.valueOf(2), p -> { }).result()))
          .hasCauseInstanceOf(ErrWorker.class)
          .hasMessageContaining("is not held by this client");
    }
  }

  @Test
  void runningWorkCanBeCancelled() throws Exception {
    // given a worker running work that waits for its cancellation
    ActorRef<Supervisor.Command> supervisor = supervisor(
        TestPools.settings("cancel", Sleeper.class.getName(), 1, 0, 1, data));
    try (NodeClient client = client("cancel")) {
      WorkerLease lease = get(client.requestWorker());
      List<JsonNode> payloads = new CopyOnWriteArrayList<>();
      Work work = lease.submit(IntNode.valueOf(0), payloads::add);
      await().atMost(WAIT).until(() -> !payloads.isEmpty());
      assertThat(TestPools.status(kit.system(), supervisor).workers().get(0).state())
          .isEqualTo(PoolStatus.SlotState.BUSY);

      // when the client cancels it
      work.cancel();

      // then the work fails as cancelled and the worker takes new work under the same lease
      assertThatThrownBy(() -> get(work.result())).hasMessageContaining("cancelled");
      Work next = lease.submit(IntNode.valueOf(0), p -> { });
      next.cancel();
      assertThatThrownBy(() -> get(next.result())).hasMessageContaining("cancelled");
      get(lease.release());
    }
  }

  @Test
  void poolGrowsOnDemandUpToMaxAndRetiresIdleExtras() throws Exception {
    // given a pool of min 1, warm 0, max 3 that retires idle extras after 100 ms
    ActorRef<Supervisor.Command> supervisor = supervisor(squaring("grow", 1, 0, 3).toBuilder()
        .retireIdleAfter(Duration.ofMillis(100)).requestTimeout(Duration.ofSeconds(30)).build());
    try (NodeClient client = client("grow")) {
      // when three workers are leased
      List<WorkerLease> leases = List.of(
          get(client.requestWorker()), get(client.requestWorker()), get(client.requestWorker()));
      // then the pool grew to three busy workers
      PoolStatus grown = TestPools.status(kit.system(), supervisor);
      assertThat(grown.workers()).hasSize(3);
      assertThat(grown.busy()).isEqualTo(3);

      // when they are released, the idle extras are retired down to min
      for (WorkerLease l : leases) {
        get(l.release());
      }
      PoolStatus shrunk = awaitStatus(kit.system(), supervisor,
          s -> s.workers().size() == 1 && s.idle() == 1);
      assertThat(shrunk.target()).isEqualTo(1);
    }
  }

  @Test
  void everyTransitionIsObservable() throws Exception {
    // given a client that leases, uses and releases a worker
    ActorRef<Supervisor.Command> supervisor = supervisor(squaring("observe", 1, 0, 1));
    try (NodeClient client = client("observe")) {
      WorkerLease lease = get(client.requestWorker());
      get(lease.submit(IntNode.valueOf(2), p -> { }).result());
      get(lease.release());

      // then the client went through its states in order
      Client.State state = get(client.state());
      assertThat(state.transitions()).extracting(Transition::to).containsSubsequence(
          ClientState.CONNECTING_SUPERVISOR, ClientState.SUPER_READY,
          ClientState.WORKER_REQUESTED, ClientState.WORKER_READY, ClientState.SUPER_READY);
      // and the supervisor reports the worker's and its own transitions
      PoolStatus status = awaitStatus(kit.system(), supervisor, ready(1));
      assertThat(status.workers().get(0).transitions()).extracting(Transition::to)
          .containsSubsequence(WorkerState.IDLE, WorkerState.RESERVED, WorkerState.BUSY,
              WorkerState.RESERVED, WorkerState.IDLE);
      assertThat(status.transitions()).extracting(Transition::to)
          .containsSubsequence(SupervisorState.STARTING, SupervisorState.POOL_STARTING,
              SupervisorState.POOL_READY);
      assertThat(status.workersAvailable()).isTrue();
      // and no actor made a move its table does not allow
      assertThat(status.illegalTransitions()).isZero();
      assertThat(state.illegalTransitions()).isZero();
      // and the typed states survive serialization as the labels users see
      kit.serializationTestKit().verifySerialization(status, true);
      kit.serializationTestKit().verifySerialization(new Supervisor.WorkerStateChanged(1, "inc",
          status.workers().get(0).transitions()), true);
    }
  }

  @Test
  void requestsFailWithTheCauseWhenNoSupervisorAnswers() {
    // given a client whose only supervisor address has no supervisor of its kind
    try (NodeClient client = NodeClient.connect(kit.system(), "nobody",
        List.of(TestPools.address(kit.system())), Duration.ofMillis(200))) {
      // then its requests fail with ErrSupervisor naming what it tried
      await().atMost(WAIT).untilAsserted(() ->
          assertThatThrownBy(() -> get(client.requestWorker()))
              .isInstanceOf(java.util.concurrent.ExecutionException.class)
              .hasCauseInstanceOf(ErrSupervisor.class)
              .hasMessageContaining("no supervisor of kind 'nobody' answered"));
    } catch (CompletionException e) {
      throw e;
    }
  }
}
