package dev.drover.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics} of a real {@code drover serve}, scraped and parsed as Prometheus parses its
 * text format, while jobs run: the series the README documents move as they should. The same
 * server exports its job traces to a fake OTLP collector.
 */
class MetricsEndToEndTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String PIPELINES = """
      pipelines:
        release:
          tasks:
            build:
              script:
                - echo building {{ .version }}
            deploy:
              script:
                - echo deploying {{ .version }}
              depends_on: [build]
        fails:
          tasks:
            check:
              script: [exit 3]
        slow:
          queue_limit: 5
          tasks:
            wait:
              script: [sleep 120]
      """;

  @TempDir static Path dir;
  private static ServeProcess server;
  private static HttpServer collector;
  private static final ByteArrayOutputStream traces = new ByteArrayOutputStream();

  @BeforeAll
  static void start() throws IOException {
    collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    collector.createContext("/v1/traces", exchange -> {
      try (InputStream in = exchange.getRequestBody()) {
        byte[] body = in.readAllBytes();
        synchronized (traces) {
          traces.write(body);
        }
      }
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    collector.start();
    server = new ServeProcess(dir, PIPELINES, List.of(
        "-Ddrover.node.launcher=in-process",
        "-Ddrover.observe.tracing.enabled=on",
        "-Ddrover.observe.tracing.endpoint=http://127.0.0.1:" + collector.getAddress().getPort()
            + "/v1/traces"));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    collector.stop(0);
  }

  @Test
  void seriesMoveAsJobsRun() throws Exception {
    // given the metrics before any job
    Map<String, Double> before = scrape();
    assertThat(before).containsKey("jvm_memory_used_bytes{area=\"heap\"}")
        .containsKey("process_cpu_seconds_total")
        .containsEntry("drover_queue_jobs{pipeline=\"release\",state=\"running\"}", 0.0)
        .containsEntry("drover_sse_clients", 0.0);
    assertThat(sum(before, "drover_pool_workers", "kind", "shell")).isPositive();

    // when a release runs to its end, and a job fails
    String release = server.schedule("release", "{\"version\": \"1\"}");
    String fails = server.schedule("fails", "{}");
    await().atMost(WAIT).until(() -> done(release) && done(fails));

    // then its job, its tasks, their leases, the journal and the requests were counted
    Map<String, Double> after = await().atMost(WAIT).until(MetricsEndToEndTest::scrape,
        m -> m.getOrDefault("drover_job_duration_seconds_count{outcome=\"error\","
            + "pipeline=\"fails\"}", 0.0) == 1.0);
    assertThat(after)
        .containsEntry("drover_job_duration_seconds_count{outcome=\"done\",pipeline=\"release\"}",
            1.0)
        .containsEntry("drover_task_duration_seconds_count{outcome=\"done\",pipeline=\"release\","
            + "task=\"build\"}", 1.0)
        .containsEntry("drover_task_duration_seconds_count{outcome=\"done\",pipeline=\"release\","
            + "task=\"deploy\"}", 1.0)
        .containsEntry("drover_task_duration_seconds_count{outcome=\"error\",pipeline=\"fails\","
            + "task=\"check\"}", 1.0)
        .containsEntry("drover_http_requests_total{method=\"POST\",route=\"/api/v1/jobs\","
            + "status=\"202\"}", 2.0);
    assertThat(after.get("drover_lease_wait_seconds_count{pool=\"shell\",result=\"leased\"}"))
        .isGreaterThanOrEqualTo(3.0);
    assertThat(after.get("drover_journal_write_seconds_count{result=\"ok\"}"))
        .isGreaterThan(before.getOrDefault("drover_journal_write_seconds_count{result=\"ok\"}",
            0.0));
    assertThat(after.get("drover_http_requests_total{method=\"GET\",route=\"/api/v1/jobs/{id}\","
        + "status=\"200\"}")).isPositive();

    // when one slow job runs and another waits, and a client follows the events
    String running = server.schedule("slow", "{}");
    String waiting = server.schedule("slow", "{}");
    HttpResponse<InputStream> events = server.http.send(HttpRequest.newBuilder(
            URI.create(server.base() + "/api/v1/events"))
        .header("Authorization", "Bearer " + server.token("watcher")).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    try {
      // then the queue and the stream show in the gauges
      await().atMost(WAIT).until(MetricsEndToEndTest::scrape, m ->
          m.get("drover_queue_jobs{pipeline=\"slow\",state=\"running\"}") == 1.0
              && m.get("drover_queue_jobs{pipeline=\"slow\",state=\"waiting\"}") == 1.0
              && m.get("drover_sse_clients") == 1.0
              && sum(m, "drover_pool_workers", "state", "Busy") >= 1.0);
    } finally {
      events.body().close();
      server.send("POST", "/api/v1/jobs/" + waiting + "/cancel", "{}");
      server.send("POST", "/api/v1/jobs/" + running + "/cancel", "{}");
    }
    await().atMost(WAIT).until(() -> done(running) && done(waiting));
    await().atMost(WAIT).until(MetricsEndToEndTest::scrape, m ->
        m.getOrDefault("drover_job_duration_seconds_count{outcome=\"canceled\","
            + "pipeline=\"slow\"}", 0.0) == 1.0
            && m.get("drover_queue_jobs{pipeline=\"slow\",state=\"running\"}") == 0.0);
  }

  @Test
  void metricsNeedATokenByDefault() throws Exception {
    // when /metrics is asked for without a token
    HttpResponse<String> r = server.http.send(HttpRequest.newBuilder(
        URI.create(server.base() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());

    // then it is refused like every other route
    assertThat(r.statusCode()).isEqualTo(401);
  }

  @Test
  void eachJobIsExportedAsATraceOfTaskLeaseAndWorkSpans() {
    // given a job that ran
    String job = server.schedule("release", "{\"version\": \"2\"}");
    await().atMost(WAIT).until(() -> done(job));

    // then the collector receives its spans (OTLP protobuf holds names as plain UTF-8)
    await().atMost(WAIT).until(() -> {
      String received;
      synchronized (traces) {
        received = traces.toString(StandardCharsets.ISO_8859_1);
      }
      return received.contains("job release") && received.contains("task build")
          && received.contains("task deploy") && received.contains("lease shell")
          && received.contains("work shell") && received.contains(job);
    });
  }

  // ---- the exposition format ----

  private static final Pattern SAMPLE = Pattern.compile(
      "([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)(?:\\s+-?\\d+)?");
  private static final Pattern LABEL = Pattern.compile(
      "([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

  /**
   * Every sample of a scrape, by name and labels in sorted order (e.g. {@code
   * a{x="1",y="2"}}), checking the format on the way: every sample belongs to a family with HELP
   * and TYPE, label values are quoted and escaped, values are numbers.
   */
  static Map<String, Double> scrape() {
    HttpResponse<String> r = server.send("GET", "/metrics", null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse(""))
        .startsWith("text/plain").contains("version=0.0.4");
    Map<String, Double> samples = new HashMap<>();
    Map<String, String> types = new HashMap<>();
    TreeSet<String> helped = new TreeSet<>();
    for (String line : r.body().split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      if (line.startsWith("# HELP ")) {
        helped.add(line.split(" ")[2]);
        continue;
      }
      if (line.startsWith("# TYPE ")) {
        String[] parts = line.split(" ");
        types.put(parts[2], parts[3]);
        continue;
      }
      assertThat(line).doesNotStartWith("#");
      Matcher m = SAMPLE.matcher(line);
      assertThat(m.matches()).as("a sample line: " + line).isTrue();
      String name = m.group(1);
      String family = family(name, types);
      assertThat(types).as("TYPE of " + line).containsKey(family);
      assertThat(helped).as("HELP of " + line).contains(family);
      Map<String, String> labels = new TreeMap<>();
      if (m.group(2) != null && !m.group(2).isEmpty()) {
        Matcher l = LABEL.matcher(m.group(2));
        int end = 0;
        while (l.find() && l.start() == end) {
          labels.put(l.group(1), l.group(2));
          end = l.end();
        }
        assertThat(end).as("labels of " + line).isEqualTo(m.group(2).length());
      }
      double value = switch (m.group(3)) {
        case "+Inf" -> Double.POSITIVE_INFINITY;
        case "-Inf" -> Double.NEGATIVE_INFINITY;
        case "NaN" -> Double.NaN;
        default -> Double.parseDouble(m.group(3));
      };
      StringBuilder key = new StringBuilder(name);
      if (!labels.isEmpty()) {
        key.append('{');
        labels.forEach((k, v) -> key.append(k).append("=\"").append(v).append("\","));
        key.setCharAt(key.length() - 1, '}');
      }
      samples.put(key.toString(), value);
    }
    return samples;
  }

  /** The family a sample belongs to: its name, or a histogram's or counter's base name. */
  private static String family(String name, Map<String, String> types) {
    for (String suffix : List.of("_bucket", "_count", "_sum", "_total", "_created", "_info")) {
      if (name.endsWith(suffix)) {
        String base = name.substring(0, name.length() - suffix.length());
        if (types.containsKey(base)) {
          return base;
        }
      }
    }
    return name;
  }

  /** The sum of the samples of {@code name} whose label {@code label} is {@code value}. */
  static double sum(Map<String, Double> samples, String name, String label, String value) {
    return samples.entrySet().stream()
        .filter(e -> e.getKey().startsWith(name + "{")
            && e.getKey().contains(label + "=\"" + value + "\""))
        .mapToDouble(Map.Entry::getValue).sum();
  }

  private static boolean done(String job) {
    return server.get("/api/v1/jobs/" + job).get("completed").asBoolean();
  }
}
