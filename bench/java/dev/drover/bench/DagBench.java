package dev.drover.bench;

import static dev.drover.bench.BenchSupport.arg;
import static dev.drover.bench.BenchSupport.awaitUp;
import static dev.drover.bench.BenchSupport.deleteTree;
import static dev.drover.bench.BenchSupport.freePort;
import static dev.drover.bench.BenchSupport.get;
import static dev.drover.bench.BenchSupport.jar;
import static dev.drover.bench.BenchSupport.median;
import static dev.drover.bench.BenchSupport.post;
import static dev.drover.bench.BenchSupport.run;
import static dev.drover.bench.BenchSupport.start;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drover.http.JwtIssuer;
import dev.drover.http.JwtSecret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One job of a pipeline of 200 {@code true} tasks forming a seeded random DAG, on a real
 * {@code drover serve} whose shell pool holds N workers, against {@code ninja -j N} and
 * {@code make -j N} running the same DAG in the same run, and against {@link HandlerFloor} (the
 * same DAG on N plain threads calling Drover's shell handler: the cost of starting the
 * processes from a JVM). Drover's time runs from the {@code POST /pipelines/schedule} until the
 * server's event stream reports the job's end; ninja's and make's are their process wall times.
 * Each peer runs once untimed and Drover {@value #WARM_UP_JOBS} times, then the runs alternate.
 *
 * <p>Arguments: [runs (default 5)] [N (default 4)] [tasks (default 200)] [seed (default 42)].
 */
public final class DagBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int WARM_UP_JOBS = 10;

  private DagBench() {}

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

  static String name(int i) {
    return String.format("t%03d", i);
  }

  static String pipelines(List<TreeSet<Integer>> dag) {
    StringBuilder b = new StringBuilder("pipelines:\n  dag:\n    tasks:\n");
    for (int i = 0; i < dag.size(); i++) {
      b.append("      ").append(name(i)).append(":\n        script: [\"true\"]\n");
      if (!dag.get(i).isEmpty()) {
        b.append("        depends_on: [")
            .append(String.join(", ", dag.get(i).stream().map(DagBench::name).toList()))
            .append("]\n");
      }
    }
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
    int runs = (int) arg(args, 0, 5);
    int n = (int) arg(args, 1, 4);
    int tasks = (int) arg(args, 2, 200);
    long seed = arg(args, 3, 42);
    Machine.print();
    Machine.printLoad();
    System.out.println("ninja  : " + run("ninja", "--version").trim() + ", make: "
        + run("make", "--version").lines().findFirst().orElse("?"));
    List<TreeSet<Integer>> dag = dag(tasks, seed);
    System.out.printf("DAG of %d 'true' tasks (seed %d, %d edges), parallelism %d, %d runs%n",
        tasks, seed, dag.stream().mapToInt(TreeSet::size).sum(), n, runs);

    Path work = Files.createTempDirectory("drover-dag-bench");
    Path pipelines = Files.createDirectories(work.resolve("pipelines"));
    Files.writeString(pipelines.resolve("pipelines.yml"), pipelines(dag));
    Path ninjaDir = Files.createDirectories(work.resolve("ninja"));
    Files.writeString(ninjaDir.resolve("build.ninja"), ninja(dag));
    Path makeDir = Files.createDirectories(work.resolve("make"));
    Files.writeString(makeDir.resolve("Makefile"), makefile(dag));

    HandlerFloor floor = new HandlerFloor(dag, n);
    try {
      ninjaRun(ninjaDir, n);
      makeRun(makeDir, n);
      floor.run();
      for (String launcher : List.of("forked", "in-process")) {
        phase(launcher, work, pipelines, ninjaDir, makeDir, floor, runs, n, tasks);
      }
    } finally {
      floor.close();
      deleteTree(work);
    }
  }

  /**
   * The runs against one server whose shell workers are started by {@code launcher}
   * ({@code drover.node.launcher}); the peers run again beside it, so each ratio compares runs
   * made at the same time.
   */
  static void phase(String launcher, Path work, Path pipelines, Path ninjaDir, Path makeDir,
      HandlerFloor floor, int runs, int n, int tasks) throws Exception {
    String secret = ScheduleBench.SECRET;
    String token = new JwtIssuer(JwtSecret.of(secret)).issue("bench", Duration.ofHours(1));
    int port = freePort();
    Process server = start(work.resolve("server-" + launcher + ".log"), "-Xmx1g",
        "-Ddrover.node.launcher=" + launcher, "-Ddrover.node.pool.min=" + n,
        "-Ddrover.node.pool.warm=0", "-Ddrover.node.pool.max=" + n, "-jar", jar(), "serve",
        "--path", pipelines.toString(), "--data", work.resolve("data-" + launcher).toString(),
        "--address", "127.0.0.1:" + port, "--jwt-secret", secret);
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + port;
    try {
      awaitUp(http, base + "/pipelines", token);
      awaitPool(http, base, token, n);
      JobEnds ends = new JobEnds(http, base, token);
      // a server runs for long: its first jobs pay for the JIT (the first is 2x slower)
      for (int i = 0; i < WARM_UP_JOBS; i++) {
        droverRun(http, base, token, ends);
      }
      System.out.printf("%nshell workers %s (drover.node.launcher)%n", launcher);
      List<Double> ninja = new ArrayList<>();
      List<Double> make = new ArrayList<>();
      List<Double> floors = new ArrayList<>();
      List<Double> drover = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        double ni = ninjaRun(ninjaDir, n);
        double ma = makeRun(makeDir, n);
        double fl = floor.run();
        double dr = droverRun(http, base, token, ends);
        ninja.add(ni);
        make.add(ma);
        floors.add(fl);
        drover.add(dr);
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
      System.out.printf("drover/ninja %.2f (target: <= 1.5), drover/make %.2f,"
          + " drover/floor %.2f, floor/ninja %.2f%n", dm / nm, dm / mm, dm / fm, fm / nm);
    } finally {
      server.destroy();
      server.waitFor();
    }
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

  static double droverRun(HttpClient http, String base, String token, JobEnds ends)
      throws Exception {
    long t0 = System.nanoTime();
    HttpResponse<String> scheduled =
        post(http, base + "/pipelines/schedule", token, "{\"pipeline\": \"dag\"}");
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
      HttpResponse<Stream<String>> stream = http.send(
          HttpRequest.newBuilder(URI.create(base + "/api/v1/events"))
              .header("Authorization", "Bearer " + token).build(),
          HttpResponse.BodyHandlers.ofLines());
      if (stream.statusCode() != 200) {
        throw new IllegalStateException("event stream: " + stream.statusCode());
      }
      Thread reader = new Thread(() -> {
        try {
          stream.body().forEach(this::line);
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
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
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
