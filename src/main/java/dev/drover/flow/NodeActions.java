package dev.drover.flow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.node.NodeClient;
import dev.drover.node.PoolSettings;
import dev.drover.node.Work;
import dev.drover.node.WorkerLease;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Runs node actions: leases a worker from the pool of the action's kind, submits the input,
 * streams the worker's payloads to the output sink, and releases the worker when the attempt
 * ends. One {@link NodeClient} per pool kind, created on first use.
 */
final class NodeActions {
  private final ActorSystem<?> system;
  private final Function<String, List<String>> supervisors;
  private final Duration leaseTimeout;
  private final Map<String, NodeClient> clients = new ConcurrentHashMap<>();
  private final NodeInputRenderer renderer;

  /**
   * @param supervisors the supervisor addresses of a pool kind
   * @param leaseTimeout how long an attempt waits for a worker
   */
  NodeActions(ActorSystem<?> system, Function<String, List<String>> supervisors,
      Duration leaseTimeout, NodeInputRenderer renderer) {
    this.system = system;
    this.supervisors = supervisors;
    this.leaseTimeout = leaseTimeout;
    this.renderer = renderer;
  }

  Attempt run(ActionSpec.Node action, TaskContext context) {
    JsonNode input;
    try {
      input = renderer.render(action.input(), context);
    } catch (RuntimeException e) {
      return new Attempt(CompletableFuture.completedFuture(TaskOutcome.failure("input",
          e.getMessage() == null ? e.toString() : e.getMessage())), () -> { });
    }
    NodeClient client = clients.computeIfAbsent(action.pool(),
        kind -> NodeClient.connect(system, kind, supervisors.apply(kind)));
    AtomicReference<Work> work = new AtomicReference<>();
    AtomicReference<WorkerLease> held = new AtomicReference<>();
    CompletableFuture<TaskOutcome> outcome = client.requestWorker(leaseTimeout)
        .thenCompose(lease -> {
          held.set(lease);
          Work w = lease.submit(input, payload -> write(context, payload));
          work.set(w);
          return w.result();
        })
        .handle((result, error) -> error == null
            ? outcomeOf(action, result)
            : TaskOutcome.failure("node", rootMessage(error)))
        .whenComplete((o, e) -> {
          WorkerLease lease = held.get();
          if (lease != null) {
            lease.release();
          }
        })
        .toCompletableFuture();
    return new Attempt(outcome, () -> {
      Work w = work.get();
      if (w != null) {
        w.cancel();
      }
    });
  }

  private static TaskOutcome outcomeOf(ActionSpec.Node action, JsonNode result) {
    if (PoolSettings.SHELL.equals(action.pool()) && result.path("exitCode").asInt(0) != 0) {
      return new TaskOutcome.Failure("exit-code",
          "exit code " + result.path("exitCode").asInt(), result);
    }
    return action.awaitCallback() ? TaskOutcome.delayed() : TaskOutcome.success(result);
  }

  private static void write(TaskContext context, JsonNode payload) {
    if (payload.has("stream") && payload.has("line")) {
      context.output().write(context.executionId(), context.taskName(),
          payload.get("stream").asText(), payload.get("line").asText());
    } else {
      context.output().write(context.executionId(), context.taskName(), "payload",
          payload.toString());
    }
  }

  private static String rootMessage(Throwable error) {
    Throwable t = error;
    while (t.getCause() != null && t instanceof java.util.concurrent.CompletionException) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }

  void close() {
    clients.values().forEach(NodeClient::close);
  }
}
