package dev.drover.flow;

import static dev.drover.flow.FlowTestKit.get;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.drover.node.InProcessLauncher;
import dev.drover.node.PoolSettings;
import dev.drover.node.Supervisor;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Node tasks: scripts run on a leased shell worker, their lines streamed to the output sink. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeTaskTest {
  @TempDir static Path data;
  private FlowTestKit engine;
  private final List<String> lines = new CopyOnWriteArrayList<>();

  @BeforeAll
  void start() {
    engine = new FlowTestKit(data, Clock.systemUTC(),
        (execution, task, stream, bytes) -> new String(bytes, StandardCharsets.UTF_8).lines()
            .forEach(line -> lines.add(execution + " " + task + " " + stream + " " + line)));
    PoolSettings shell = PoolSettings.fromConfig(engine.kit.system().settings().config(),
        PoolSettings.SHELL, null).toBuilder().pool(1, 1, 2).dataDir(data).build();
    engine.kit.spawn(Supervisor.create(shell, new InProcessLauncher()),
        Supervisor.actorName(PoolSettings.SHELL));
  }

  @AfterAll
  void stop() {
    engine.close();
  }

  private static ObjectNode script(String... lines) {
    ObjectNode input = JsonNodeFactory.instance.objectNode();
    input.putArray("script").addAll(
        java.util.Arrays.stream(lines).map(JsonNodeFactory.instance::textNode).toList());
    return input;
  }

  @Test
  void scriptRunsOnALeasedShellWorkerAndItsLinesReachTheSink() {
    // given a flow whose task is a script for the shell pool
    Flow flow = Flow.builder("script")
        .task("greet", t -> t.node(PoolSettings.SHELL, script("echo hello", "echo oops 1>&2")))
        .build();
    String id = "n-" + UUID.randomUUID();

    // when it runs
    get(engine.flows.start(id, flow, null));
    ExecutionState end = engine.awaitEnd(id);

    // then it succeeded with exit code 0 and its output lines went to the sink by stream
    assertThat(end.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(end.task("greet").output().get("exitCode").asInt()).isZero();
    assertThat(lines).contains(id + " greet stdout hello", id + " greet stderr oops");
  }

  @Test
  void nonZeroExitCodeFailsTheTask() {
    Flow flow = Flow.builder("script-fails")
        .task("fail", t -> t.node(PoolSettings.SHELL, script("echo before", "exit 3", "echo never")))
        .build();
    String id = "n-" + UUID.randomUUID();
    get(engine.flows.start(id, flow, null));
    ExecutionState end = engine.awaitEnd(id);
    assertThat(end.status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(end.task("fail").errorKind()).isEqualTo("exit-code");
    assertThat(end.task("fail").error()).isEqualTo("exit code 3");
    assertThat(lines).contains(id + " fail stdout before").doesNotContain(id + " fail stdout never");
  }
}
