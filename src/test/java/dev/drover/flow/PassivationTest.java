package dev.drover.flow;

import static dev.drover.flow.FlowTestKit.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.TextNode;
import com.typesafe.config.ConfigFactory;
import dev.drover.flow.CompletionResult.Outcome;
import dev.drover.flow.FlowService.CompletionStatus;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.ShardRegion.CurrentShardRegionState;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Executions that only wait are stopped after {@code passivate-after} (here 100 ms); their
 * durable timers and completions still reach them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PassivationTest {
  @TempDir static Path data;
  private FlowTestKit engine;

  @BeforeAll
  void start() {
    engine = new FlowTestKit(data, Clock.systemUTC(), TaskContext.OutputSink.DISCARD,
        ConfigFactory.parseString("drover.flow.passivate-after = 100ms"));
  }

  @AfterAll
  void stop() {
    engine.close();
  }

  /** Whether the execution's entity is running in its shard region. */
  private boolean awake(String id) {
    ActorSystem<?> system = engine.kit.system();
    CurrentShardRegionState state = FlowTestKit.get(AskPattern.<ClusterShardingQuery,
        CurrentShardRegionState>ask(ClusterSharding.get(system).shardState(),
        r -> new GetShardRegionState(Execution.TYPE_KEY, r), Duration.ofSeconds(5),
        system.scheduler()));
    return state.getShards().stream().anyMatch(s -> s.getEntityIds().contains(id));
  }

  /** How many execution entities are running in this node's shard region. */
  private int liveEntities() {
    ActorSystem<?> system = engine.kit.system();
    CurrentShardRegionState state = FlowTestKit.get(AskPattern.<ClusterShardingQuery,
        CurrentShardRegionState>ask(ClusterSharding.get(system).shardState(),
        r -> new GetShardRegionState(Execution.TYPE_KEY, r), Duration.ofSeconds(5),
        system.scheduler()));
    return state.getShards().stream().mapToInt(s -> s.getEntityIds().size()).sum();
  }

  @Test
  void readsOfFinishedAndUnknownIdsDoNotKeepEntitiesAlive() {
    // given 100 finished executions, all passivated
    Flow flow = Flow.builder("done").task("a", t -> t.local(TestActions.Echo.class)).build();
    List<String> finished = IntStream.range(0, 100).mapToObj(i -> "f-" + UUID.randomUUID())
        .toList();
    finished.forEach(id -> get(engine.flows.start(id, flow, null)));
    finished.forEach(engine::awaitEnd);
    await().atMost(FlowTestKit.WAIT).until(() -> liveEntities() == 0);

    // when hosts poll them, 10,000 get()s in all, and 2,000 bogus ids besides
    List<String> unknown = IntStream.range(0, 2_000).mapToObj(i -> "u-" + UUID.randomUUID())
        .toList();
    List<CompletableFuture<?>> reads = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      reads.add(engine.flows.get(finished.get(i % finished.size())).toCompletableFuture());
      if (i < unknown.size()) {
        reads.add(engine.flows.get(unknown.get(i)).toCompletableFuture());
      }
      if (reads.size() >= 500) {
        reads.forEach(FlowTestKit::get);
        reads.clear();
      }
    }
    reads.forEach(FlowTestKit::get);
    assertThat(get(engine.flows.get(unknown.get(0)))).isEmpty();
    assertThat(get(engine.flows.get(finished.get(0)))).isPresent();

    // then every entity they woke stops after its idle time: none is left running
    await().atMost(FlowTestKit.WAIT).until(() -> liveEntities() == 0);
    // and the bogus ids left nothing in the directory
    assertThat(get(engine.flows.list(ExecutionFilter.ALL)).stream()
        .filter(e -> e.id().startsWith("u-"))).isEmpty();
  }

  @Test
  void watchdogOfAPassivatedExecutionStillFires() {
    // given a delegate whose watchdog fires after 1.5 s, long after the execution passivated
    Flow flow = Flow.builder("sleepy")
        .task("approve", t -> t.delegate(TestActions.Delegate.class)
            .timeout(Duration.ofMillis(1500)))
        .build();
    String id = "p-" + UUID.randomUUID();
    get(engine.flows.start(id, flow, null));

    // then it passivates while it waits
    await().atMost(FlowTestKit.WAIT).until(() -> !awake(id));
    // and the directory wakes it when the watchdog is due, and the task times out
    await().atMost(FlowTestKit.WAIT).until(() -> engine.state(id).status().isFinal());
    ExecutionState end = engine.state(id);
    assertThat(end.status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(end.task("approve").errorKind()).isEqualTo("timeout");
  }

  @Test
  void completionWakesAPassivatedExecution() throws Exception {
    Flow flow = Flow.builder("sleepy-ok")
        .task("approve", t -> t.delegate(TestActions.Delegate.class))
        .task("after", t -> t.local(TestActions.Echo.class).dependsOn("approve"))
        .build();
    String id = "p-" + UUID.randomUUID();
    get(engine.flows.start(id, flow, null));
    await().atMost(FlowTestKit.WAIT).until(() -> TestActions.TOKENS.containsKey(id + "/approve"));
    await().atMost(FlowTestKit.WAIT).until(() -> !awake(id));
    assertThat(get(engine.flows.completeTask(id, "approve", TestActions.TOKENS.get(id + "/approve"),
        CompletionStatus.SUCCESS, TextNode.valueOf("ok"), null)).outcome())
        .isEqualTo(Outcome.ACCEPTED);
    assertThat(engine.awaitEnd(id).status()).isEqualTo(ExecutionStatus.SUCCEEDED);
  }
}
