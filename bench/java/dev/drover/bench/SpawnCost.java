package dev.drover.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.drover.node.process.SessionSpawner;
import dev.drover.node.shell.ShellHandler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * What the handler floor of {@code bench/run-dag} is made of: the same DAG of {@code true}
 * tasks at the same parallelism, each task run by one piece of the handler's path at a time —
 * a bare {@code /bin/true} exec from this JVM, then {@code setsid}, the shell ({@code sh} or
 * {@code bash}), the pipes read as the handler reads them, the whole {@link ShellHandler}
 * without and with its process ledger, and a two-line script (the driver) — against ninja
 * running the same DAG in the same round. Every round runs every variant once, interleaved, so
 * a busy machine slows them alike. Two figures per variant, each the median per task in
 * microseconds with its ratio to ninja's: the wall time of the DAG / tasks, and the CPU time
 * this JVM and its children (ninja's shells, the scripts) used for it / tasks, which a busy
 * machine distorts far less. Run with
 * {@code -Djdk.lang.Process.launchMechanism=VFORK} and {@code =POSIX_SPAWN} to compare the two.
 *
 * <p>Usage: {@code SpawnCost [rounds] [parallelism] [tasks] [seed]} (7, 4, 200, 42: the DAG of
 * {@code bench/run-dag}).
 */
final class SpawnCost {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final String SETSID = "/usr/bin/setsid";
  private static final String BASH = ShellHandler.SESSION_SHELL;
  private static final ExecutorService PIPES = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "spawn-cost-pipe");
    t.setDaemon(true);
    return t;
  });

  /** One task's body. */
  interface Task {
    void run(int task) throws Exception;
  }

  private SpawnCost() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    int tasks = args.length > 2 ? Integer.parseInt(args[2]) : 200;
    long seed = args.length > 3 ? Long.parseLong(args[3]) : 42;
    Machine.print();
    Machine.printLoad();
    System.out.println("launchMechanism: "
        + System.getProperty("jdk.lang.Process.launchMechanism", "(default: POSIX_SPAWN)")
        + ", handler starts scripts with "
        + (SessionSpawner.available() ? "posix_spawn(POSIX_SPAWN_SETSID)" : "setsid"));
    List<TreeSet<Integer>> dag = DagBench.dag(tasks, seed);
    Path work = Files.createTempDirectory("drover-spawn-cost");
    Path ninjaDir = Files.createDirectories(work.resolve("ninja"));
    Files.writeString(ninjaDir.resolve("build.ninja"), DagBench.ninja(dag));
    Path ledgerDir = Files.createDirectories(work.resolve("processes"));

    ShellHandler plain = new ShellHandler(Duration.ofSeconds(1));
    ShellHandler ledgered = new ShellHandler(Duration.ofSeconds(1), ledgerDir, "INT");
    JsonNode one = script("true");
    JsonNode two = script("true", "true");

    Map<String, Task> variants = new LinkedHashMap<>();
    variants.put("exec true (stdio discarded)", t -> discard("/bin/true"));
    variants.put("exec setsid true", t -> discard(SETSID, "/bin/true"));
    variants.put("exec sh -c true", t -> discard("/bin/sh", "-c", "true"));
    variants.put("exec bash -c true", t -> discard(BASH, "-c", "true"));
    variants.put("exec setsid bash -c true", t -> discard(SETSID, BASH, "-c", "true"));
    variants.put("  + pipes read (= handler, no JSON)", t -> piped(SETSID, BASH, "-c", "true"));
    if (SessionSpawner.available()) {
      variants.put("posix_spawn SETSID true + pipes read",
          t -> spawned(List.of("/bin/true")));
      variants.put("posix_spawn SETSID bash -c true + pipes",
          t -> spawned(List.of(BASH, "-c", "true")));
      // what the handler's second reader thread costs: the same, both pipes read one after the
      // other on the task's thread (safe only for a script that writes nothing)
      variants.put("  same, no stderr thread", t -> {
        Process p = SessionSpawner.start(List.of(BASH, "-c", "true"), System.getenv(), null);
        p.getOutputStream().close();
        drain(p.getInputStream());
        drain(p.getErrorStream());
        check(p.waitFor(), BASH);
      });
    }
    variants.put("handler, 1 line (the floor)", t -> handle(plain, one, t));
    variants.put("handler, 1 line + ledger", t -> handle(ledgered, one, t));
    variants.put("handler, 1 line + ledger + fence", t -> handle(ledgered,
        ((ObjectNode) script("true")).put("fence", "bench/task-" + t), t));
    variants.put("handler, 2 lines (driver)", t -> handle(plain, two, t));

    DagRunner runner = new DagRunner(dag, n);
    Map<String, List<Double>> wall = new LinkedHashMap<>();
    Map<String, List<Double>> cpu = new LinkedHashMap<>();
    wall.put("ninja", new ArrayList<>());
    cpu.put("ninja", new ArrayList<>());
    variants.keySet().forEach(k -> {
      wall.put(k, new ArrayList<>());
      cpu.put(k, new ArrayList<>());
    });
    try {
      // warm-up: the JIT, the pipe threads, the page cache
      DagBench.ninjaRun(ninjaDir, n);
      for (Task task : variants.values()) {
        runner.run(task);
      }
      System.out.printf("DAG of %d 'true' tasks (seed %d), parallelism %d, %d rounds%n", tasks,
          seed, n, rounds);
      for (int r = 0; r < rounds; r++) {
        long c0 = cpuMicros();
        wall.get("ninja").add(DagBench.ninjaRun(ninjaDir, n));
        cpu.get("ninja").add((double) (cpuMicros() - c0));
        for (Map.Entry<String, Task> v : variants.entrySet()) {
          c0 = cpuMicros();
          wall.get(v.getKey()).add(runner.run(v.getValue()));
          cpu.get(v.getKey()).add((double) (cpuMicros() - c0));
        }
        System.out.printf("round %d: ninja %.0f ms, floor %.0f ms%n", r + 1,
            wall.get("ninja").get(r), wall.get("handler, 1 line (the floor)").get(r));
      }
    } finally {
      runner.close();
      BenchSupport.deleteTree(work);
    }
    double ninja = BenchSupport.median(wall.get("ninja"));
    double ninjaCpu = BenchSupport.median(cpu.get("ninja"));
    System.out.printf("%n%-42s %14s %8s %14s %8s%n", "median of " + rounds + " rounds",
        "wall us/task", "x ninja", "CPU us/task", "x ninja");
    for (String k : wall.keySet()) {
      double m = BenchSupport.median(wall.get(k));
      double c = BenchSupport.median(cpu.get(k));
      System.out.printf("%-42s %14.0f %8.2f %14.0f %8.2f%n", k, m * 1000 / tasks, m / ninja,
          c / tasks, c / ninjaCpu);
    }
    Machine.printLoad();
  }

  /**
   * CPU time used so far by this JVM (every thread) and by its children that were waited for
   * (ninja with its shells, every script), in microseconds: what a task costs the machine,
   * which a busy machine distorts far less than wall time.
   */
  private static long cpuMicros() {
    return rusage(0) + rusage(-1); // RUSAGE_SELF + RUSAGE_CHILDREN
  }

  private static long rusage(int who) {
    Memory usage = new Memory(256);
    if (RUSAGE.getrusage(who, usage) != 0) {
      throw new IllegalStateException("getrusage failed");
    }
    // struct rusage starts with ru_utime and ru_stime, two struct timeval of two longs each
    return usage.getLong(0) * 1_000_000 + usage.getLong(8) + usage.getLong(16) * 1_000_000
        + usage.getLong(24);
  }

  interface Rusage extends Library {
    int getrusage(int who, Pointer usage);
  }

  private static final Rusage RUSAGE = Native.load("c", Rusage.class);

  private static JsonNode script(String... lines) {
    ObjectNode input = JSON.objectNode();
    ArrayNode script = input.putArray("script");
    for (String l : lines) {
      script.add(l);
    }
    return input;
  }

  private static void discard(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    p.getOutputStream().close();
    check(p.waitFor(), command);
  }

  private static void piped(String... command) throws Exception {
    Process p = new ProcessBuilder(command).start();
    p.getOutputStream().close();
    CompletableFuture<Void> err = CompletableFuture.runAsync(() -> drain(p.getErrorStream()),
        PIPES);
    drain(p.getInputStream());
    check(p.waitFor(), command);
    err.join();
  }

  private static void spawned(List<String> command) throws Exception {
    Process p = SessionSpawner.start(command, System.getenv(), null);
    p.getOutputStream().close();
    CompletableFuture<Void> err = CompletableFuture.runAsync(() -> drain(p.getErrorStream()),
        PIPES);
    drain(p.getInputStream());
    check(p.waitFor(), command.toArray(String[]::new));
    err.join();
  }

  private static void drain(InputStream in) {
    byte[] b = new byte[32 * 1024];
    try (in) {
      while (in.read(b) > 0) {
        // nothing: true writes nothing
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void handle(ShellHandler handler, JsonNode input, int task) throws Exception {
    JsonNode result = handler.handle(input, new QuietWork("spawn-cost-" + task));
    if (result.path("exitCode").asInt() != 0) {
      throw new IllegalStateException("task " + task + ": " + result);
    }
  }

  private static void check(int code, String... command) {
    if (code != 0) {
      throw new IllegalStateException(String.join(" ", command) + " exited with " + code);
    }
  }

  /** Runs a DAG on N threads, each task as soon as its last dependency returned. */
  static final class DagRunner {
    private final List<TreeSet<Integer>> dag;
    private final List<List<Integer>> dependents = new ArrayList<>();
    private final ExecutorService threads;

    DagRunner(List<TreeSet<Integer>> dag, int n) {
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
        Thread t = new Thread(r, "spawn-cost");
        t.setDaemon(true);
        return t;
      });
    }

    /** Runs the whole DAG once; its wall time in milliseconds. */
    double run(Task task) throws Exception {
      int[] missing = dag.stream().mapToInt(TreeSet::size).toArray();
      int[] finished = {0};
      CompletableFuture<Void> all = new CompletableFuture<>();
      long t0 = System.nanoTime();
      synchronized (missing) {
        for (int i = 0; i < dag.size(); i++) {
          if (missing[i] == 0) {
            submit(task, i, missing, finished, all);
          }
        }
      }
      all.get(5, TimeUnit.MINUTES);
      return (System.nanoTime() - t0) / 1e6;
    }

    private void submit(Task task, int i, int[] missing, int[] finished,
        CompletableFuture<Void> all) {
      threads.execute(() -> {
        try {
          task.run(i);
        } catch (Exception e) {
          all.completeExceptionally(e);
          return;
        }
        synchronized (missing) {
          for (int d : dependents.get(i)) {
            if (--missing[d] == 0) {
              submit(task, d, missing, finished, all);
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
}
