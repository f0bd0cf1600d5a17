package dev.drover.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the JWT secret comes from, and the config file made when there is none. */
class JwtSecretTest {
  private static final String LONG = "0123456789abcdef0123456789abcdef";

  @TempDir Path dir;

  @Test
  void aMissingConfigFileIsCreatedWithARandomSecretReadableByItsOwnerOnly() throws Exception {
    // given no option, no environment variable and no config file
    Path file = dir.resolve("sub").resolve(".drover.yml");

    // when the secret is resolved
    JwtSecret secret = JwtSecret.resolve(null, file, name -> null);

    // then the file is created, mode 0600, with a secret of 48 letters and digits under jwt_secret
    assertThat(Files.getPosixFilePermissions(file))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    String stored = new YAMLMapper().readTree(file.toFile()).get("jwt_secret").asText();
    assertThat(stored).matches("[A-Za-z0-9]{48}");
    assertThat(secret.bytes()).isEqualTo(stored.getBytes(StandardCharsets.UTF_8));
    assertThat(secret.source()).contains("(created)");

    // and when it is resolved again, the same secret is read back
    assertThat(JwtSecret.resolve(null, file, name -> null).bytes()).isEqualTo(secret.bytes());
  }

  @Test
  void theOptionComesBeforeTheEnvironmentWhichComesBeforeTheFile() throws Exception {
    // given a secret in each place
    Path file = dir.resolve(".drover.yml");
    Files.writeString(file, "jwt_secret: " + "f".repeat(40) + "\n");
    Map<String, String> env = Map.of(JwtSecret.ENV, "e".repeat(40));

    // when it is resolved with and without the option, and without the environment
    JwtSecret option = JwtSecret.resolve("o".repeat(40), file, env::get);
    JwtSecret fromEnv = JwtSecret.resolve(null, file, env::get);
    JwtSecret fromFile = JwtSecret.resolve(null, file, name -> null);

    // then each place wins over the next
    assertThat(new String(option.bytes(), StandardCharsets.UTF_8)).isEqualTo("o".repeat(40));
    assertThat(new String(fromEnv.bytes(), StandardCharsets.UTF_8)).isEqualTo("e".repeat(40));
    assertThat(new String(fromFile.bytes(), StandardCharsets.UTF_8)).isEqualTo("f".repeat(40));
    assertThat(fromEnv.toString()).isEqualTo("JwtSecret[from environment variable "
        + JwtSecret.ENV + "]").doesNotContain("eeee");
  }

  @Test
  void aSecretShorterThan16CharactersIsRefusedWithAClearError() throws Exception {
    // given a short secret in each place
    Path file = dir.resolve(".drover.yml");
    Files.writeString(file, "jwt_secret: short\n");

    // when each is resolved
    // then each is refused, naming where it came from and what is needed
    assertThatThrownBy(() -> JwtSecret.resolve("short", file, name -> null))
        .isInstanceOf(JwtSecret.Invalid.class)
        .hasMessageContaining("--jwt-secret must be at least 16 characters long, it has 5");
    assertThatThrownBy(() -> JwtSecret.resolve(null, file, Map.of(JwtSecret.ENV, "x")::get))
        .hasMessageContaining("environment variable DROVER_JWT_SECRET must be at least 16");
    assertThatThrownBy(() -> JwtSecret.resolve(null, file, name -> null))
        .hasMessageContaining("config file " + file + " must be at least 16");
    assertThat(JwtSecret.of(LONG).source()).isEqualTo("the given secret");
  }

  @Test
  void aSecretOf16To31CharactersIsAcceptedAsPrunnerDoesWithAWarning() {
    // given prunner's shortest secret, from prunner's environment variable
    try (LogCapture logs = new LogCapture()) {
      JwtSecret secret = JwtSecret.resolve(null, dir.resolve("none.yml"),
          Map.of(JwtSecret.PRUNNER_ENV, "sixteen-chars-ok")::get);

      // then it is used, and the log says to replace it
      assertThat(secret.source()).isEqualTo("environment variable PRUNNER_JWT_SECRET");
      assertThat(logs.warnings()).anyMatch(w -> w.contains("has 16 characters"));
    }
    // and Drover's variable comes first
    assertThat(JwtSecret.resolve(null, dir.resolve("none.yml"), Map.of(JwtSecret.PRUNNER_ENV,
        "p".repeat(40), JwtSecret.ENV, "d".repeat(40))::get).source())
        .isEqualTo("environment variable DROVER_JWT_SECRET");
  }

