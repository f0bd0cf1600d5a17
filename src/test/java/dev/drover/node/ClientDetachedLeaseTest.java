package dev.drover.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.IntNode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A client that is not attached to any supervisor still holds its leases: it hears of their
 * workers' deaths and their work. Found by SimulationTest: such events were stashed while the
 * client tried its supervisors and dropped when none answered, so the lease of a dead worker
 * stayed held and work later sent to it never ended.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientDetachedLeaseTest {
  private static final String KIND = "detached";

  @JUnit5TestKit
  final ActorTestKit kit = new JUnit5TestKitBuilder()
      .withName(NodeSystem.NAME)
      .withCustomConfig(TestPools.nodeConfig("client"))
      .build();

  private static <T> T get(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aWorkerThatDiesWhileNoSupervisorAnswersEndsItsLeaseAndItsWork() throws Exception {
    // given a client holding a lease of a scripted supervisor, with work on its worker
    TestProbe<Supervisor.RequestWorker> requests = kit.createTestProbe();
    TestProbe<Worker.Command> workerInbox = kit.createTestProbe();
    ActorRef<Supervisor.Command> supervisor = kit.spawn(Behaviors.setup(ctx ->
        Behaviors.receive(Supervisor.Command.class)
            .onMessage(Supervisor.Attach.class, a -> {
              a.replyTo().tell(new Supervisor.Attached(KIND, ctx.getSelf()));
              return Behaviors.same();
            })
            .onMessage(Supervisor.RequestWorker.class, r -> {
              requests.ref().tell(r);
              return Behaviors.same();
            })
            .build()), Supervisor.actorName(KIND));
    ActorRef<Worker.Command> worker = kit.spawn(Behaviors.receiveMessage(m -> {
      workerInbox.ref().tell(m);
      return Behaviors.same();
    }));
    try (NodeClient client = NodeClient.connect(kit.system(), KIND,
        List.of(TestPools.address(kit.system())), Duration.ofMillis(300))) {
      CompletionStage<WorkerLease> requested = client.requestWorker();
      Supervisor.RequestWorker r = requests.receiveMessage();
      r.replyTo().tell(new Supervisor.LeaseGranted(r.requestId(), "L1", KIND, 0, 1, worker));
      WorkerLease lease = get(requested);
      Work work = lease.submit(IntNode.valueOf(2));
      workerInbox.expectMessageClass(Worker.Submit.class);

      // when the supervisor stops, no other answers, and then the worker dies
      kit.stop(supervisor);
      await().atMost(Duration.ofSeconds(10)).until(() ->
          get(client.state()).name() == ClientState.DISCONNECTED);
      kit.stop(worker);

      // then the lease is lost and its work fails, though the client is still not attached
      assertThat(get(lease.lost()).getMessage()).contains("L1");
      assertThatThrownBy(() -> get(work.result())).hasCauseInstanceOf(WorkerLost.class);
    }
  }
}
