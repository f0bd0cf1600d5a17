package dev.drover.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.drover.node.ErrWorkTimeout;
import dev.drover.node.NodeClient;
import dev.drover.node.PoolSettings;
import dev.drover.node.Work;
import dev.drover.node.WorkerLease;
import dev.drover.node.WorkerLost;
import dev.drover.observe.NodeAttemptEvents;
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
  /**
   * The error kind of an attempt whose worker was lost while it ran: whether its script finished
   * is unknown (its processes are killed before a next attempt starts).
   */
  static final String FATE_UNKNOWN = "fate-unknown";

  private final ActorSystem<?> system;
  private final Function<String, List<String>> supervisors;
  private final Duration leaseTimeout;
  private final Duration leaseLinger;
  private final Map<String, LeaseShare> shares = new ConcurrentHashMap<>();
  private final NodeInputRenderer renderer;
  private volatile boolean closed;

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

  /**
   * Runs one attempt of a node task; with a {@code timeout}, the worker cancels the work itself
   * past it (and replaces a worker whose handler does not stop), whatever the engine's watchdog
   * does meanwhile.
   */
  Attempt run(ActionSpec.Node action, TaskContext context, Duration timeout) {
    JsonNode input;
    try {
      input = fenced(action, renderer.render(action.input(), context), context);
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
          Work w = lease.submit(input, timeout, payload -> write(context, payload));
          work.set(w);
          return w.result().whenComplete((result, error) ->
              // a result means the worker is free again under the same lease
              share.done(lease, error == null));
        })
        .handle((result, error) -> error == null
            ? outcomeOf(action, result)
            : failure(error))
        // work cut off by the engine's own shutdown has no outcome: the attempt stays running
        // in the journal, and the next start finds it interrupted
        .thenCompose(o -> closed ? new CompletableFuture<TaskOutcome>()
            : CompletableFuture.completedFuture(o))
        .toCompletableFuture();
    NodeAttemptEvents.watch(system, action.pool(), context.executionId(), context.taskName(),
        context.attempt(), leased, outcome);
    return new Attempt(outcome, () -> {
      // still waiting: the lease it would have had goes to the next attempt or back
      leased.cancel(false);
      Work w = work.get();
      if (w != null) {
        w.cancel();
      }
    });
  }

  /**
   * Shell work names its task as its fence: the worker kills whatever an earlier attempt of the
   * same task left running before this one starts.
   */
  private static JsonNode fenced(ActionSpec.Node action, JsonNode input, TaskContext context) {
    if (!PoolSettings.SHELL.equals(action.pool()) || !(input instanceof ObjectNode o)
        || o.has("fence")) {
      return input;
    }
    ObjectNode copy = o.deepCopy();
    copy.put("fence", context.executionId() + "/" + context.taskName());
    return copy;
  }

  private static TaskOutcome outcomeOf(ActionSpec.Node action, JsonNode result) {
    if (PoolSettings.SHELL.equals(action.pool()) && result.path("exitCode").asInt(0) != 0) {
      return new TaskOutcome.Failure("exit-code",
          "exit code " + result.path("exitCode").asInt(), result);
    }
    return action.awaitCallback() ? TaskOutcome.delayed() : TaskOutcome.success(result);
  }

  /** Shell output as its bytes; any other payload as a line of JSON on stream "payload". */
  private static void write(TaskContext context, JsonNode payload) {
    JsonNode data = payload.get("data");
    if (payload.has("stream") && data != null && data.isBinary()) {
      try {
        context.output().write(context.executionId(), context.taskName(),
            payload.get("stream").asText(), data.binaryValue());
        return;
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    context.output().write(context.executionId(), context.taskName(), "payload",
        (payload + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /**
   * How a node attempt failed. A lost worker leaves the attempt's fate unknown — its script may
   * have done part or all of its work — and is recorded as such; a work timeout is the task's
   * timeout, whichever of the worker and the engine's watchdog saw it first.
   */
  private static TaskOutcome failure(Throwable error) {
    Throwable root = root(error);
    if (root instanceof WorkerLost) {
      return TaskOutcome.failure(FATE_UNKNOWN, "fate unknown: " + rootMessage(error));
    }
    if (root instanceof ErrWorkTimeout) {
      return TaskOutcome.failure("timeout", rootMessage(error));
    }
    return TaskOutcome.failure("node", rootMessage(error));
  }

  private static Throwable root(Throwable error) {
    Throwable t = error;
    while (t.getCause() != null && t instanceof java.util.concurrent.CompletionException) {
      t = t.getCause();
    }
    return t;
  }

  private static String rootMessage(Throwable error) {
    Throwable t = error;
    while (t.getCause() != null && t instanceof java.util.concurrent.CompletionException) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }

  void close() {
    closed = true;
    shares.values().forEach(LeaseShare::close);
  }
}
