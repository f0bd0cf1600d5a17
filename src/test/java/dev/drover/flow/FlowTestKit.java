package dev.drover.flow;


import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.drover.config.DroverConfig;
import dev.drover.node.NodeSystem;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;

/** An engine on a fresh journal in a temporary directory, for one test class. */
final class FlowTestKit implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(30);

  final ActorTestKit kit;
  final FlowService flows;

  FlowTestKit(Path data) {
    this(data, Clock.systemUTC(), TaskContext.OutputSink.DISCARD);
  }

  FlowTestKit(Path data, Clock clock, TaskContext.OutputSink sink) {
    this(data, clock, sink, ConfigFactory.empty());
  }

  FlowTestKit(Path data, Clock clock, TaskContext.OutputSink sink, Config overrides) {
    kit = ActorTestKit.create(NodeSystem.NAME, FlowConfig.forDataDir(data,
        NodeSystem.config("engine", 0, overrides.withFallback(DroverConfig.load()))));
    flows = get(FlowService.start(kit.system(), sink, clock));
  }

  static <T> T get(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  ExecutionState state(String id) {
    return get(flows.get(id)).orElseThrow(() -> new AssertionError("no execution " + id));
  }

  /** Waits until the execution's state matches. */
  ExecutionState until(String id, Predicate<ExecutionState> condition) {
    ExecutionState[] last = new ExecutionState[1];
    org.awaitility.Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> {
      last[0] = get(flows.get(id)).orElse(null);
      return last[0] != null && condition.test(last[0]);
    });
    return last[0];
  }

  ExecutionState awaitEnd(String id) {
    return until(id, s -> s.status().isFinal());
  }

  ExecutionState awaitTask(String id, String task, TaskStatus status) {
    return until(id, s -> s.task(task) != null && s.task(task).status() == status);
  }

  @Override
  public void close() {
    flows.close();
    kit.shutdownTestKit();
  }
}
