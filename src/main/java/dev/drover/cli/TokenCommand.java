package dev.drover.cli;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import dev.drover.config.DroverConfig;
import dev.drover.http.JwtIssuer;
import dev.drover.http.JwtSecret;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code drover token}: prints an {@code Authorization} header value for the HTTP API, like
 * prunner's {@code debug} command, for curl and for local development.
 */
@Command(name = "token", mixinStandardHelpOptions = true,
    description = {
        "Prints 'Bearer <token>': an HS256 JWT for the HTTP API, signed with the JWT secret.",
        "The secret is --jwt-secret, else --jwt-secret-file, else the environment variable "
            + "DROVER_JWT_SECRET (or PRUNNER_JWT_SECRET), else jwt_secret in the config file, "
            + "which is created with a random secret when missing.",
        "Example: curl -H \"Authorization: $(drover token)\" http://127.0.0.1:9009/pipelines",
        "With --open it prints a one-time URL that signs a browser in to the web UI instead."})
final class TokenCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--sub", paramLabel = "NAME",
      description = "The token's subject: the user recorded with the jobs it schedules "
          + "(default: your login name, ${sys:user.name}).")
  String sub;

  @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "24h",
      description = "How long the token is valid, e.g. 30m, 12h, 7d; 0 for a token that never "
          + "expires (default: ${DEFAULT-VALUE}).")
  String ttl;

  @Option(names = "--config", paramLabel = "FILE",
      description = "The config file holding jwt_secret (default: .drover.yml, or prunner's "
          + ".prunner.yml when only that one exists, as drover serve reads it).")
  Path config;

  @Option(names = "--jwt-secret", paramLabel = "SECRET",
      description = "The secret itself, at least 16 characters; other users can see a command "
          + "line, so prefer --jwt-secret-file, DROVER_JWT_SECRET or the config file.")
  String jwtSecret;

  @Option(names = "--jwt-secret-file", paramLabel = "FILE",
      description = "A file holding the secret (a final line break is no part of it).")
  Path jwtSecretFile;

  @Option(names = "--open",
      description = "Print a one-time sign-in URL of the web UI instead: it opens a session of "
          + "--sub that lives --ttl, and must be opened within drover.http.sign-in-window (5m).")
  boolean open;

  @Option(names = "--address", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9009",
      description = "The server's address, for --open (default: ${DEFAULT-VALUE}).")
  String address;

  @Override
  public Integer call() {
    Duration lifetime = parseTtl();
    JwtSecret secret;
    try {
      secret = JwtSecret.resolve(jwtSecret, jwtSecretFile, config);
    } catch (JwtSecret.Invalid e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    String subject = sub != null ? sub : System.getProperty("user.name");
    if (open) {
      Duration window = DroverConfig.load().getDuration("drover.http.sign-in-window");
      // in the fragment, which browsers never send to a server, nor put in a Referer
      spec.commandLine().getOut().println("http://" + address + "/#sign-in="
          + new JwtIssuer(secret).issueSignIn(subject, window, lifetime));
      spec.commandLine().getOut().flush();
      return 0;
    }
    spec.commandLine().getOut().println("Bearer " + new JwtIssuer(secret).issue(subject, lifetime));
    spec.commandLine().getOut().flush();
    return 0;
  }

  private Duration parseTtl() {
    try {
      // HOCON durations, as in Drover's configuration: 90s, 15m, 24h, 7d, "1 hour", 0
      Duration d = ConfigFactory.parseString("ttl = " + ConfigUtil.quoteString(ttl))
          .getDuration("ttl");
      if (d.isNegative()) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "--ttl must not be negative, got " + ttl);
      }
      return d;
    } catch (ConfigException e) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--ttl is not a duration such as 30m, 12h or 7d: " + ttl);
    }
  }
}
