package dev.drover.flow;

import static dev.drover.flow.FlowTestKit.get;
import static dev.drover.flow.TaskStatus.PENDING;
import static dev.drover.flow.TaskStatus.RUNNING;
import static dev.drover.flow.TaskStatus.SCHEDULED;
import static dev.drover.flow.TaskStatus.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Executions of small flows through the Java API, on an H2 journal. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FlowServiceTest {
  @TempDir static Path data;
  private FlowTestKit engine;

  @BeforeAll
  void start() {
    engine = new FlowTestKit(data);
  }

  @AfterAll
  void stop() {
    engine.close();
  }

  private static String id() {
    return "e-" + UUID.randomUUID();
  }

  @Test
  void diamondPassesOutputsAlongItsEdges() {
    // given A -> (B, C) -> D, where B adds 1 and C adds 2 to A's output and D sums them
    Flow flow = Flow.builder("diamond")
        .task("A", t -> t.local(TestActions.Sum.class)
            .params(JsonNodeFactory.instance.objectNode().put("add", 10)))
        .task("B", t -> t.local(TestActions.Sum.class).dependsOn("A")
            .params(JsonNodeFactory.instance.objectNode().put("add", 1)))
        .task("C", t -> t.local(TestActions.Sum.class).dependsOn("A")
            .params(JsonNodeFactory.instance.objectNode().put("add", 2)))
        .task("D", t -> t.local(TestActions.Collect.class).dependsOn("B", "C"))
        .output("result", "D")
        .build();
    String id = id();

    // when it runs with an input
    get(engine.flows.start(id, flow, IntNode.valueOf(7)));
    ExecutionState end = engine.awaitEnd(id);

    // then D received B's and C's outputs, and the input
    assertThat(end.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(end.output().get("result").get("B").asInt()).isEqualTo(11);
    assertThat(end.output().get("result").get("C").asInt()).isEqualTo(12);
    assertThat(end.output().get("result").get("input").asInt()).isEqualTo(7);
    assertThat(end.task("D").statuses()).containsExactly(PENDING, SCHEDULED, RUNNING, SUCCEEDED);
    assertThat(end.endedAt()).isNotNull();
  }

  @Test
  void startingTwiceWithTheSameIdIsIdempotent() {
    Flow flow = Flow.builder("once").task("only", t -> t.local(TestActions.Echo.class)).build();
    String id = id();
    ExecutionState first = get(engine.flows.start(id, flow, null));
    engine.awaitEnd(id);
    ExecutionState second = get(engine.flows.start(id, flow, null));
    assertThat(second.startedAt()).isEqualTo(first.startedAt());
    assertThat(TestActions.runs(id, "only")).isEqualTo(1);
  }
}
