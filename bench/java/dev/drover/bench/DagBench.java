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
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

/**
 * One job of a pipeline of 200 {@code true} tasks forming a seeded random DAG, on a real
 * {@code drover serve} whose shell pool holds N workers, against {@code ninja -j N} and
 * {@code make -j N} running the same DAG in the same run. Drover's time runs from the
 * {@code POST /pipelines/schedule} until {@code GET /job/detail} first shows the job completed
 * (polled every 2 ms); ninja's and make's are their process wall times. Each tool runs once
 * untimed, then the runs alternate.
 *
 * <p>Arguments: [runs (default 5)] [N (default 4)] [tasks (default 200)] [seed (default 42)].
 */
public final class DagBench {
  private static final ObjectMapper JSON = new ObjectMapper();

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

    String secret = ScheduleBench.SECRET;
    String token = new JwtIssuer(JwtSecret.of(secret)).issue("bench", Duration.ofHours(1));
    int port = freePort();
    Process server = start(work.resolve("server.log"), "-Xmx1g",
        "-Ddrover.node.pool.min=" + n, "-Ddrover.node.pool.warm=0",
        "-Ddrover.node.pool.max=" + n, "-jar", jar(), "serve", "--path", pipelines.toString(),
        "--data", work.resolve("data").toString(), "--address", "127.0.0.1:" + port,
        "--jwt-secret", secret);
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + port;
    try {
      awaitUp(http, base + "/pipelines", token);
      awaitPool(http, base, token, n);
      ninjaRun(ninjaDir, n);
      makeRun(makeDir, n);
      droverRun(http, base, token);
      List<Double> ninja = new ArrayList<>();
      List<Double> make = new ArrayList<>();
      List<Double> drover = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        double ni = ninjaRun(ninjaDir, n);
        double ma = makeRun(makeDir, n);
        double dr = droverRun(http, base, token);
        ninja.add(ni);
        make.add(ma);
        drover.add(dr);
        System.out.printf("run %d: ninja %6.0f ms | make %6.0f ms | drover %6.0f ms (%.2f x ninja)%n",
            i + 1, ni, ma, dr, dr / ni);
      }
      double nm = median(ninja);
      double mm = median(make);
      double dm = median(drover);
      System.out.printf("%nmedian of %d runs: ninja -j %d %.0f ms, make -j %d %.0f ms, drover %.0f ms"
          + " (%.1f ms per task); drover/ninja %.2f, drover/make %.2f (target: <= 1.5 x ninja)%n",
          runs, n, nm, n, mm, dm, dm / tasks, dm / nm, dm / mm);
    } finally {
      server.destroy();
      server.waitFor();
      deleteTree(work);
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

  static double droverRun(HttpClient http, String base, String token) throws Exception {
    long t0 = System.nanoTime();
    HttpResponse<String> scheduled =
        post(http, base + "/pipelines/schedule", token, "{\"pipeline\": \"dag\"}");
    if (scheduled.statusCode() != 202) {
      throw new IllegalStateException("schedule: " + scheduled.statusCode() + " "
          + scheduled.body());
    }
    String id = JSON.readTree(scheduled.body()).get("jobId").asText();
    while (true) {
      HttpResponse<String> r = get(http, base + "/job/detail?id=" + id, token);
      JsonNode job = JSON.readTree(r.body());
      if (job.path("completed").asBoolean()) {
        double ms = (System.nanoTime() - t0) / 1e6;
        if (job.path("errored").asBoolean() || job.path("canceled").asBoolean()) {
          throw new IllegalStateException("job " + id + " failed: " + r.body());
        }
        return ms;
      }
      Thread.sleep(2);
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
