package dev.drover.bench;

import dev.drover.config.DroverConfig;
import dev.drover.flow.EngineOverloaded;
import dev.drover.flow.ExecutionState;
import dev.drover.flow.ExecutionStatus;
import dev.drover.flow.Flow;
import dev.drover.flow.FlowConfig;
import dev.drover.flow.FlowService;
import dev.drover.flow.TaskAction;
import dev.drover.flow.TaskContext;
import dev.drover.flow.TaskOutcome;
import dev.drover.node.NodeSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The flow engine's throughput: a flow with one start task fanning out to 100 no-op local tasks
 * and joining into one end task; 50 executions started at once on an H2 file journal, every task
 * transition durable before the next round uses it. Prints executions/s and tasks/s per run and
 * the median, then runs Flowable with the same shape in the same JVM for a ratio.
 *
 * <p>Then the burst figure: {@value #BURST} executions of a one-task flow started at once
 * (every start a call of {@code FlowService.start}; a start refused by the backpressure, {@code
 * EngineOverloaded}, is retried with its id after 10 ms): acknowledged starts/s, completed
 * executions/s, refusals, and the heap after a GC once all ended.
 *
 * <p>Arguments: [runs (default 5)] [executions per run (default 50)] [burst (default 10000)].
 */
public final class FlowBench {
  static final int FAN_OUT = 100;
  static final int BURST = 10_000;

  private FlowBench() {}

  /** The no-op task of the benchmark. */
  public static final class NoOp implements TaskAction {
    @Override
    public TaskOutcome run(TaskContext task) {
      return TaskOutcome.success(null);
    }
  }

  static Flow fanOut() {
    Flow.Builder b = Flow.builder("fan-out-100")
        .task("start", t -> t.local(NoOp.class));
    String[] middle = new String[FAN_OUT];
    for (int i = 0; i < FAN_OUT; i++) {
      String name = String.format("t%03d", i);
      middle[i] = name;
      b.task(name, t -> t.local(NoOp.class).dependsOn("start"));
    }
    b.task("end", t -> t.local(NoOp.class).dependsOn(middle));
    return b.build();
  }

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int executions = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    Machine.print();
    System.out.printf("shape: 1 -> %d -> 1 no-op local tasks; %d executions started at once;"
        + " %d measured runs after 1 warm-up%n%n", FAN_OUT, executions, runs);

    int burst = args.length > 2 ? Integer.parseInt(args[2]) : BURST;
    String[] burstFigure = new String[1];
    List<Double> drover = droverRuns(runs, executions, burst, burstFigure);
    List<Double> flowable = FlowableBench.runs(runs, executions, FAN_OUT);

    double d = median(drover);
    double f = median(flowable);
    System.out.println();
    System.out.printf("Drover   (H2 file journal, every transition durable): median %.1f executions/s"
        + " = %.0f tasks/s   runs %s%n", d, d * (FAN_OUT + 2), format(drover));
    System.out.printf("Flowable (H2 in memory, default history, one transaction per instance):"
        + " median %.1f executions/s   runs %s%n", f, format(flowable));
    System.out.printf("Drover / Flowable: %.2fx%n", d / f);
    System.out.println(burstFigure[0]);
  }

  private static List<Double> droverRuns(int runs, int executions, int burst,
      String[] burstFigure) throws Exception {
    Path data = Files.createTempDirectory("drover-flow-bench");
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), NodeSystem.NAME,
        FlowConfig.forDataDir(data, NodeSystem.config("engine", 0, DroverConfig.load())));
    try {
      FlowService flows = FlowService.start(system).toCompletableFuture().get(60, TimeUnit.SECONDS);
      Flow flow = fanOut();
      List<Double> rates = new ArrayList<>();
      for (int run = 0; run <= runs; run++) {
        double rate = droverRun(flows, flow, executions, "r" + run);
        if (run > 0) {
          rates.add(rate);
          System.out.printf("drover run %d: %.1f executions/s%n", run, rate);
        } else {
          System.out.printf("drover warm-up: %.1f executions/s%n", rate);
        }
      }
      burstFigure[0] = burstRun(flows, burst);
      System.out.println(burstFigure[0]);
      flows.close();
      return rates;
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
      BenchSupport.deleteTree(data);
    }
  }

  private static double droverRun(FlowService flows, Flow flow, int executions, String run)
      throws Exception {
    CountDownLatch done = new CountDownLatch(executions);
    List<String> failed = Collections.synchronizedList(new ArrayList<>());
    AutoCloseable sub = flows.subscribe(e -> {
      if (e.task() == null && e.executionId().startsWith(run + "-")
          && ExecutionStatus.valueOf(e.status()).isFinal()) {
        if (!e.status().equals("SUCCEEDED")) {
          failed.add(e.executionId() + " " + e.detail());
        }
        done.countDown();
      }
    });
    // the subscription is registered asynchronously: let it settle before timing
    Thread.sleep(200);
    long start = System.nanoTime();
    List<CompletableFuture<ExecutionState>> started = new ArrayList<>();
    for (int i = 0; i < executions; i++) {
      started.add(flows.start(run + "-" + i, flow, null).toCompletableFuture());
    }
    CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
    if (!done.await(300, TimeUnit.SECONDS)) {
      throw new IllegalStateException("executions did not finish: " + done.getCount() + " left");
    }
    long nanos = System.nanoTime() - start;
    sub.close();
    if (!failed.isEmpty()) {
      throw new IllegalStateException("executions failed: " + failed);
    }
    return executions / (nanos / 1e9);
  }

  /** {@code n} starts at once, refusals retried; the figures of the burst, as one line. */
  private static String burstRun(FlowService flows, int n) throws Exception {
    Flow flow = Flow.builder("burst").task("only", t -> t.local(NoOp.class)).build();
    AtomicInteger refusals = new AtomicInteger();
    AtomicInteger timeouts = new AtomicInteger();
    List<CompletableFuture<ExecutionState>> acknowledged = new ArrayList<>();
    List<CompletableFuture<ExecutionState>> ended = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      CompletableFuture<ExecutionState> ack = new CompletableFuture<>();
      String id = "burst-" + i;
      startRetrying(flows, flow, id, ack, refusals, timeouts);
      acknowledged.add(ack);
      ended.add(ack.thenCompose(s -> flows.result(id)));
    }
    CompletableFuture.allOf(acknowledged.toArray(CompletableFuture[]::new))
        .get(600, TimeUnit.SECONDS);
    long acked = System.nanoTime() - start;
    CompletableFuture.allOf(ended.toArray(CompletableFuture[]::new)).get(600, TimeUnit.SECONDS);
    long completed = System.nanoTime() - start;
    long failed = ended.stream().filter(f -> f.join().status() != ExecutionStatus.SUCCEEDED)
        .count();
    System.gc();
    Runtime rt = Runtime.getRuntime();
    long heap = rt.totalMemory() - rt.freeMemory();
    return String.format("Drover burst: %d executions started at once: %.0f accepted/s, "
        + "%.0f completed/s, %d refusals (retried), %d timeouts (retried), %d not succeeded, "
        + "heap after GC %d MB", n, n / (acked / 1e9), n / (completed / 1e9), refusals.get(),
        timeouts.get(), failed, heap >> 20);
  }

  private static void startRetrying(FlowService flows, Flow flow, String id,
      CompletableFuture<ExecutionState> ack, AtomicInteger refusals, AtomicInteger timeouts) {
    flows.start(id, flow, null).whenComplete((s, error) -> {
      if (error == null) {
        ack.complete(s);
      } else if (cause(error) instanceof EngineOverloaded
          || cause(error) instanceof java.util.concurrent.TimeoutException) {
        // refused: not created; timed out: unknown, and starting the id again is idempotent
        (cause(error) instanceof EngineOverloaded ? refusals : timeouts).incrementAndGet();
        CompletableFuture.runAsync(() -> startRetrying(flows, flow, id, ack, refusals, timeouts),
            CompletableFuture.delayedExecutor(10, TimeUnit.MILLISECONDS));
      } else {
        ack.completeExceptionally(error);
      }
    });
  }

  private static Throwable cause(Throwable t) {
    return t instanceof java.util.concurrent.CompletionException && t.getCause() != null
        ? t.getCause() : t;
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  static String format(List<Double> values) {
    return values.stream().map(v -> String.format("%.1f", v)).toList().toString();
  }
}
