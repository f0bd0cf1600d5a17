package dev.drover.flow;

import static dev.drover.flow.FlowTestKit.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.drover.node.InProcessLauncher;
import dev.drover.node.PoolSettings;
import dev.drover.node.PoolStatus;
import dev.drover.node.Supervisor;
import dev.drover.node.WorkerState;
import dev.drover.observe.Transition;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Node tasks waiting for a worker of the same pool get the lease of the task that just ended,
 * instead of each asking the supervisor for one; a lease nobody waits for is kept for the
 * linger time, then the worker goes back.
 */
class LeaseShareTest {
  @TempDir Path data;
  private FlowTestKit engine;
  private ActorRef<Supervisor.Command> supervisor;
  /** New leases: a worker moving from Idle to Reserved. */
  private final List<Transition> leases = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    engine = new FlowTestKit(data, Clock.systemUTC(), (execution, task, stream, line) -> { },
        ConfigFactory.parseString("drover.flow.node-lease-timeout = 1s\n"
            // long enough that no round of a loaded machine outlasts it
            + "drover.flow.node-lease-linger = 2s"));
    engine.kit.system().eventStream().tell(new EventStream.Subscribe<>(Transition.class,
        engine.kit.spawn(Behaviors.<Transition>receiveMessage(t -> {
          if (t.actor().startsWith("worker/") && t.from() == WorkerState.IDLE
              && t.to() == WorkerState.RESERVED) {
            leases.add(t);
          }
          return Behaviors.same();
        }))));
    PoolSettings shell = PoolSettings.fromConfig(engine.kit.system().settings().config(),
        PoolSettings.SHELL, null).toBuilder().pool(1, 0, 1).dataDir(data).build();
    supervisor = engine.kit.spawn(Supervisor.create(shell, new InProcessLauncher()),
        Supervisor.actorName(PoolSettings.SHELL));
  }

  @AfterEach
  void stop() {
    engine.close();
  }

  private static ObjectNode script(String line) {
    ObjectNode input = JsonNodeFactory.instance.objectNode();
    input.putArray("script").add(line);
    return input;
  }

  private PoolStatus pool() {
    return get(AskPattern.ask(supervisor, Supervisor.GetStatus::new, Duration.ofSeconds(5),
        engine.kit.scheduler()));
  }

  @Test
  void tasksWaitingForTheOnlyWorkerRunOneAfterTheOtherOnOneLease() {
    // given a pool of one worker and a flow of six tasks that are all ready at once
    Flow.Builder builder = Flow.builder("backlog");
    for (String name : List.of("a", "b", "c", "d", "e", "f")) {
      builder.task(name, t -> t.node(PoolSettings.SHELL, script("echo " + name)));
    }
    Flow flow = builder.build();
    String id = "s-" + UUID.randomUUID();

    // when it runs
    get(engine.flows.start(id, flow, null));
    ExecutionState end = engine.awaitEnd(id);

    // then every task succeeded, on the lease handed from task to task: the pool granted one
    // lease, and at most one more to the request that waited meanwhile (given back unused)
    assertThat(end.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(leases).hasSizeBetween(1, 2);
    // and the worker went back to the pool once no task waited
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(pool().idle()).isEqualTo(1));
  }

  @Test
  void aDependentStartedAfterItsDependencyEndedTakesTheKeptLease() {
    // given a chain of three tasks on the one worker
    Flow flow = Flow.builder("chain")
        .task("a", t -> t.node(PoolSettings.SHELL, script("echo a")))
        .task("b", t -> t.node(PoolSettings.SHELL, script("echo b")).dependsOn("a"))
        .task("c", t -> t.node(PoolSettings.SHELL, script("echo c")).dependsOn("b"))
        .build();
    String id = "s-" + UUID.randomUUID();

    // when it runs: each task starts only once the round after its dependency is journaled
    get(engine.flows.start(id, flow, null));
    ExecutionState end = engine.awaitEnd(id);

    // then the lease nobody waited for was kept for the next task, and given back after that
    assertThat(end.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(leases).hasSize(1);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(pool().idle()).isEqualTo(1));
  }

  @Test
  void aFailedScriptStillHandsTheWorkerOn() {
    // given six ready tasks whose scripts fail but are allowed to
    Flow.Builder builder = Flow.builder("failing");
    for (String name : List.of("a", "b", "c", "d", "e", "f")) {
      builder.task(name, t -> t.node(PoolSettings.SHELL, script("exit 4")).allowFailure());
    }
    Flow flow = builder.build();
    String id = "s-" + UUID.randomUUID();

    get(engine.flows.start(id, flow, null));
    ExecutionState end = engine.awaitEnd(id);

    // then they all ran, on the same lease: an exit code is a result, the worker is fine
    assertThat(end.tasks().values()).allSatisfy(run ->
        assertThat(run.error()).isEqualTo("exit code 4"));
    assertThat(leases).hasSizeBetween(1, 2);
  }

  @Test
  void aTaskThatWaitsLongerThanTheLeaseTimeoutFailsWhileTheWorkerStaysBusy() throws Exception {
    // given the only worker busy with a task that waits at a gate, and a second task ready
    Path gate = data.resolve("gate");
    Flow flow = Flow.builder("starved")
        .task("long", t -> t.node(PoolSettings.SHELL,
            script("while [ ! -f '" + gate + "' ]; do sleep 0.05; done")))
        .task("late", t -> t.node(PoolSettings.SHELL, script("true")).allowFailure())
        .build();
    String id = "s-" + UUID.randomUUID();
    get(engine.flows.start(id, flow, null));

    // when no worker frees up within node-lease-timeout (1 s here)
    ExecutionState late = engine.awaitTask(id, "late", TaskStatus.FAILED);
    Files.writeString(gate, "");

    // then the waiting task failed with the pool's reason, and the busy one still finished
    assertThat(late.task("late").errorKind()).isEqualTo("node");
    assertThat(late.task("late").error()).contains("no worker of kind 'shell' within 1s");
    assertThat(engine.awaitEnd(id).task("long").status()).isEqualTo(TaskStatus.SUCCEEDED);
  }
}
