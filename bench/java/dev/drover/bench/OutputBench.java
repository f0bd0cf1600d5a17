package dev.drover.bench;

import static dev.drover.bench.BenchSupport.arg;
import static dev.drover.bench.BenchSupport.awaitUp;
import static dev.drover.bench.BenchSupport.deleteTree;
import static dev.drover.bench.BenchSupport.freePort;
import static dev.drover.bench.BenchSupport.get;
import static dev.drover.bench.BenchSupport.median;
import static dev.drover.bench.BenchSupport.post;
import static dev.drover.bench.BenchSupport.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drover.http.JwtIssuer;
import dev.drover.http.JwtSecret;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Output throughput and orphan-kill latency. Throughput: a task writing M MB of 100-byte lines
 * ({@code yes <99 a> | head -c M}) on a real {@code drover serve}, with forked and with
 * in-process workers, from the schedule until the job is done and its log file holds every
 * byte, against {@code sh -c} writing the same to a file directly, in one run. Orphan kill: a
 * forked worker JVM running {@code sleep} is killed with SIGKILL, timed until no process of the
 * script is left (its supervisor kills what the worker's ledger recorded).
 *
 * <p>Arguments: [runs (default 5)] [MB (default 20)].
 */
public final class OutputBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String LINE_OF_99 = "a".repeat(99);

  private OutputBench() {}

  public static void main(String[] args) throws Exception {
    int runs = (int) arg(args, 0, 5);
    long mb = arg(args, 1, 20);
    long bytes = mb * 1_000_000;
    Machine.print();
    Machine.printLoad();
    String command = "yes " + LINE_OF_99 + " | head -c " + bytes;
    System.out.printf("output of %d MB in 100-byte lines (%s), %d runs%n", mb,
        "yes <99 a> | head -c " + bytes, runs);
    Path work = Files.createTempDirectory("drover-output-bench");
    Path pipelines = Files.createDirectories(work.resolve("pipelines"));
    Files.writeString(pipelines.resolve("pipelines.yml"), """
        pipelines:
          out:
            quote_variables: false
            tasks:
              write:
                script: ["{{ .cmd }}"]
          nap:
            tasks:
              sleep:
                script: ["sleep {{ .m }}"]
        """);
    try {
      Map<String, List<Double>> rates = new java.util.LinkedHashMap<>();
      List<Double> killMs = new ArrayList<>();
      for (String launcher : List.of("forked", "in-process")) {
        try (Server server = new Server(work, pipelines, launcher)) {
          throughput(server, command, bytes, 1);
          List<Double> drover = new ArrayList<>();
          List<Double> direct = new ArrayList<>();
          for (int i = 0; i < runs; i++) {
            double d = direct(work, command, bytes);
            double s = throughput(server, command, bytes, 1);
            direct.add(d);
            drover.add(s);
            System.out.printf("%s run %d: sh -c to a file %7.1f MB/s | drover %7.1f MB/s"
                + " (%.2f of sh -c)%n", launcher, i + 1, d, s, s / d);
          }
          rates.put(launcher, drover);
          rates.put("sh -c beside " + launcher, direct);
          if (launcher.equals("forked")) {
            for (int i = 0; i < runs; i++) {
              killMs.add(orphanKill(server, i));
            }
          }
        }
      }
      System.out.printf("%nmedians of %d runs, MB/s from script to log file:%n", runs);
      rates.forEach((k, v) -> System.out.printf("  %-24s %7.1f%n", k, median(v)));
      System.out.printf("forked/sh -c %.2f, in-process/sh -c %.2f%n",
          median(rates.get("forked")) / median(rates.get("sh -c beside forked")),
          median(rates.get("in-process")) / median(rates.get("sh -c beside in-process")));
      System.out.printf("orphan kill (SIGKILL of a forked worker until its script's processes"
          + " are gone): median %.0f ms, max %.0f ms over %d runs%n", median(killMs),
          killMs.stream().mapToDouble(Double::doubleValue).max().orElse(0), killMs.size());
      Machine.printLoad();
    } finally {
      deleteTree(work);
    }
  }

  /** MB/s of {@code command} writing to a file by itself. */
  static double direct(Path work, String command, long bytes) throws Exception {
    Path out = work.resolve("direct.out");
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder("/bin/sh", "-c", command + " > " + out).start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("sh -c failed");
    }
    double s = (System.nanoTime() - t0) / 1e9;
    check(Files.size(out), bytes, out);
    return bytes / 1e6 / s;
  }

  /** MB/s of a job running {@code command}, from its schedule until its log file is complete. */
  static double throughput(Server server, String command, long bytes, int attempt)
      throws Exception {
    long t0 = System.nanoTime();
    String id = server.schedule("out", Map.of("cmd", command));
    String status = server.awaitEnd(id);
    double s = (System.nanoTime() - t0) / 1e9;
    if (!"done".equals(status)) {
      throw new IllegalStateException("job " + id + " ended " + status);
    }
    Path log = server.data.resolve("logs").resolve(id).resolve("write-stdout.log");
    check(Files.size(log), bytes, log);
    return bytes / 1e6 / s;
  }

  /** Milliseconds from a SIGKILL of the busy worker JVM until its script's processes are gone. */
  static double orphanKill(Server server, int run) throws Exception {
    String marker = "300." + (100000 + run);
    server.schedule("nap", Map.of("m", marker));
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (processesWith(marker) == 0) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the script did not start");
      }
      Thread.sleep(20);
    }
    long worker = server.busyWorker();
    long t0 = System.nanoTime();
    ProcessHandle.of(worker).orElseThrow().destroyForcibly();
    while (processesWith(marker) > 0) {
      if (System.nanoTime() - t0 > Duration.ofSeconds(30).toNanos()) {
        throw new IllegalStateException("the script outlived its worker by 30 s");
      }
      Thread.sleep(2);
    }
    double ms = (System.nanoTime() - t0) / 1e6;
    System.out.printf("orphan kill run %d: %.0f ms%n", run + 1, ms);
    return ms;
  }

  private static long processesWith(String marker) {
    try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
      return all.filter(p -> {
        try {
          return Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline"))
              .contains(marker);
        } catch (IOException | RuntimeException e) {
          return false;
        }
      }).count();
    }
  }

  private static void check(long size, long bytes, Path file) {
    if (size != bytes) {
      throw new IllegalStateException(file + " holds " + size + " bytes, not " + bytes);
    }
  }

  /** A {@code drover serve} with a pool of 2 workers. */
  static final class Server implements AutoCloseable {
    final Path data;
    private final Process process;
    private final HttpClient http = HttpClient.newHttpClient();
    private final String base;
    private final String token;

    Server(Path work, Path pipelines, String launcher) throws Exception {
      String secret = ScheduleBench.SECRET;
      token = new JwtIssuer(JwtSecret.of(secret)).issue("bench", Duration.ofHours(1));
      int port = freePort();
      data = work.resolve("data-" + launcher);
      process = serve(work.resolve("server-" + launcher + ".log"), List.of("-Xmx1g",
          "-Ddrover.node.launcher=" + launcher, "-Ddrover.node.pool.min=2",
          "-Ddrover.node.pool.warm=0", "-Ddrover.node.pool.max=2"),
          "--path", pipelines.toString(), "--data", data.toString(),
          "--address", "127.0.0.1:" + port, "--jwt-secret", secret);
      base = "http://127.0.0.1:" + port;
      awaitUp(http, base + "/pipelines", token);
    }

    String schedule(String pipeline, Map<String, String> variables) throws Exception {
      HttpResponse<String> r = post(http, base + "/pipelines/schedule", token,
          JSON.writeValueAsString(Map.of("pipeline", pipeline, "variables", variables)));
      if (r.statusCode() != 202) {
        throw new IllegalStateException("schedule: " + r.statusCode() + " " + r.body());
      }
      return JSON.readTree(r.body()).get("jobId").asText();
    }

    /** The task's status once the job completed. */
    String awaitEnd(String id) throws Exception {
      long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
      while (System.nanoTime() < deadline) {
        JsonNode job = JSON.readTree(get(http, base + "/job/detail?id=" + id, token).body());
        if (job.path("completed").asBoolean()) {
          return job.get("tasks").get(0).get("status").asText();
        }
        Thread.sleep(10);
      }
      throw new IllegalStateException("job " + id + " did not end within 5 minutes");
    }

    long busyWorker() throws Exception {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < deadline) {
        JsonNode pool = JSON.readTree(get(http, base + "/api/v1/pools/shell", token).body());
        for (JsonNode w : pool.get("workers")) {
          if (w.path("state").asText().equals("Busy")) {
            return w.get("pid").asLong();
          }
        }
        Thread.sleep(20);
      }
      throw new IllegalStateException("no busy worker");
    }

    @Override
    public void close() throws Exception {
      process.destroy();
      process.waitFor();
    }
  }
}
