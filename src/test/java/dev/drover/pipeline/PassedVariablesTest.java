package dev.drover.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.config.DroverConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Only the listed server variables reach a task, and never the server's secrets. */
class PassedVariablesTest {
  private static final Map<String, String> SERVER = Map.of(
      "PATH", "/usr/bin:/bin",
      "HOME", "/home/drover",
      "LC_ALL", "C.UTF-8",
      "LANG", "C.UTF-8",
      "DROVER_JWT_SECRET", "a-secret",
      "PRUNNER_JWT_SECRET", "another-secret",
      "drover_jwt_secret", "lower-case-secret",
      "AWS_SECRET_ACCESS_KEY", "cloud-secret",
      "DATABASE_URL", "postgres://user:pass@db/app");

  @Test
  void theDefaultsPassTheBasicsAndNothingElse() {
    // given the server's environment and the default list
    PassedVariables passed = PassedVariables.fromConfig(DroverConfig.load());

    // then tasks get PATH, HOME and the locale, and none of the secrets
    assertThat(passed.of(SERVER)).containsOnlyKeys("PATH", "HOME", "LC_ALL", "LANG");
  }

  @Test
  void aListedSecretNameIsStillNotPassed() {
    // given a list that names the server's secrets outright and by prefix
    PassedVariables passed = new PassedVariables(
        List.of("DROVER_JWT_SECRET", "PRUNNER_*", "drover_*", "DATABASE_URL"));

    // then only the variable that is not the server's own passes
    assertThat(passed.of(SERVER)).containsOnlyKeys("DATABASE_URL");
  }
}
