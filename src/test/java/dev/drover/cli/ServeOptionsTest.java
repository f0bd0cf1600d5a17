package dev.drover.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code drover serve}'s options as a prunner deployment gives them: prunner's flags, PRUNNER_*
 * variables (Drover's DROVER_* first, the command line before both), Go's booleans and
 * {@code :PORT}.
 */
class ServeOptionsTest {

  private static ServeCommand parse(Map<String, String> env, String... args) {
    ServeCommand serve = new ServeCommand();
    CommandLine cli = new CommandLine(serve);
    cli.setDefaultValueProvider(new EnvironmentDefaults(env));
    cli.parseArgs(args);
    return serve;
  }

  @Test
  void prunnersVariablesSetEveryPrunnerOption() {
    ServeCommand serve = parse(Map.of(
        "PRUNNER_PATH", "/srv/pipelines",
        "PRUNNER_PATTERN", "**/*.yml",
        "PRUNNER_ADDRESS", ":9009",
        "PRUNNER_DATA", "/srv/data",
        "PRUNNER_CONFIG", "/srv/.prunner.yml",
        "PRUNNER_WATCH", "1",
        "PRUNNER_POLL_INTERVAL", "5s",
        "PRUNNER_ENV_FILES", "a.env,b.env",
        "PRUNNER_VERBOSE", "t",
        "PRUNNER_DISABLE_ANSI", "TRUE"));

    assertThat(serve.path).isEqualTo(Path.of("/srv/pipelines"));
    assertThat(serve.pattern).isEqualTo("**/*.yml");
    assertThat(serve.address).isEqualTo(":9009");
    assertThat(serve.data).isEqualTo(Path.of("/srv/data"));
    assertThat(serve.configFile).isEqualTo(Path.of("/srv/.prunner.yml"));
    assertThat(serve.watch).isTrue();
    assertThat(serve.pollInterval).isEqualTo("5s");
    assertThat(serve.envFiles).containsExactly("a.env", "b.env");
    assertThat(serve.verbose).isTrue();
    assertThat(serve.disableAnsi).isTrue();
  }

  @Test
  void droversVariableComesFirstAndTheCommandLineBeforeBoth() {
    Map<String, String> env = Map.of("PRUNNER_ADDRESS", ":1", "DROVER_ADDRESS", ":2");

    assertThat(parse(env).address).isEqualTo(":2");
    assertThat(parse(env, "--address", ":3").address).isEqualTo(":3");
    assertThat(parse(Map.of()).address).isEqualTo("127.0.0.1:9009");
    assertThat(parse(Map.of()).envFiles).containsExactly(".env", ".env.local");
    assertThat(parse(Map.of(), "-v", "--env-files", "").envFiles).containsExactly("");
  }

  @Test
  void theSecretIsNotReadFromTheEnvironmentByTheOptionAndABadBooleanIsRefused() {
    // the secret's variables are JwtSecret's to read, so the option stays unset
    assertThat(parse(Map.of("PRUNNER_JWT_SECRET", "x".repeat(20))).jwtSecret).isNull();
    assertThatThrownBy(() -> parse(Map.of("PRUNNER_WATCH", "yes")))
        .hasMessageContaining("PRUNNER_WATCH must be true or false");
  }

  @Test
  void aGoAddressListensWhereGoWould() {
    assertThat(ListenAddress.parse(":9009")).isEqualTo(new ListenAddress("0.0.0.0", 9009, true));
    assertThat(ListenAddress.parse("localhost:9009"))
        .isEqualTo(new ListenAddress("localhost", 9009, false));
    assertThat(ListenAddress.parse("[::1]:9009")).isEqualTo(new ListenAddress("::1", 9009, false));
    assertThat(ListenAddress.parse("0.0.0.0:80").everyInterface()).isTrue();
    for (String bad : List.of("9009", ":port", "host:70000")) {
      assertThatThrownBy(() -> ListenAddress.parse(bad))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--address");
    }
  }
}
