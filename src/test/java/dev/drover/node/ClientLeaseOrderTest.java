package dev.drover.node;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The client against a scripted supervisor and worker, so the order of messages that a real pool
 * only sometimes produces can be forced: the supervisor grants the same worker again before the
 * worker's end of the previous lease reaches the client (the two come from different senders, so
 * nothing orders them).
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientLeaseOrderTest {
  private static final String KIND = "scripted";

  @JUnit5TestKit
  final ActorTestKit kit = new JUnit5TestKitBuilder()
      .withName(NodeSystem.NAME)
      .withCustomConfig(TestPools.nodeConfig("supervisor"))
      .build();

  /** A supervisor that attaches every client and hands its lease requests to the test. */
  private static Behavior<Supervisor.Command> scriptedSupervisor(
      ActorRef<Supervisor.RequestWorker> requests) {
    return Behaviors.setup(ctx -> Behaviors.receive(Supervisor.Command.class)
        .onMessage(Supervisor.Attach.class, a -> {
          a.replyTo().tell(new Supervisor.Attached(KIND, ctx.getSelf()));
          return Behaviors.same();
        })
        .onMessage(Supervisor.RequestWorker.class, r -> {
          requests.tell(r);
          return Behaviors.same();
        })
        .build());
  }

  /** A worker that hands everything it is told to the test. */
  private static Behavior<Worker.Command> scriptedWorker(ActorRef<Worker.Command> inbox) {
    return Behaviors.receiveMessage(m -> {
      inbox.tell(m);
      return Behaviors.same();
    });
  }

  private static <T> T get(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void theSameWorkerGrantedAgainBeforeItsPreviousLeaseEndedIsWatchedAndUsable() throws Exception {
    // given a client attached to a scripted supervisor with one scripted worker
    TestProbe<Supervisor.RequestWorker> requests = kit.createTestProbe();
    TestProbe<Worker.Command> workerInbox = kit.createTestProbe();
    kit.spawn(scriptedSupervisor(requests.ref()), Supervisor.actorName(KIND));
    ActorRef<Worker.Command> worker = kit.spawn(scriptedWorker(workerInbox.ref()));
    try (NodeClient client = NodeClient.connect(kit.system(), KIND,
        List.of(TestPools.address(kit.system())), Duration.ofSeconds(5))) {
      CompletionStage<WorkerLease> first = client.requestWorker();
      Supervisor.RequestWorker r1 = requests.receiveMessage();
      r1.replyTo().tell(new Supervisor.LeaseGranted(r1.requestId(), "L1", KIND, 0, 1, worker));
      WorkerLease lease1 = get(first);
      CompletionStage<Void> released = lease1.release();
      Worker.Release release = workerInbox.expectMessageClass(Worker.Release.class);

      // when the same worker is granted again before the worker's LeaseEnded for L1 arrives
      CompletionStage<WorkerLease> second = client.requestWorker();
      Supervisor.RequestWorker r2 = requests.receiveMessage();
      r2.replyTo().tell(new Supervisor.LeaseGranted(r2.requestId(), "L2", KIND, 0, 1, worker));
      WorkerLease lease2 = get(second);
      release.replyTo().tell(new WorkEvent.LeaseEnded("L1", "released"));
      get(released);

      // then the second lease still carries work
      var work = lease2.submit(IntNode.valueOf(3));
      Worker.Submit submit = workerInbox.expectMessageClass(Worker.Submit.class);
      assertThat(submit.leaseId()).isEqualTo("L2");
      submit.replyTo().tell(new WorkEvent.WorkSucceeded("L2", submit.workId(), IntNode.valueOf(9)));
      assertThat(get(work.result()).asInt()).isEqualTo(9);

      // and the client still watches the worker: its death is reported on the second lease
      kit.stop(worker);
      WorkerLost lost = get(lease2.lost());
      assertThat(lost.getMessage()).contains("L2").contains("worker actor terminated");
      assertThat(get(client.state()).name()).isEqualTo(ClientState.SUPER_READY);
    }
  }
}
