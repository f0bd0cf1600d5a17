package dev.drover.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code drover token}: a header value whose token the server accepts. */
class TokenCommandTest {
  private static final String SECRET = "a-secret-of-at-least-32-characters!";

  @TempDir Path dir;

  private record Run(int exitCode, String out, String err) {}

  private static Run drover(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void printsABearerTokenThatVerifiesWithTheSecret() throws Exception {
    // given a secret
    // when a token for j.doe is asked for
    Run run = drover("token", "--sub", "j.doe", "--ttl", "2h", "--jwt-secret", SECRET);

    // then one line "Bearer <token>" is printed, and the token verifies as j.doe's
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).startsWith("Bearer ").endsWith(System.lineSeparator());
    String token = run.out().trim().substring("Bearer ".length());
    assertThat(new JwtVerifier(JwtSecret.of(SECRET)).verify(token).subject()).isEqualTo("j.doe");

    // and it expires after its ttl, not before
    JwtVerifier inThreeHours = new JwtVerifier(JwtSecret.of(SECRET), Duration.ZERO,
        Clock.fixed(Instant.now().plus(Duration.ofHours(3)), ZoneOffset.UTC));
    assertThatThrownBy(() -> inThreeHours.verify(token))
        .isInstanceOf(JwtVerifier.InvalidToken.class).hasMessageStartingWith("token expired");
  }

  @Test
  void usesTheConfigFileAndCreatesItWhenMissing() throws Exception {
    // given no config file yet
    Path config = dir.resolve(".drover.yml");

    // when a token is asked for with that config file
    Run run = drover("token", "--config", config.toString(), "--ttl", "0");

    // then the file is created, private, and the token verifies with its secret
    assertThat(run.exitCode()).isZero();
    assertThat(Files.getPosixFilePermissions(config))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    String token = run.out().trim().substring("Bearer ".length());
    JwtSecret secret = JwtSecret.resolve(null, config);
    assertThat(new JwtVerifier(secret).verify(token).subject())
        .isEqualTo(System.getProperty("user.name"));
  }

  @Test
  void aShortSecretOrABadTtlIsAUsageError() {
    // given a secret that is too short, and a ttl that is no duration
    // when tokens are asked for with them
    Run shortSecret = drover("token", "--jwt-secret", "short");
    Run badTtl = drover("token", "--jwt-secret", SECRET, "--ttl", "soon");

    // then both fail with a message that says what to do, and print no token
    assertThat(shortSecret.exitCode()).isEqualTo(2);
    assertThat(shortSecret.err()).contains("at least 16 characters");
    assertThat(shortSecret.out()).isEmpty();
    assertThat(badTtl.exitCode()).isEqualTo(2);
    assertThat(badTtl.err()).contains("--ttl is not a duration such as 30m, 12h or 7d: soon");
  }
}
