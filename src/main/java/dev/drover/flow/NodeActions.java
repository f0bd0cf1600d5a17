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
 * streams the worker's payloads to the output sink, and hands the lease to the next attempt of
 * that kind when the attempt ends (or gives it back when none waits, see {@link LeaseShare}).
 * One {@link NodeClient} per pool kind, created on first use.
 */
final class NodeActions {
  private final ActorSystem<?> system;
  private final Function<String, List<String>> supervisors;
  private final Duration leaseTimeout;
  private final Duration leaseLinger;
  private final Map<String, LeaseShare> shares = new ConcurrentHashMap<>();
  private final NodeInputRenderer renderer;

  /**
   * @param supervisors the supervisor addresses of a pool kind
   * @param leaseTimeout how long an attempt waits for a worker
   * @param leaseLinger how long a lease nobody waits for is kept before it goes back
   */
  NodeActions(ActorSystem<?> system, Function<String, List<String>> supervisors,
      Duration leaseTimeout, Duration leaseLinger, NodeInputRenderer renderer) {
    this.system = system;
    this.supervisors = supervisors;
    this.leaseTimeout = leaseTimeout;
    this.leaseLinger = leaseLinger;
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
    LeaseShare share = shares.computeIfAbsent(action.pool(), kind -> new LeaseShare(
        NodeClient.connect(system, kind, supervisors.apply(kind)), leaseTimeout, leaseLinger));
    CompletableFuture<WorkerLease> leased = share.acquire();
    AtomicReference<Work> work = new AtomicReference<>();
    CompletableFuture<TaskOutcome> outcome = leased
        .thenCompose(lease -> {
          Work w = lease.submit(input, payload -> write(context, payload));
          work.set(w);
          return w.result().whenComplete((result, error) ->
              // a result means the worker is free again under the same lease
              share.done(lease, error == null));
        })
        .handle((result, error) -> error == null
            ? outcomeOf(action, result)
            : TaskOutcome.failure("node", rootMessage(error)))
        .toCompletableFuture();
    return new Attempt(outcome, () -> {
      // still waiting: the lease it would have had goes to the next attempt or back
      leased.cancel(false);
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
    shares.values().forEach(LeaseShare::close);
  }
}
