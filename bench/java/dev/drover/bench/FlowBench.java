package dev.drover.bench;

import com.typesafe.config.ConfigFactory;
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
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The flow engine's throughput: a flow with one start task fanning out to 100 no-op local tasks
 * and joining into one end task; 50 executions started at once on an H2 file journal, every task
 * transition durable before the next round uses it. Prints executions/s and tasks/s per run and
 * the median, then runs Flowable with the same shape in the same JVM for a ratio.
 *
 * <p>Arguments: [runs (default 5)] [executions per run (default 50)].
 */
public final class FlowBench {
  static final int FAN_OUT = 100;

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

    List<Double> drover = droverRuns(runs, executions);
    List<Double> flowable = FlowableBench.runs(runs, executions, FAN_OUT);

    double d = median(drover);
    double f = median(flowable);
    System.out.println();
    System.out.printf("Drover   (H2 file journal, every transition durable): median %.1f executions/s"
        + " = %.0f tasks/s   runs %s%n", d, d * (FAN_OUT + 2), format(drover));
    System.out.printf("Flowable (H2 in memory, default history, one transaction per instance):"
        + " median %.1f executions/s   runs %s%n", f, format(flowable));
    System.out.printf("Drover / Flowable: %.2fx%n", d / f);
  }

  private static List<Double> droverRuns(int runs, int executions) throws Exception {
    Path data = Files.createTempDirectory("drover-flow-bench");
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), NodeSystem.NAME,
        FlowConfig.forDataDir(data, NodeSystem.config("engine", 0, ConfigFactory.load())));
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
