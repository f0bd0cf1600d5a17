package dev.drover.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigValueFactory;
import dev.drover.cluster.ClusterKeys;
import dev.drover.config.DroverConfig;
import dev.drover.http.JwtIssuer;
import dev.drover.http.JwtSecret;
import dev.drover.node.NodeClient;
import dev.drover.node.NodeSystem;
import dev.drover.node.WorkerLease;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * {@code bench/run-cluster [runs]}: how long a cluster takes to get over a crash, median of the
 * runs (default 5).
 *
 * <ul>
 *   <li>a: {@code kill -9} of the node holding the singletons of three {@code drover serve}
 *       nodes (PostgreSQL journal) to the first job progressing again (a job started or ended,
 *       as a survivor's {@code /pipelines/jobs} shows, polled every 50 ms). Per run the oldest
 *       node is killed and started again, as the youngest.
 *   <li>b: {@code kill -9} of a supervisor JVM to its client's lease on one of its workers
 *       failing ({@code lease.lost()} completing), the client in this JVM.
 * </ul>
 *
 * The journal is a fresh database on {@code DROVER_BENCH_POSTGRES}
 * ({@code jdbc:postgresql://127.0.0.1:5432/}, user postgres), dropped at the end.
 */
public final class ClusterBench {
  private static final String SECRET = "bench-secret-bench-secret-bench-secret-bench";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final List<Process> processes = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private final String token = new JwtIssuer(JwtSecret.of(SECRET)).issue("bench",
      Duration.ofHours(2));

  private ClusterBench(Path dir) {
    this.dir = dir;
  }

  public static void main(String[] args) throws Exception {
    int runs = (int) BenchSupport.arg(args, 0, 5);
    Path dir = Files.createTempDirectory("drover-cluster-bench");
    ClusterBench bench = new ClusterBench(dir);
    Runtime.getRuntime().addShutdownHook(new Thread(bench::killAll));
    Machine.print();
    try {
      Path keys = ClusterKeys.init(dir.resolve("keys")).directory();
      List<Double> handover = bench.handover(runs, keys);
      List<Double> leaseLost = bench.leaseLost(runs, keys);
      System.out.printf("%na  kill -9 of the singletons' node to a job progressing: median %.0f ms"
          + " (runs %s)%n", BenchSupport.median(handover), handover);
      System.out.printf("b  kill -9 of a supervisor to its client's lease failing: median %.0f ms"
          + " (runs %s)%n", BenchSupport.median(leaseLost), leaseLost);
    } finally {
      bench.killAll();
      Machine.print();
    }
  }

  // ---- a ----

  private record Node(int index, int http, int cluster) {}

  private List<Double> handover(int runs, Path keys) throws Exception {
    String server = System.getenv().getOrDefault("DROVER_BENCH_POSTGRES",
        "jdbc:postgresql://127.0.0.1:5432/");
    String db = "drover_bench_" + UUID.randomUUID().toString().replace("-", "");
    admin(server, "CREATE DATABASE " + db);
    try {
      Files.createDirectories(dir.resolve("defs"));
      Files.writeString(dir.resolve("defs/pipelines.yml"), """
          pipelines:
            steady:
              concurrency: 4
              tasks:
                step:
                  script: ["sleep 0.2"]
          """);
      Map<Integer, Process> jvms = new HashMap<>();
      Deque<Node> byAge = new ArrayDeque<>();
      int seedPort = BenchSupport.freePort();
      for (int i = 1; i <= 3; i++) {
        Node n = new Node(i, BenchSupport.freePort(), i == 1 ? seedPort : BenchSupport.freePort());
        jvms.put(i, serve(n, server + db, keys, i == 1 ? null : seedPort));
        awaitReady(n);
        byAge.addLast(n);
      }
      List<Double> out = new ArrayList<>();
      for (int run = 1; run <= runs; run++) {
        Node oldest = byAge.removeFirst();
        Node survivor = byAge.peekFirst();
        // enough that jobs still wait when the node dies
        for (int j = 0; j < 300; j++) {
          BenchSupport.post(http, url(oldest, "/pipelines/schedule"), token,
              "{\"pipeline\": \"steady\"}");
        }
        Map<String, String> before = progress(survivor);
        long killed = System.nanoTime();
        jvms.get(oldest.index()).toHandle().destroyForcibly();
        double ms = -1;
        while (System.nanoTime() - killed < Duration.ofMinutes(2).toNanos()) {
          Map<String, String> now;
          try {
            now = progress(survivor);
          } catch (Exception unavailable) {
            Thread.sleep(50);
            continue;
          }
          if (now.entrySet().stream().anyMatch(e -> !e.getValue().equals(before.get(e.getKey()))
              && before.containsKey(e.getKey()))) {
            ms = (System.nanoTime() - killed) / 1e6;
            break;
          }
          Thread.sleep(50);
        }
        System.out.printf("a run %d/%d: %.0f ms%n", run, runs, ms);
        out.add(ms);
        // the killed node comes back as the youngest member, on the same addresses
        jvms.put(oldest.index(), serve(oldest, server + db, keys, survivor.cluster()));
        awaitReady(oldest);
        byAge.addLast(oldest);
      }
      return out;
    } finally {
      killAll();
      admin(server, "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
    }
  }

  private Process serve(Node n, String journal, Path keys, Integer seed) throws Exception {
    List<String> args = new ArrayList<>(List.of("-Xmx512m", "-Ddrover.node.launcher=in-process",
        "-cp", BenchSupport.jar(), "dev.drover.cli.Main", "serve",
        "--path", dir.resolve("defs").toString(), "--address", "127.0.0.1:" + n.http(),
        "--data", dir.resolve("node-" + n.index()).toString(), "--jwt-secret", SECRET,
        "--cluster-address", "127.0.0.1:" + n.cluster(), "--journal", journal,
        "--cluster-keys", keys.toString()));
    if (seed != null) {
      args.addAll(List.of("--seed", "127.0.0.1:" + seed));
    }
    Process p = BenchSupport.start(dir.resolve("node-" + n.index() + ".log"),
        args.toArray(String[]::new));
    processes.add(p);
    return p;
  }

  private void awaitReady(Node n) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (BenchSupport.get(http, url(n, "/pipelines"), token).statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException notYet) {
        // starting
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("node " + n.index() + " not serving after 3 min");
  }

  /** Each job's phase (waiting, running, ended) as a node lists them. */
  private Map<String, String> progress(Node n) throws Exception {
    HttpResponse<String> r = BenchSupport.get(http, url(n, "/pipelines/jobs"), token);
    if (r.statusCode() != 200) {
      throw new IllegalStateException(r.body());
    }
    Map<String, String> out = new HashMap<>();
    for (JsonNode j : JSON.readTree(r.body()).get("jobs")) {
      out.put(j.get("id").asText(), j.get("completed").asBoolean() ? "ended"
          : j.hasNonNull("start") ? "running" : "waiting");
    }
    return out;
  }

  private static String url(Node n, String path) {
    return "http://127.0.0.1:" + n.http() + path;
  }

  private static void admin(String server, String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(server + "postgres", "postgres", "");
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  // ---- b ----

  private List<Double> leaseLost(int runs, Path keys) throws Exception {
    List<Double> out = new ArrayList<>();
    for (int run = 1; run <= runs; run++) {
      int port = BenchSupport.freePort();
      Process supervisor = BenchSupport.start(dir.resolve("supervisor-" + run + ".log"),
          "-Xmx256m", "-cp", BenchSupport.jar(), "dev.drover.cli.Main", "supervisor",
          "--kind", "shell", "--min", "1", "--warm", "0", "--max", "1",
          "--port", Integer.toString(port), "--data", dir.resolve("sup-" + run).toString(),
          "--cluster-keys", keys.toString());
      processes.add(supervisor);
      // a client system per run: each run's supervisor forms a cluster of its own
      ActorSystem<Void> runClient = ActorSystem.create(Behaviors.empty(), NodeSystem.NAME,
          NodeSystem.config("client", 0, DroverConfig.load().withValue("drover.cluster.keys",
              ConfigValueFactory.fromAnyRef(keys.toString()))));
      try (NodeClient nc = NodeClient.connect(runClient, "shell",
          List.of("127.0.0.1:" + port), Duration.ofSeconds(5))) {
        WorkerLease lease = nc.requestWorker(Duration.ofMinutes(2)).toCompletableFuture()
            .get(3, TimeUnit.MINUTES);
        lease.submit(JSON.valueToTree(Map.of("script", List.of("sleep 60"))));
        Thread.sleep(1000);
        long killed = System.nanoTime();
        supervisor.toHandle().destroyForcibly();
        lease.lost().toCompletableFuture().get(2, TimeUnit.MINUTES);
        double ms = (System.nanoTime() - killed) / 1e6;
        System.out.printf("b run %d/%d: %.0f ms%n", run, runs, ms);
        out.add(ms);
      } finally {
        runClient.terminate();
        runClient.getWhenTerminated().toCompletableFuture().get(1, TimeUnit.MINUTES);
      }
    }
    return out;
  }

  private void killAll() {
    for (Process p : processes) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    processes.clear();
  }
}
