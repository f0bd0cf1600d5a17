package dev.drover.bench;

import static dev.drover.bench.BenchSupport.arg;
import static dev.drover.bench.BenchSupport.awaitUp;
import static dev.drover.bench.BenchSupport.deleteTree;
import static dev.drover.bench.BenchSupport.freePort;
import static dev.drover.bench.BenchSupport.get;
import static dev.drover.bench.BenchSupport.median;
import static dev.drover.bench.BenchSupport.post;
import static dev.drover.bench.BenchSupport.run;
import static dev.drover.bench.BenchSupport.serve;
import static dev.drover.bench.BenchSupport.serverOptions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drover.http.JwtIssuer;
import dev.drover.http.JwtSecret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One job of a pipeline of {@code true} tasks on a real {@code drover serve} whose shell pool
 * holds N workers, against {@code ninja -j N} and {@code make -j N} running the same dependency
 * graph in the same run, and against {@link HandlerFloor} (the same graph on N plain threads
 * calling Drover's shell handler: the cost of starting the processes from a JVM). Drover's time
 * runs from the {@code POST /pipelines/schedule} until the server's event stream reports the
 * job's end; ninja's and make's are their process wall times. Each peer runs once untimed and
 * Drover at least {@value #WARM_UP_JOBS} times and for at least {@code DROVER_BENCH_WARM_UP}
 * seconds (default 60: a fresh server's compiler is still busy after a few thousand tasks, a
 * third of its CPU on two cores), then the runs alternate.
 *
 * <p>Three shapes, each a pipeline of the same server: {@code dag}, a seeded random DAG of 200
 * tasks (the default run of earlier versions, whose figures and ratios it prints as before);
 * {@code dag2000}, the same generator with 2,000 tasks; {@code chain}, 200 tasks each depending
 * on the one before, so the critical path is every task and the time per task is the latency of
 * one task's turn through the engine. Around every timed run it reads the CPU time the server
 * JVM, its worker JVMs and the scripts used ({@link ServerCpu}), and that of the peers.
 *
 * <p>Arguments: [runs (default 5)] [N (default 4)] [tasks of dag and chain (default 200)]
 * [seed (default 42)], and anywhere {@code --shape dag,dag2000,chain} or {@code --shape all}
 * (default: {@code dag}).
 */
public final class DagBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int WARM_UP_JOBS = 10;
  private static final List<String> SHAPES = List.of("dag", "dag2000", "chain");
  private static final int LARGE_DAG_TASKS = 2_000;

  private DagBench() {}

  /**
   * A shape of the benchmark: the pipeline of that name on the server, the same graph as a ninja
   * and a make directory, and a handler floor for it.
   */
  record Shape(String name, String description, List<TreeSet<Integer>> deps, Path ninjaDir,
      Path makeDir, HandlerFloor floor) {
    int tasks() {
      return deps.size();
    }

    boolean isChain() {
      return name.equals("chain");
    }
  }

  /** Task i depends on up to 3 distinct earlier tasks, chosen by the seeded generator. */
  static List<TreeSet<Integer>> dag(int tasks, long seed) {
    Random random = new Random(seed);
    List<TreeSet<Integer>> deps = new ArrayList<>();
    for (int i = 0; i < tasks; i++) {
      TreeSet<Integer> d = new TreeSet<>();
      int k = i == 0 ? 0 : random.nextInt(Math.min(i, 3) + 1);
      while (d.size() < k) {
        d.add(random.nextInt(i));
      }
      deps.add(d);
    }
    return deps;
  }

  /** Task i depends on task i - 1: one task runs at a time, whatever the parallelism. */
  static List<TreeSet<Integer>> chain(int tasks) {
    List<TreeSet<Integer>> deps = new ArrayList<>();
    for (int i = 0; i < tasks; i++) {
      deps.add(i == 0 ? new TreeSet<>() : new TreeSet<>(List.of(i - 1)));
    }
    return deps;
  }

  static String name(int i) {
    return String.format("t%03d", i);
  }

  /** One pipeline per shape, by the shape's name. */
  static String pipelines(Map<String, List<TreeSet<Integer>>> shapes) {
    StringBuilder b = new StringBuilder("pipelines:\n");
    shapes.forEach((pipeline, dag) -> {
      b.append("  ").append(pipeline).append(":\n    tasks:\n");
      for (int i = 0; i < dag.size(); i++) {
        b.append("      ").append(name(i)).append(":\n        script: [\"true\"]\n");
        if (!dag.get(i).isEmpty()) {
          b.append("        depends_on: [")
              .append(String.join(", ", dag.get(i).stream().map(DagBench::name).toList()))
              .append("]\n");
        }
      }
    });
    return b.toString();
  }

  static String ninja(List<TreeSet<Integer>> dag) {
    StringBuilder b = new StringBuilder("rule run\n  command = true\n\n");
    for (int i = 0; i < dag.size(); i++) {
      b.append("build ").append(name(i)).append(": run");
      if (!dag.get(i).isEmpty()) {
        b.append(" | ").append(String.join(" ", dag.get(i).stream().map(DagBench::name).toList()));
      }
      b.append('\n');
    }
    return b.toString();
  }

  static String makefile(List<TreeSet<Integer>> dag) {
    List<String> all = new ArrayList<>();
    for (int i = 0; i < dag.size(); i++) {
      all.add(name(i));
    }
    StringBuilder b = new StringBuilder(".PHONY: all " + String.join(" ", all) + "\n");
    b.append("all: ").append(String.join(" ", all)).append('\n');
    for (int i = 0; i < dag.size(); i++) {
      b.append(name(i)).append(':');
      dag.get(i).forEach(d -> b.append(' ').append(name(d)));
      b.append("\n\ttrue\n");
    }
    return b.toString();
  }

  public static void main(String[] args) throws Exception {
    List<String> positional = new ArrayList<>();
    // all three shapes take 7 to 15 minutes for 5 runs on 2 cores: one asks for them
    List<String> chosen = List.of("dag");
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--shape") && i + 1 < args.length) {
        chosen = shapes(args[++i]);
      } else if (args[i].startsWith("--shape=")) {
        chosen = shapes(args[i].substring("--shape=".length()));
      } else {
        positional.add(args[i]);
      }
    }
    String[] numbers = positional.toArray(String[]::new);
    int runs = (int) arg(numbers, 0, 5);
    int n = (int) arg(numbers, 1, 4);
    int tasks = (int) arg(numbers, 2, 200);
    long seed = arg(numbers, 3, 42);
    Machine.print();
    Machine.printLoad();
    System.out.println("ninja  : " + run("ninja", "--version").trim() + ", make: "
        + run("make", "--version").lines().findFirst().orElse("?"));
    System.out.printf("shapes %s, parallelism %d, %d runs%s%n", String.join(", ", chosen), n,
        runs, serverOptions().isEmpty() ? ""
            : ", server JVM options " + String.join(" ", serverOptions()));

    Path work = Files.createTempDirectory("drover-dag-bench");
    // the 200-task DAG is always a pipeline of the server: its jobs warm the server up
    Map<String, List<TreeSet<Integer>>> graphs = new LinkedHashMap<>();
    graphs.put("dag", dag(tasks, seed));
    if (chosen.contains("dag2000")) {
      graphs.put("dag2000", dag(LARGE_DAG_TASKS, seed));
    }
    if (chosen.contains("chain")) {
      graphs.put("chain", chain(tasks));
    }
    Path pipelines = Files.createDirectories(work.resolve("pipelines"));
    Files.writeString(pipelines.resolve("pipelines.yml"), pipelines(graphs));
    List<Shape> shapes = new ArrayList<>();
    try {
      for (String name : chosen) {
        List<TreeSet<Integer>> deps = graphs.get(name);
        Path ninjaDir = Files.createDirectories(work.resolve(name).resolve("ninja"));
        Files.writeString(ninjaDir.resolve("build.ninja"), ninja(deps));
        Path makeDir = Files.createDirectories(work.resolve(name).resolve("make"));
        Files.writeString(makeDir.resolve("Makefile"), makefile(deps));
        String description = name.equals("chain")
            ? String.format("chain of %d 'true' tasks, each depending on the one before",
                deps.size())
            : String.format("DAG of %d 'true' tasks (seed %d, %d edges)", deps.size(), seed,
                deps.stream().mapToInt(TreeSet::size).sum());
        shapes.add(new Shape(name, description, deps, ninjaDir, makeDir,
            new HandlerFloor(deps, n)));
      }
      for (Shape shape : shapes) {
        ninjaRun(shape.ninjaDir(), n);
        makeRun(shape.makeDir(), n);
        shape.floor().run();
      }
      for (String launcher : launchers()) {
        phase(launcher, work, pipelines, shapes, runs, n);
      }
    } finally {
      shapes.forEach(s -> s.floor().close());
      deleteTree(work);
    }
  }

  static List<String> shapes(String list) {
    if (list.equals("all")) {
      return SHAPES;
    }
    List<String> shapes = List.of(list.split(","));
    for (String s : shapes) {
      if (!SHAPES.contains(s)) {
        throw new IllegalArgumentException("no shape " + s + "; shapes: "
            + String.join(", ", SHAPES) + " or all");
      }
    }
    return shapes;
  }

  /**
   * The runs against one server whose shell workers are started by {@code launcher}
   * ({@code drover.node.launcher}); the peers run again beside it, so each ratio compares runs
   * made at the same time.
   */
  static void phase(String launcher, Path work, Path pipelines, List<Shape> shapes, int runs,
      int n) throws Exception {
    String secret = ScheduleBench.SECRET;
    String token = new JwtIssuer(JwtSecret.of(secret)).issue("bench", Duration.ofHours(1));
    int port = freePort();
    Process server = serve(work.resolve("server-" + launcher + ".log"), List.of("-Xmx1g",
        "-Ddrover.node.launcher=" + launcher, "-Ddrover.node.pool.min=" + n,
        "-Ddrover.node.pool.warm=0", "-Ddrover.node.pool.max=" + n),
        "--path", pipelines.toString(), "--data", work.resolve("data-" + launcher).toString(),
        "--address", "127.0.0.1:" + port, "--jwt-secret", secret);
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + port;
    try {
      awaitUp(http, base + "/pipelines", token);
      awaitPool(http, base, token, n);
      JobEnds ends = new JobEnds(http, base, token);
      // a server runs for long: its first jobs pay for the JIT (the first is 2x slower, and
      // the compiler still takes a third of the CPU after 30 jobs)
      long warmUntil = System.nanoTime() + warmUp().toNanos();
      int warmJobs = 0;
      while (warmJobs < WARM_UP_JOBS || System.nanoTime() < warmUntil) {
        droverRun(http, base, token, ends, "dag");
        warmJobs++;
      }
      System.out.printf("%nwarm-up: %d jobs of the 200-task DAG%n", warmJobs);
      System.out.printf("%nshell workers %s (drover.node.launcher)%n", launcher);
      for (Shape shape : shapes) {
        if (!shape.name().equals("dag")) {
          droverRun(http, base, token, ends, shape.name());
        }
        runs(shape, server.pid(), http, base, token, ends, runs, n, launcher);
      }
    } finally {
      server.destroy();
      server.waitFor();
    }
  }

  /** The launchers to run, {@code DROVER_BENCH_LAUNCHERS} (comma-separated), else both. */
  static List<String> launchers() {
    String s = System.getenv("DROVER_BENCH_LAUNCHERS");
    return s == null || s.isBlank() ? List.of("forked", "in-process")
        : List.of(s.trim().split("\\s*,\\s*"));
  }

  /** How long a server is warmed up at least: {@code DROVER_BENCH_WARM_UP} seconds, or 60. */
  static java.time.Duration warmUp() {
    String s = System.getenv("DROVER_BENCH_WARM_UP");
    return java.time.Duration.ofSeconds(s == null || s.isBlank() ? 60 : Long.parseLong(s.trim()));
  }

  /** The timed runs of one shape on one server, alternating ninja, make, floor and Drover. */
  static void runs(Shape shape, long serverPid, HttpClient http, String base, String token,
      JobEnds ends, int runs, int n, String launcher) throws Exception {
    int tasks = shape.tasks();
    System.out.printf("%nshape %s: %s%n", shape.name(), shape.description());
    List<Double> ninja = new ArrayList<>();
    List<Double> make = new ArrayList<>();
    List<Double> floors = new ArrayList<>();
    List<Double> drover = new ArrayList<>();
    List<Double> ninjaCpu = new ArrayList<>();
    List<Double> makeCpu = new ArrayList<>();
    List<Double> floorJvmCpu = new ArrayList<>();
    List<Double> floorScriptCpu = new ArrayList<>();
    List<Double> serverCpu = new ArrayList<>();
    List<Double> workerCpu = new ArrayList<>();
    List<Double> scriptCpu = new ArrayList<>();
    int workersGone = 0;
    int workerJvms = 0;
    for (int i = 0; i < runs; i++) {
      ServerCpu.Ticks t0 = ServerCpu.self();
      double ni = ninjaRun(shape.ninjaDir(), n);
      ServerCpu.Ticks t1 = ServerCpu.self();
      double ma = makeRun(shape.makeDir(), n);
      ServerCpu.Ticks t2 = ServerCpu.self();
      double fl = shape.floor().run();
      ServerCpu.Ticks t3 = ServerCpu.self();
      ServerCpu.Snapshot before = ServerCpu.read(serverPid);
      double dr = droverRun(http, base, token, ends, shape.name());
      ServerCpu.Usage used = ServerCpu.read(serverPid).since(before);
      ninja.add(ni);
      make.add(ma);
      floors.add(fl);
      drover.add(dr);
      ninjaCpu.add(perTask(t1.minus(t0).reaped(), tasks));
      makeCpu.add(perTask(t2.minus(t1).reaped(), tasks));
      floorJvmCpu.add(perTask(t3.minus(t2).self(), tasks));
      floorScriptCpu.add(perTask(t3.minus(t2).reaped(), tasks));
      serverCpu.add(ServerCpu.Usage.perUnit(used.server(), tasks));
      workerCpu.add(ServerCpu.Usage.perUnit(used.workers(), tasks));
      scriptCpu.add(ServerCpu.Usage.perUnit(used.scripts(), tasks));
      workersGone += used.workersGone();
      workerJvms = used.workerJvms();
      System.out.printf("run %d: ninja %5.0f ms | make %5.0f ms | handler floor %5.0f ms"
          + " | drover %6.0f ms (%.2f x ninja)%n", i + 1, ni, ma, fl, dr, dr / ni);
    }
    double nm = median(ninja);
    double mm = median(make);
    double fm = median(floors);
    double dm = median(drover);
    System.out.printf("median of %d runs: ninja -j %d %.0f ms, make -j %d %.0f ms,"
        + " handler floor %.0f ms, drover (%s) %.0f ms (%.1f ms per task)%n",
        runs, n, nm, n, mm, fm, launcher, dm, dm / tasks);
    System.out.printf("drover/ninja %.2f (target: forked <= 2.0, in-process <= 1.8),"
        + " drover/make %.2f, drover/floor %.2f (target: forked <= 1.3), floor/ninja %.2f%n",
        dm / nm, dm / mm, dm / fm, fm / nm);
    System.out.printf("%s: ninja %.2f ms, make %.2f ms, handler floor %.2f ms,"
        + " drover %.2f ms%n", shape.isChain()
            ? "latency per task (the chain's critical path is every task)"
            : "wall time per task", nm / tasks, mm / tasks, fm / tasks, dm / tasks);
    System.out.printf("cpu per task, median of %d runs: drover server JVM %.2f ms, %d worker"
        + " JVMs %.2f ms, scripts %.2f ms | ninja %.2f ms, make %.2f ms (each with its"
        + " scripts) | handler floor: bench JVM %.2f ms, scripts %.2f ms%n", runs,
        median(serverCpu), workerJvms, median(workerCpu), median(scriptCpu), median(ninjaCpu),
        median(makeCpu), median(floorJvmCpu), median(floorScriptCpu));
    if (workersGone > 0) {
      System.out.printf("note: %d worker JVM(s) ended during the runs; the server reaped their"
          + " CPU, counted among the scripts%n", workersGone);
    }
  }

  static double perTask(long ticks, int tasks) {
    return ServerCpu.Usage.perUnit(ServerCpu.duration(ticks), tasks);
  }

  static double ninjaRun(Path dir, int n) throws Exception {
    Files.deleteIfExists(dir.resolve(".ninja_log"));
    Files.deleteIfExists(dir.resolve(".ninja_deps"));
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder("ninja", "-j", String.valueOf(n)).directory(dir.toFile())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    check(p, "ninja");
    return (System.nanoTime() - t0) / 1e6;
  }

  static double makeRun(Path dir, int n) throws Exception {
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder("make", "-s", "-j", String.valueOf(n)).directory(dir.toFile())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    check(p, "make");
    return (System.nanoTime() - t0) / 1e6;
  }

  static void check(Process p, String what) throws InterruptedException {
    if (p.waitFor() != 0) {
      throw new IllegalStateException(what + " exited with " + p.exitValue());
    }
  }

  static double droverRun(HttpClient http, String base, String token, JobEnds ends,
      String pipeline) throws Exception {
    long t0 = System.nanoTime();
    HttpResponse<String> scheduled = post(http, base + "/pipelines/schedule", token,
        "{\"pipeline\": \"" + pipeline + "\"}");
    if (scheduled.statusCode() != 202) {
      throw new IllegalStateException("schedule: " + scheduled.statusCode() + " "
          + scheduled.body());
    }
    String id = JSON.readTree(scheduled.body()).get("jobId").asText();
    String status = ends.await(id).get(5, TimeUnit.MINUTES);
    double ms = (System.nanoTime() - t0) / 1e6;
    if (!"done".equals(status)) {
      throw new IllegalStateException("job " + id + " ended " + status + ": "
          + get(http, base + "/job/detail?id=" + id, token).body());
    }
    return ms;
  }

  /**
   * The ends of jobs, read from the server's event stream ({@code GET /api/v1/events}), which
   * is opened once before the runs. Waiting on the stream rather than polling the job's detail
   * keeps the measurement from loading the server it measures.
   */
  static final class JobEnds {
    private final Map<String, CompletableFuture<String>> ends = new ConcurrentHashMap<>();

    JobEnds(HttpClient http, String base, String token) throws Exception {
      Stream<String> events = BenchSupport.eventLines(http, base, token);
      Thread reader = new Thread(() -> {
        try {
          events.forEach(this::line);
        } catch (UncheckedIOException closed) {
          // the server stopped: no job of it is awaited any more
        }
      }, "job-ends");
      reader.setDaemon(true);
      reader.start();
    }

    private void line(String line) {
      if (!line.startsWith("data:")) {
        return;
      }
      try {
        JsonNode event = JSON.readTree(line.substring(5));
        String status = event.path("status").asText();
        if (event.path("task").isNull()
            && List.of("done", "error", "canceled").contains(status)) {
          await(event.path("jobId").asText()).complete(status);
        }
      } catch (IOException e) {
        throw new IllegalStateException("not an event: " + line, e);
      }
    }

    CompletableFuture<String> await(String jobId) {
      return ends.computeIfAbsent(jobId, id -> new CompletableFuture<>());
    }
  }

  /** Waits until the shell pool has its N workers idle, so no run pays for a JVM start. */
  static void awaitPool(HttpClient http, String base, String token, int n) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = get(http, base + "/api/v1/pools/shell", token);
      if (r.statusCode() == 200 && JSON.readTree(r.body()).path("idle").asInt() >= n) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the shell pool did not reach " + n + " idle workers");
  }
}
