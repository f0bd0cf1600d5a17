package dev.drover.flow;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.drover.config.DroverConfig;
import dev.drover.node.NodeSystem;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The engine JVM the crash test kills: starts execution {@value #EXECUTION} of {@link #flow},
 * prints READY once its delegate waits and its long task runs, and waits to be killed.
 */
public final class CrashEngineMain {
  static final String EXECUTION = "crash-1";

  private CrashEngineMain() {}

  static Flow flow(Path markers) {
    ObjectNode params = JsonNodeFactory.instance.objectNode().put("markers", markers.toString());
    return Flow.builder("crash")
        .task("approve", t -> t.delegate(CrashActions.Approval.class).params(params)
            .timeout(Duration.ofMinutes(10)))
        .task("long", t -> t.local(CrashActions.LongRunning.class).params(params)
            .retry(RetryPolicy.fixed(1, Duration.ZERO)))
        .task("after", t -> t.local(CrashActions.Record.class).params(params)
            .dependsOn("approve", "long"))
        .build();
  }

  public static void main(String[] args) throws Exception {
    Path data = Path.of(args[0]);
    Path markers = Path.of(args[1]);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), NodeSystem.NAME,
        FlowConfig.forDataDir(data, NodeSystem.config("engine", 0, DroverConfig.load())));
    FlowService flows = FlowService.start(system).toCompletableFuture().get();
    flows.start(EXECUTION, flow(markers), null).toCompletableFuture().get();
    while (true) {
      ExecutionState s = flows.get(EXECUTION).toCompletableFuture().get().orElseThrow();
      if (s.task("long").status() == TaskStatus.RUNNING
          && s.task("approve").status() == TaskStatus.DELAYED) {
        System.out.println("READY");
        System.out.flush();
        break;
      }
      Thread.sleep(20);
    }
    system.getWhenTerminated().toCompletableFuture().get();
  }
}