  @Test
  void aTokenOfA16CharacterSecretIsIssuedAndVerifiedAndAnotherKeysIsNot() throws Exception {
    // given prunner's shortest secret, and a token signed with it by plain HMAC (as jwtauth does)
    JwtSecret secret = JwtSecret.of("sixteen-chars-ok");
    java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
    String input = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes())
        + "." + b64.encodeToString("{\"sub\":\"php\"}".getBytes());
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
    mac.init(new javax.crypto.spec.SecretKeySpec(secret.bytes(), "HmacSHA256"));
    String prunners = input + "." + b64.encodeToString(mac.doFinal(input.getBytes()));

    // then it is accepted, as is one Drover issues, and one of another secret is not
    JwtVerifier verifier = new JwtVerifier(secret);
    assertThat(verifier.verify(prunners).subject()).isEqualTo("php");
    assertThat(verifier.verify(new JwtIssuer(secret).issue("alice", java.time.Duration.ofMinutes(1)))
        .subject()).isEqualTo("alice");
    String other = new JwtIssuer(JwtSecret.of("another-16-chars")).issue("eve",
        java.time.Duration.ofMinutes(1));
    assertThatThrownBy(() -> verifier.verify(other))
        .isInstanceOf(JwtVerifier.InvalidToken.class)
        .hasMessageContaining("signature does not match");
  }

  @Test
  void aConfigFileWithoutTheKeyIsAnError() throws Exception {
    // given a config file that holds something else
    Path file = dir.resolve(".drover.yml");
    Files.writeString(file, "data: /var/lib/drover\n");

    // when the secret is resolved
    // then the error names the file and the key
    assertThatThrownBy(() -> JwtSecret.resolve(null, file, name -> null))
        .isInstanceOf(JwtSecret.Invalid.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("'jwt_secret'");
  }

  @Test
  void aConfigFileOfPrunnerIsRead() throws Exception {
    // given .prunner.yml as prunner writes it, with a quoted secret
    Path file = dir.resolve(".prunner.yml");
    Files.writeString(file, "jwt_secret: \"" + LONG + "\"\n");

    // when it is used as the config file
    JwtSecret secret = JwtSecret.resolve(null, file, name -> null);

    // then its secret is used
    assertThat(secret.bytes()).isEqualTo(LONG.getBytes(StandardCharsets.UTF_8));
  }
  @Test
  void aSecretFileComesAfterTheOptionAndBeforeTheEnvironment() throws Exception {
    // given a secret file written by echo (with a final line break) and a secret in the env
    Path secretFile = dir.resolve("jwt-secret");
    Files.writeString(secretFile, "f".repeat(40) + "\n");
    Map<String, String> env = Map.of(JwtSecret.ENV, "e".repeat(40));
    Path config = dir.resolve(".drover.yml");

    // when it is resolved with the file, and with the option too
    JwtSecret fromFile = JwtSecret.resolve(null, secretFile, config, env::get);
    JwtSecret option = JwtSecret.resolve("o".repeat(40), secretFile, config, env::get);

    // then the file's content without the line break, and the option before it
    assertThat(new String(fromFile.bytes(), StandardCharsets.UTF_8)).isEqualTo("f".repeat(40));
    assertThat(fromFile.source()).contains("secret file");
    assertThat(new String(option.bytes(), StandardCharsets.UTF_8)).isEqualTo("o".repeat(40));
    assertThat(Files.exists(config)).isFalse();
  }

  @Test
  void aMissingSecretFileIsAClearError() {
    Path missing = dir.resolve("nope");
    assertThatThrownBy(() -> JwtSecret.resolve(null, missing, null, name -> null))
        .isInstanceOf(JwtSecret.Invalid.class)
        .hasMessageContaining("--jwt-secret-file " + missing);
  }

  @Test
  void theOptionIsUsedWithAWarningThatOthersCanSeeIt() {
    try (LogCapture logs = new LogCapture()) {
      JwtSecret.resolve("o".repeat(40), null, null, name -> null);
      assertThat(logs.warnings()).anyMatch(w -> w.contains("--jwt-secret")
          && w.contains("process list"));
    }
  }
}
