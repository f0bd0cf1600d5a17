package dev.drover.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drover.http.JwtIssuer;
import dev.drover.http.JwtSecret;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code drover status}: a server's pipelines, running and waiting jobs and worker pools in the
 * terminal, once or refreshed every few seconds, read from its HTTP API with a short-lived token
 * signed with the same secret as {@code drover token}'s.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Shows a server's pipelines, running and waiting jobs, and worker pools.")
final class StatusCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--address", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9009",
      description = "The server's address (default: ${DEFAULT-VALUE}).")
  String address;

  @Option(names = "--config", paramLabel = "FILE", defaultValue = ".drover.yml",
      description = "The config file holding jwt_secret (default: ${DEFAULT-VALUE}).")
  Path config;

  @Option(names = "--jwt-secret", paramLabel = "SECRET",
      description = "The secret itself (or DROVER_JWT_SECRET, or jwt_secret in --config).")
  String jwtSecret;

  @Option(names = "--watch", paramLabel = "SECONDS", arity = "0..1", fallbackValue = "2",
      description = "Redraw every SECONDS (2 when not given) until Ctrl-C.")
  Integer watch;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

  @Override
  public Integer call() throws Exception {
    JwtSecret secret;
    try {
      secret = JwtSecret.resolve(jwtSecret, config);
    } catch (JwtSecret.Invalid e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    if (watch != null && watch < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--watch takes a number of seconds of at least 1, got " + watch);
    }
    JwtIssuer issuer = new JwtIssuer(secret);
    PrintWriter out = spec.commandLine().getOut();
    while (true) {
      String screen;
      try {
        screen = screen(issuer.issue(System.getProperty("user.name"), Duration.ofMinutes(1)));
      } catch (IOException e) {
        spec.commandLine().getErr().println("cannot reach the server at http://" + address
            + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        return 1;
      } catch (Refused e) {
        spec.commandLine().getErr().println(e.getMessage());
        return 1;
      }
      if (watch != null) {
        // clear the terminal and go home, as watch(1) does
        out.print("\033[H\033[2J");
      }
      out.print(screen);
      out.flush();
      if (watch == null) {
        return 0;
      }
      Thread.sleep(Duration.ofSeconds(watch).toMillis());
    }
  }

  private String screen(String token) throws IOException, InterruptedException {
    JsonNode pipelines = get("/api/v1/pipelines", token);
    // running and waiting ones asked for by status: the newest page of all jobs may hold none
    // of the jobs that run while many newer ones wait or ended
    com.fasterxml.jackson.databind.node.ObjectNode jobs = JSON.createObjectNode();
    com.fasterxml.jackson.databind.node.ArrayNode active = jobs.putArray("jobs");
    for (String status : new String[] {"running", "waiting"}) {
      get("/api/v1/jobs?status=" + status, token).path("jobs").forEach(active::add);
    }
    JsonNode pools;
    try {
      pools = get("/api/v1/pools", token);
    } catch (Refused e) {
      pools = null;
    }
    return StatusView.render("http://" + address, pipelines, jobs, pools, Instant.now(),
        ZoneId.systemDefault());
  }

  private JsonNode get(String path, String token) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + address
            + path)).timeout(TIMEOUT).header("Authorization", "Bearer " + token).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      String error = r.body();
      try {
        error = JSON.readTree(r.body()).path("error").asText(r.body());
      } catch (IOException notJson) {
        // the body as it is
      }
      throw new Refused("the server at http://" + address + " answered " + path + " with "
          + r.statusCode() + ": " + error);
    }
    return JSON.readTree(r.body());
  }

  /** The server answered, but not with what was asked. */
  private static final class Refused extends RuntimeException {
    Refused(String message) {
      super(message);
    }
  }
}
