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
import static dev.drover.bench.BenchSupport.serve;
import static dev.drover.bench.BenchSupport.size;
import static dev.drover.bench.BenchSupport.start;
import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drover.http.JwtIssuer;
import dev.drover.http.JwtSecret;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code POST /pipelines/schedule} under load: a real {@code drover serve} process (its own JVM,
 * H2 journal under a fresh data directory, every job journaled before its 202) driven by
 * {@code wrk} on loopback, and, in the same run, a peer: a Pekko HTTP server in its own JVM that
 * answers the same request with a 202 and a fresh UUID and does nothing else, the ceiling of the
 * HTTP stack on this machine. Then, on a fresh server, it schedules a number of jobs, waits
 * for all of them to finish and reads the server's heap after a full GC.
 *
 * <p>Arguments: [runs (default 5)] [seconds per run (default 5)] [connections (default 32)]
 * [concurrency of the pipeline (default 1, prunner's default)] [jobs of the memory phase
 * (default 10000; 0 skips it)]. The jobs run while the schedules come in, on the same two cores; beyond the
 * concurrency they wait in line.
 */
public final class ScheduleBench {
  static final String SECRET = "bench-secret-bench-secret-bench-secret-0123";
  static final ObjectMapper JSON = new ObjectMapper();
  /** How the server starts its shell workers: {@code LAUNCHER=in-process bench/run-schedule}. */
  static final String LAUNCHER = System.getProperty("drover.node.launcher", "forked");

  private ScheduleBench() {}

  /** One wrk run's figures. */
  record WrkRun(double rps, long requests, long non2xx, double p50ms, double p99ms) {}

  public static void main(String[] args) throws Exception {
    int runs = (int) arg(args, 0, 5);
    int seconds = (int) arg(args, 1, 5);
    int connections = (int) arg(args, 2, 32);
    int concurrency = (int) arg(args, 3, 1);
    int memoryJobs = (int) arg(args, 4, 10_000);
    Machine.print();
    Machine.printLoad();
    System.out.println("shell workers: " + LAUNCHER + " (drover.node.launcher)");
    String token = new JwtIssuer(JwtSecret.of(SECRET)).issue("bench", Duration.ofHours(1));
    Path work = Files.createTempDirectory("drover-schedule-bench");
    try {
      throughput(work.resolve("throughput"), token, runs, seconds, connections, concurrency);
      if (memoryJobs > 0) {
        memory(work.resolve("memory"), token, memoryJobs);
      }
    } finally {
      deleteTree(work);
    }
  }

  /** Phase 1: accepted jobs/s, Drover and the peer in alternating wrk runs. */
  static void throughput(Path dir, String token, int runs, int seconds, int connections,
      int concurrency) throws Exception {
    System.out.printf("%nthroughput: wrk -t2 -c%d -d%ds, 10 s warm-up, %d runs each, alternating;"
        + " pipeline of one 'true' task with concurrency %d%n", connections, seconds, runs,
        concurrency);
    Files.createDirectories(dir);
    Path lua = dir.resolve("schedule.lua");
    Files.writeString(lua, """
        wrk.method = "POST"
        wrk.body = '{"pipeline": "bench", "variables": {"n": "1"}}'
        wrk.headers["Content-Type"] = "application/json"
        wrk.headers["Authorization"] = "Bearer %s"
        """.formatted(token));
    int serverPort = freePort();
    int peerPort = freePort();
    Process server = server(dir, concurrency, serverPort);
    Process peer = start(dir.resolve("peer.log"), "-Xmx1g", "-cp", jar(),
        SchedulePeer.class.getName(), String.valueOf(peerPort));
    try {
      HttpClient http = HttpClient.newHttpClient();
      awaitUp(http, "http://127.0.0.1:" + serverPort + "/pipelines", token);
      awaitUp(http, "http://127.0.0.1:" + peerPort + "/pipelines", token);
      // warm both JVMs up: JIT, connection pools; meanwhile count the jobs running at once
      try (RunningJobs running = new RunningJobs(http,
          "http://127.0.0.1:" + serverPort, token)) {
        wrk(serverPort, lua, 10, connections);
        System.out.printf("warm-up: at most %d jobs running at once (pipeline concurrency %d),"
            + " from the server's event stream%n", running.most(), concurrency);
      }
      wrk(peerPort, lua, 10, connections);
      List<WrkRun> drover = new ArrayList<>();
      List<WrkRun> peers = new ArrayList<>();
      List<Double> serverCpu = new ArrayList<>();
      List<Double> workerCpu = new ArrayList<>();
      List<Double> scriptCpu = new ArrayList<>();
      List<Double> peerCpu = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        ServerCpu.Snapshot before = ServerCpu.read(server.pid());
        WrkRun d = wrk(serverPort, lua, seconds, connections);
        ServerCpu.Usage used = ServerCpu.read(server.pid()).since(before);
        ServerCpu.Ticks peerBefore = ServerCpu.ticks(peer.pid()).orElseThrow();
        WrkRun p = wrk(peerPort, lua, seconds, connections);
        ServerCpu.Ticks peerUsed = ServerCpu.ticks(peer.pid()).orElseThrow().minus(peerBefore);
        drover.add(d);
        peers.add(p);
        long accepted = d.requests() - d.non2xx();
        serverCpu.add(ServerCpu.Usage.perUnit(used.server(), accepted));
        workerCpu.add(ServerCpu.Usage.perUnit(used.workers(), accepted));
        scriptCpu.add(ServerCpu.Usage.perUnit(used.scripts(), accepted));
        peerCpu.add(ServerCpu.Usage.perUnit(ServerCpu.duration(peerUsed.self()), p.requests()));
        System.out.printf("run %d: drover %7.0f jobs/s (p50 %6.2f ms, p99 %7.2f ms, %d non-2xx)"
                + " | peer %7.0f req/s (p50 %6.2f ms, p99 %7.2f ms)%n", i + 1, d.rps(), d.p50ms(),
            d.p99ms(), d.non2xx(), p.rps(), p.p50ms(), p.p99ms());
      }
      double dm = median(drover.stream().map(WrkRun::rps).toList());
      double pm = median(peers.stream().map(WrkRun::rps).toList());
      System.out.printf("median of %d runs: drover %.0f accepted jobs/s, p50 %.2f ms, p99 %.2f ms;"
              + " peer %.0f req/s; drover/peer %.2f (target: >= 2000 jobs/s)%n", runs, dm,
          median(drover.stream().map(WrkRun::p50ms).toList()),
          median(drover.stream().map(WrkRun::p99ms).toList()), pm, dm / pm);
      System.out.printf("cpu per accepted job during the wrk runs (jobs run meanwhile), median:"
              + " server JVM %.3f ms, worker JVMs %.3f ms, scripts %.3f ms; peer JVM %.3f ms per"
              + " request%n", median(serverCpu), median(workerCpu), median(scriptCpu),
          median(peerCpu));
    } finally {
      peer.destroyForcibly();
      server.destroy();
      server.waitFor();
    }
  }

  /**
   * Phase 2: a fresh server (concurrency 8, so the jobs finish sooner) is sent {@code jobs}
   * schedules by 16 client threads; once every job finished, its heap after a full GC.
   */
  static void memory(Path dir, String token, int jobs) throws Exception {
    System.out.printf("%nmemory: %d jobs of the same pipeline with concurrency 8 on a fresh"
        + " server, then a full GC once all finished%n", jobs);
    Files.createDirectories(dir);
    int port = freePort();
    Process server = server(dir, 8, port);
    try {
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + port;
      awaitUp(http, base + "/pipelines", token);
      ServerCpu.Snapshot before = ServerCpu.read(server.pid());
      long t0 = System.nanoTime();
      AtomicInteger left = new AtomicInteger(jobs);
      List<Thread> clients = new ArrayList<>();
      for (int c = 0; c < 16; c++) {
        Thread t = new Thread(() -> {
          try {
            while (left.getAndDecrement() > 0) {
              HttpResponse<String> r =
                  post(http, base + "/pipelines/schedule", token, "{\"pipeline\": \"bench\"}");
              if (r.statusCode() != 202) {
                throw new IllegalStateException(r.statusCode() + " " + r.body());
              }
            }
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        t.start();
        clients.add(t);
      }
      for (Thread t : clients) {
        t.join();
      }
      JobCount count = awaitAllFinished(http, port, token);
      double seconds = (System.nanoTime() - t0) / 1e9;
      ServerCpu.Usage cpu = ServerCpu.read(server.pid()).since(before);
      System.out.printf("%d jobs scheduled and finished in %.1f s (%.0f jobs/s end to end;"
              + " %d done, %d not)%n", count.total(), seconds, count.total() / seconds,
          count.done(), count.total() - count.done());
      System.out.printf("cpu per job, scheduled and run: server JVM %.3f ms, %d worker JVMs"
              + " %.3f ms, scripts %.3f ms%s%n",
          ServerCpu.Usage.perUnit(cpu.server(), count.total()), cpu.workerJvms(),
          ServerCpu.Usage.perUnit(cpu.workers(), count.total()),
          ServerCpu.Usage.perUnit(cpu.scripts(), count.total()), cpu.workersGone() == 0 ? ""
              : " (" + cpu.workersGone() + " worker JVMs ended meanwhile: their CPU is among"
                  + " the scripts)");
      long pid = server.pid();
      run("jcmd", String.valueOf(pid), "GC.run");
      String heap = run("jcmd", String.valueOf(pid), "GC.heap_info");
      Matcher used = Pattern.compile("used (\\d+)K").matcher(heap);
      long usedKib = used.find() ? Long.parseLong(used.group(1)) : -1;
      String rss = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
          .filter(l -> l.startsWith("VmRSS")).findFirst().orElse("VmRSS: ?")
          .replaceAll("\\s+", " ");
      System.out.printf("server after %d finished jobs: heap used after full GC %.1f MiB "
              + "(%.1f KiB per job), %s, data directory %.1f MiB%n", count.total(),
          usedKib / 1024.0, (double) usedKib / count.total(), rss,
          size(dir.resolve("data")) / (1024.0 * 1024.0));
    } finally {
      server.destroy();
      server.waitFor();
    }
  }

  /** A {@code drover serve} of one pipeline, {@code bench}, with a single {@code true} task. */
  static Process server(Path dir, int concurrency, int port) throws Exception {
    Path pipelines = Files.createDirectories(dir.resolve("pipelines"));
    Files.writeString(pipelines.resolve("pipelines.yml"), """
        pipelines:
          bench:
            concurrency: %d
            tasks:
              work:
                script:
                  - "true"
        """.formatted(concurrency));
    // wrk's connections all come from 127.0.0.1: no per-client limit, as behind a proxy
    return serve(dir.resolve("server.log"), List.of("-Xmx1g",
        "-Ddrover.node.launcher=" + LAUNCHER, "-Ddrover.http.max-connections-per-client=0"),
        "--path", pipelines.toString(), "--data", dir.resolve("data").toString(),
        "--address", "127.0.0.1:" + port, "--jwt-secret", SECRET);
  }

  /** The number of jobs the server knows, all finished, and how many of them ended done. */
  record JobCount(int total, int done) {}

  static JobCount awaitAllFinished(HttpClient http, int port, String token) throws Exception {
    while (true) {
      int total = 0;
      int finished = 0;
      int done = 0;
      // the list comes a page at a time (drover.http.page-size): follow nextCursor to its end
      String cursor = null;
      do {
        String url = "http://127.0.0.1:" + port + "/pipelines/jobs?limit=1000"
            + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, UTF_8));
        JsonNode page = JSON.readTree(get(http, url, token).body());
        for (JsonNode j : page.get("jobs")) {
          total++;
          if (j.get("completed").asBoolean()) {
            finished++;
            if (!j.get("errored").asBoolean() && !j.get("canceled").asBoolean()) {
              done++;
            }
          }
        }
        cursor = page.path("nextCursor").isTextual() ? page.get("nextCursor").asText() : null;
      } while (cursor != null);
      if (finished == total) {
        return new JobCount(total, done);
      }
      Thread.sleep(2000);
    }
  }

  /**
   * The most jobs running at once while it is open, counted from the server's event stream
   * ({@code GET /api/v1/events}: a job's {@code running}, then its end). Closed before the timed
   * runs, so the stream does not load the server they measure: its reader closes it at the next
   * event (a reader blocked in a read holds the lock that closing from another thread needs).
   */
  static final class RunningJobs implements AutoCloseable {
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    private final AtomicInteger most = new AtomicInteger();
    private final Stream<String> lines;
    private volatile boolean closed;
    private final Thread reader;

    RunningJobs(HttpClient http, String base, String token) throws Exception {
      Stream<String> events = BenchSupport.eventLines(http, base, token);
      lines = events;
      reader = new Thread(() -> {
        try {
          lines.forEach(this::line);
        } catch (RuntimeException ended) {
          // closed, or the server stopped: nothing more to count
        } finally {
          lines.close();
        }
      }, "running-jobs");
      reader.setDaemon(true);
      reader.start();
    }

    private void line(String line) {
      if (closed) {
        throw new IllegalStateException("closed");
      }
      if (!line.startsWith("data:")) {
        return;
      }
      JsonNode event;
      try {
        event = JSON.readTree(line.substring(5));
      } catch (IOException e) {
        throw new IllegalStateException("not an event: " + line, e);
      }
      if (!event.path("task").isNull()) {
        return;
      }
      String job = event.path("jobId").asText();
      switch (event.path("status").asText()) {
        case "running" -> {
          running.add(job);
          most.accumulateAndGet(running.size(), Math::max);
        }
        case "done", "error", "canceled" -> running.remove(job);
        default -> { }
      }
    }

    int most() {
      return most.get();
    }

    /** Closes the stream at its next event; says so if none came within 10 s. */
    @Override
    public void close() throws InterruptedException {
      closed = true;
      reader.join(Duration.ofSeconds(10).toMillis());
      if (reader.isAlive()) {
        System.out.println("note: the event stream saw no event for 10 s after the warm-up and"
            + " is still open (idle)");
      }
    }
  }

  static WrkRun wrk(int port, Path lua, int seconds, int connections) throws Exception {
    String out = run("wrk", "-t2", "-c" + connections, "-d" + seconds + "s", "--latency",
        "-s", lua.toString(), "http://127.0.0.1:" + port + "/pipelines/schedule");
    double rps = Double.parseDouble(find(out, "Requests/sec:\\s+([\\d.]+)"));
    long requests = Long.parseLong(find(out, "(\\d+) requests in"));
    String non = findOr(out, "Non-2xx or 3xx responses: (\\d+)", "0");
    return new WrkRun(rps, requests, Long.parseLong(non),
        millis(find(out, "(?m)^\\s+50%\\s+(\\S+)")),
        millis(find(out, "(?m)^\\s+99%\\s+(\\S+)")));
  }

  /** wrk prints latencies as 812.00us, 1.23ms or 1.05s. */
  static double millis(String v) {
    if (v.endsWith("us")) {
      return Double.parseDouble(v.substring(0, v.length() - 2)) / 1000;
    } else if (v.endsWith("ms")) {
      return Double.parseDouble(v.substring(0, v.length() - 2));
    } else if (v.endsWith("s")) {
      return Double.parseDouble(v.substring(0, v.length() - 1)) * 1000;
    }
    throw new IllegalArgumentException("latency " + v);
  }

  static String find(String text, String regex) {
    String v = findOr(text, regex, null);
    if (v == null) {
      throw new IllegalStateException("no " + regex + " in:\n" + text);
    }
    return v;
  }

  static String findOr(String text, String regex, String otherwise) {
    Matcher m = Pattern.compile(regex).matcher(text);
    return m.find() ? m.group(1) : otherwise;
  }

}
