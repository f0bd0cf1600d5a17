package dev.drover.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.drover.node.shell.ShellHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The floor under any JVM runner of the DAG: N threads of the bench's own JVM that run each task
 * with Drover's {@link ShellHandler} — one shell session per task ({@code setsid bash -c
 * <driver>}, fed the line {@code true}), the leader of its own process group, its output read —
 * and start a task as soon as its last
 * dependency returned. No engine, no journal, no lease, no second JVM: what remains is what
 * starting a process group from Java costs, which no JVM implementation of the pipeline layer
 * can avoid.
 */
final class HandlerFloor {
  private static final JsonNode TRUE = JsonNodeFactory.instance.objectNode()
      .set("script", JsonNodeFactory.instance.arrayNode().add("true"));

  private final List<TreeSet<Integer>> dag;
  private final List<List<Integer>> dependents = new ArrayList<>();
  private final ShellHandler handler = new ShellHandler(Duration.ofSeconds(1));
  private final ExecutorService threads;

  HandlerFloor(List<TreeSet<Integer>> dag, int n) {
    this.dag = dag;
    for (int i = 0; i < dag.size(); i++) {
      dependents.add(new ArrayList<>());
    }
    for (int i = 0; i < dag.size(); i++) {
      for (int d : dag.get(i)) {
        dependents.get(d).add(i);
      }
    }
    threads = Executors.newFixedThreadPool(n, r -> {
      Thread t = new Thread(r, "handler-floor");
      t.setDaemon(true);
      return t;
    });
  }

  /** Runs the whole DAG once; returns its wall time in milliseconds. */
  double run() throws Exception {
    int[] missing = dag.stream().mapToInt(TreeSet::size).toArray();
    CompletableFuture<Void> all = new CompletableFuture<>();
    int[] finished = {0};
    long t0 = System.nanoTime();
    synchronized (missing) {
      for (int i = 0; i < dag.size(); i++) {
        if (missing[i] == 0) {
          submit(i, missing, finished, all);
        }
      }
    }
    all.get(5, TimeUnit.MINUTES);
    return (System.nanoTime() - t0) / 1e6;
  }

  private void submit(int task, int[] missing, int[] finished, CompletableFuture<Void> all) {
    threads.execute(() -> {
      try {
        JsonNode result = handler.handle(TRUE, new QuietWork("floor-" + task));
        if (result.path("exitCode").asInt() != 0) {
          throw new IllegalStateException("task " + task + ": " + result);
        }
      } catch (Exception e) {
        all.completeExceptionally(e);
        return;
      }
      synchronized (missing) {
        for (int d : dependents.get(task)) {
          if (--missing[d] == 0) {
            submit(d, missing, finished, all);
          }
        }
        if (++finished[0] == dag.size()) {
          all.complete(null);
        }
      }
    });
  }

  void close() {
    threads.shutdownNow();
  }
}
