package dev.drover.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drover.http.JwtIssuer;
import dev.drover.http.JwtSecret;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code drover serve} JVMs on loopback sharing a fresh PostgreSQL database, TLS between
 * them: the node holding the job queue (and the other singletons) is killed with SIGKILL while
 * jobs run, and the two others carry on, their {@code /metrics} adding up to no job twice. Their
 * shell workers run in their own JVMs ({@code launcher = in-process}), which keeps the test to
 * three JVMs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServeClusterTest {
  private static final String SECRET = "a-test-secret-that-is-long-enough-for-hs256";
  private static final Duration WAIT = Duration.ofMinutes(3);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int JOBS = 60;

  @TempDir static Path dir;
  private TestDatabase database;
  private ClusterProcesses processes;
  private final HttpClient http = HttpClient.newHttpClient();
  private final String token =
      new JwtIssuer(JwtSecret.of(SECRET)).issue("cluster", Duration.ofHours(1));
  private final List<Node> nodes = new ArrayList<>();
  private Instant readyAt;

  /** A serve node: its JVM, HTTP port and health port. */
  private record Node(String name, Process jvm, int http, int cluster, int health) {}

  @BeforeAll
  void startCluster() throws Exception {
    database = new TestDatabase();
    processes = new ClusterProcesses(dir);
    Path keys = ClusterKeys.init(dir.resolve("keys")).directory();
    Files.createDirectories(dir.resolve("defs"));
    Files.writeString(dir.resolve("defs/pipelines.yml"), """
        pipelines:
          work:
            concurrency: 6
            tasks:
              mark:
                script:
                  - sleep 1
                  - echo ran {{ .__jobID }}
                  - echo {{ .__jobID }} >> %s
          tick:
            schedule: "* * * * *"
            tasks:
              noop:
                script: ["true"]
        """.formatted(dir.resolve("marker")));
    int seed = ClusterProcesses.freePort();
    nodes.add(serve("node1", seed, keys, null));
    awaitReady(nodes.get(0));
    nodes.add(serve("node2", ClusterProcesses.freePort(), keys, seed));
    nodes.add(serve("node3", ClusterProcesses.freePort(), keys, seed));
    nodes.forEach(this::awaitReady);
    readyAt = Instant.now();
  }

  @AfterAll
  void stopCluster() throws Exception {
    try {
      if (processes != null) {
        processes.close();
      }
    } finally {
      if (database != null) {
        database.close();
      }
    }
  }

  private Node serve(String name, int clusterPort, Path keys, Integer seed) throws Exception {
    int httpPort = ClusterProcesses.freePort();
    int healthPort = ClusterProcesses.freePort();
    List<String> args = new ArrayList<>(List.of("serve", "--path", dir.resolve("defs").toString(),
        "--address", "127.0.0.1:" + httpPort, "--data", dir.resolve(name).toString(),
        "--jwt-secret", SECRET, "--cluster-address", "127.0.0.1:" + clusterPort,
        "--journal", database.url(), "--cluster-keys", keys.toString(),
        "--management-address", "127.0.0.1:" + healthPort));
    if (seed != null) {
      args.addAll(List.of("--seed", "127.0.0.1:" + seed));
    }
    Process jvm = processes.drover(name, List.of("-Ddrover.node.launcher=in-process",
        "-Ddrover.cluster.join-timeout=150s"), Map.of(), args.toArray(String[]::new));
    return new Node(name, jvm, httpPort, clusterPort, healthPort);
  }

  private void awaitReady(Node node) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(500))
        .alias(node.name() + " ready; its log:\n" + processes.logText(node.name()))
        .until(() -> status(node.health(), "/health/ready") == 200);
  }

  private int status(int port, String path) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private JsonNode get(Node node, String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + node.http() + path))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  /**
   * A variable of 8 KiB on every job: the 60 jobs' records are then more than one cluster
   * message holds (256 KiB), so a node that does not hold the queue must read them in pages.
   */
  private static final String NOTE = "n".repeat(8 * 1024);

  private String schedule(Node node, String pipeline) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + node.http() + "/pipelines/schedule"))
        .header("Authorization", "Bearer " + token)
        .POST(HttpRequest.BodyPublishers.ofString("{\"pipeline\": \"" + pipeline
            + "\", \"variables\": {\"note\": \"" + NOTE + "\"}}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    return JSON.readTree(r.body()).get("jobId").asText();
  }

  /** The series of a node's {@code /metrics} with their values, by name and labels. */
  private Map<String, Double> metrics(Node node) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + node.http() + "/metrics"))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    Map<String, Double> series = new HashMap<>();
    for (String line : r.body().split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        int space = line.lastIndexOf(' ');
        series.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
      }
    }
    return series;
  }

  /** The jobs a node lists, by id. */
  private Map<String, JsonNode> jobs(Node node) throws Exception {
    Map<String, JsonNode> out = new HashMap<>();
    get(node, "/pipelines/jobs").get("jobs").forEach(j -> out.put(j.get("id").asText(), j));
    return out;
  }

  @Test
  void jobsAcceptedBeforeTheQueuesNodeIsKilledAllEndOnceAndCronFiresOncePerDueTime()
      throws Exception {
    Node first = nodes.get(0);
    List<Node> survivors = nodes.subList(1, 3);
    // given every node serves the API and the health endpoints
    for (Node n : nodes) {
      assertThat(get(n, "/pipelines").get("pipelines")).extracting(p -> p.get("pipeline").asText())
          .containsExactlyInAnyOrder("work", "tick");
      assertThat(status(n.health(), "/health/alive")).isEqualTo(200);
    }

    // when 60 jobs are scheduled through the first node (which formed the cluster, so it holds
    // the job queue, the execution directory and the cron scheduler), and it is killed with
    // SIGKILL while they run
    List<String> accepted = new ArrayList<>();
    for (int i = 0; i < JOBS; i++) {
      accepted.add(schedule(first, "work"));
    }
    await().atMost(WAIT).until(() -> jobs(first).values().stream()
        .filter(j -> j.get("pipeline").asText().equals("work"))
        .filter(j -> j.get("completed").asBoolean()).count() >= 6);
    ClusterProcesses.kill9(first.jvm());

    // then through the two others every accepted job reaches a terminal state, none is lost
    await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().until(() -> {
      Map<String, JsonNode> seen = jobs(survivors.get(0));
      return accepted.stream().allMatch(id -> seen.containsKey(id)
          && seen.get(id).get("completed").asBoolean());
    });
    Map<String, JsonNode> second = jobs(survivors.get(0));
    Map<String, JsonNode> third = jobs(survivors.get(1));
    assertThat(third.keySet()).containsAll(accepted);
    for (String id : accepted) {
      assertThat(third.get(id).get("completed").asBoolean()).as(id).isTrue();
    }
    // and no task ran twice: the marker holds each job at most once, each job done exactly once
    List<String> marks = Files.readAllLines(dir.resolve("marker"));
    assertThat(marks).doesNotHaveDuplicates();
    Set<String> done = accepted.stream()
        .filter(id -> !second.get(id).get("canceled").asBoolean()
            && !second.get(id).get("errored").asBoolean())
        .collect(Collectors.toSet());
    assertThat(new HashSet<>(marks)).containsAll(done);
    assertThat(done.size()).as("jobs that ran to their end").isGreaterThan(JOBS / 2);
    // and every node left serves the logs of every task, whichever node ran it
    for (String id : done) {
      for (Node n : survivors) {
        assertThat(get(n, "/job/logs?id=" + id + "&task=mark").get("stdout").asText())
            .isEqualTo("ran " + id + "\n");
      }
    }
    // and the survivors' metrics add up: each job's end counted by one node (the one holding
    // the queue), the queue's lengths shown by one node, each node's pools by that node only
    await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
      List<Map<String, Double>> scraped = new ArrayList<>();
      for (Node n : survivors) {
        scraped.add(metrics(n));
      }
      double ended = scraped.stream().mapToDouble(m -> m.entrySet().stream()
          .filter(e -> e.getKey().startsWith("drover_job_duration_seconds_count{")
              && e.getKey().contains("pipeline=\"work\""))
          .mapToDouble(Map.Entry::getValue).sum()).sum();
      assertThat(ended).isPositive().isLessThanOrEqualTo(JOBS);
      assertThat(scraped).filteredOn(m -> m.keySet().stream()
          .anyMatch(k -> k.startsWith("drover_queue_jobs{"))).hasSize(1);
    });
    for (Node n : survivors) {
      String self = get(n, "/api/v1/cluster").get("self").asText();
      assertThat(metrics(n).keySet()).filteredOn(k -> k.startsWith("drover_pool_workers{"))
          .isNotEmpty().allMatch(k -> k.contains("node=\"" + self + "\""));
    }
    // and the survivors are ready, the killed node is not
    for (Node n : survivors) {
      assertThat(status(n.health(), "/health/ready")).isEqualTo(200);
    }
    assertThat(status(first.health(), "/health/ready")).isEqualTo(-1);

    // and each cron due time of the window fires exactly once in the cluster
    Instant windowEnd = readyAt.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(2));
    await().atMost(WAIT).until(() -> Instant.now().isAfter(windowEnd.plusSeconds(10)));
    List<Instant> ticks = new ArrayList<>();
    jobs(survivors.get(1)).values().stream()
        .filter(j -> j.get("pipeline").asText().equals("tick"))
        .forEach(j -> ticks.add(Instant.parse(j.get("created").asText())));
    Map<Instant, Long> perMinute = ticks.stream().collect(Collectors.groupingBy(
        t -> t.truncatedTo(ChronoUnit.MINUTES), Collectors.counting()));
    Instant firstDue = readyAt.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
    for (Instant due = firstDue; !due.isAfter(windowEnd); due = due.plus(Duration.ofMinutes(1))) {
      assertThat(perMinute.getOrDefault(due, 0L)).as("jobs of the due time " + due + " in "
          + ticks).isEqualTo(1L);
    }
    assertThat(perMinute.values()).allMatch(n -> n == 1L);
  }
}
