package dev.drover.flow;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.drover.config.DroverConfig;
import dev.drover.node.NodeSystem;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The engine JVM the burst-and-crash test kills: starts {@code args[1]} executions of {@link
 * #flow} as fast as it can (a refused start is retried with the same id), prints {@code ACK
 * <id>} for each acknowledged one, and waits to be killed.
 */
public final class BurstCrashMain {
  private BurstCrashMain() {}

  /**
   * A task, then one that fails once and succeeds on its retry, due 1 s later: a durable timer.
   * Both idempotent: an attempt the kill interrupted runs again.
   */
  static Flow flow() {
    return Flow.builder("burst")
        .task("first", t -> t.local(TestActions.Echo.class).idempotent())
        .task("flaky", t -> t.local(TestActions.Flaky.class).dependsOn("first")
            .params(JsonNodeFactory.instance.objectNode().put("succeedOn", 2))
            .retry(RetryPolicy.fixed(1, Duration.ofSeconds(1))).idempotent())
        .build();
  }

  public static void main(String[] args) throws Exception {
    Path data = Path.of(args[0]);
    int count = Integer.parseInt(args[1]);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), NodeSystem.NAME,
        FlowConfig.forDataDir(data, NodeSystem.config("engine", 0, DroverConfig.load())));
    FlowService flows = FlowService.start(system).toCompletableFuture().get();
    PrintStream out = System.out;
    out.println("STARTED");
    out.flush();
    for (int i = 0; i < count; i++) {
      start(flows, "burst-" + i, out);
    }
    system.getWhenTerminated().toCompletableFuture().get();
  }

  private static void start(FlowService flows, String id, PrintStream out) {
    flows.start(id, flow(), null).whenComplete((s, error) -> {
      if (error == null) {
        synchronized (out) {
          out.println("ACK " + id);
          out.flush();
        }
      } else {
        // refused (not created) or not answered: starting again with the id is idempotent
        CompletableFuture.runAsync(() -> start(flows, id, out),
            CompletableFuture.delayedExecutor(10, TimeUnit.MILLISECONDS));
      }
    });
  }
}
