package dev.drover.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

/** What the server benchmarks share: processes, ports, files, medians. */
final class BenchSupport {
  private BenchSupport() {}

  static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
    }
    return out;
  }

  static Process start(Path log, String... javaArgs) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    Collections.addAll(command, javaArgs);
    return new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
  }

  /**
   * Starts {@code drover serve} from the bench's jar in a JVM of its own: {@code jvmOptions},
   * then those of the environment variable {@code DROVER_BENCH_SERVER_OPTS} (split at
   * whitespace, e.g. {@code -XX:StartFlightRecording=filename=/tmp/serve.jfr,settings=profile}
   * to profile the server), then {@code serveArgs} after {@code serve}.
   */
  static Process serve(Path log, List<String> jvmOptions, String... serveArgs)
      throws IOException {
    List<String> args = new ArrayList<>(jvmOptions);
    args.addAll(serverOptions());
    args.add("-jar");
    args.add(jar());
    args.add("serve");
    Collections.addAll(args, serveArgs);
    return start(log, args.toArray(String[]::new));
  }

  /** The extra JVM options of every server a bench starts: {@code DROVER_BENCH_SERVER_OPTS}. */
  static List<String> serverOptions() {
    String opts = System.getenv().getOrDefault("DROVER_BENCH_SERVER_OPTS", "").trim();
    return opts.isEmpty() ? List.of() : List.of(opts.split("\\s+"));
  }

  static void awaitUp(HttpClient http, String url, String token) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (get(http, url, token).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    // a busy machine starts a JVM slowly: at load 20 on 2 cores a server took over a minute
    throw new IllegalStateException(url + " did not answer within 180 s");
  }

  /** {@code GET url} with the bearer token. */
  static HttpResponse<String> get(HttpClient http, String url, String token)
      throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(url))
        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** {@code POST url} of a JSON body with the bearer token. */
  static HttpResponse<String> post(HttpClient http, String url, String token, String json)
      throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(url))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Argument {@code i} as a number, or {@code otherwise} when it is not given. */
  static long arg(String[] args, int i, long otherwise) {
    return args.length > i ? Long.parseLong(args[i]) : otherwise;
  }

  static String jar() {
    return Path.of(System.getProperty("java.class.path").split(":")[0]).toAbsolutePath()
        .toString();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  static long size(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }

  static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Collections.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }

  /** The lines of the server's event stream ({@code GET /api/v1/events}), opened with {@code token}. */
  static java.util.stream.Stream<String> eventLines(java.net.http.HttpClient http, String base,
      String token) throws Exception {
    java.net.http.HttpResponse<java.util.stream.Stream<String>> stream = http.send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/api/v1/events"))
            .header("Authorization", "Bearer " + token).build(),
        java.net.http.HttpResponse.BodyHandlers.ofLines());
    if (stream.statusCode() != 200) {
      throw new IllegalStateException("event stream: " + stream.statusCode());
    }
    return stream.body();
  }
}
