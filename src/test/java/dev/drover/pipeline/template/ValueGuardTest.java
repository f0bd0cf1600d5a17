package dev.drover.pipeline.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code | path} and {@code | arg}: the residual risks quoting leaves (a value is still data for
 * the command that gets it) turned into refusals before the script runs.
 */
class ValueGuardTest {

  private static final UUID JOB = UUID.fromString("1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f");

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          ../../etc/passwd   | '..' segment
          a/../../b          | '..' segment
          ..                 | '..' segment
          -rf                | starts with '-'
          --help             | starts with '-'
          """)
  void pathRefusesWhatLeavesTheDirectoryOrReadsAsAnOption(String value, String reason) {
    // given cat /srv/files/{{ .file | path }}
    ScriptTemplate line = ScriptTemplate.parse("cat /srv/files/{{ .file | path }}");

    // then such a value fails the task before it runs, saying why
    assertThatThrownBy(() -> line.render(Map.of("file", value), JOB, true))
        .isInstanceOfSatisfying(RefusedValue.class,
            e -> assertThat(e.placeholder()).isEqualTo("{{ .file | path }}"))
        .hasMessageStartingWith("the value of {{ .file | path }} is refused: ")
        .hasMessageContaining(reason);
  }

  @ParameterizedTest(name = "[{index}]")
  @ValueSource(strings = {"", "a\nb", "a\0b"})
  void pathRefusesEmptyValuesLineBreaksAndNul(String value) {
    assertThatThrownBy(() -> ScriptTemplate.parse("cat {{ path .file }}")
            .render(Map.of("file", value), JOB, true))
        .isInstanceOf(RefusedValue.class);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"report.txt", "2026/05/report.txt", "/abs/path", "a..b/c.", "..a"})
  void pathKeepsOrdinaryPaths(String value) {
    assertThat(ScriptTemplate.parse("cat {{ .file | path }}")
            .render(Map.of("file", value), JOB, true))
        .isEqualTo("cat '" + value + "'");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"-oProxyCommand=touch pwned", "-", "--"})
  void argRefusesOptions(String value) {
    // given ssh {{ .host | arg }}: ssh would read -oProxyCommand=... as an option and run it
    assertThatThrownBy(() -> ScriptTemplate.parse("ssh {{ .host | arg }} uptime")
            .render(Map.of("host", value), JOB, true))
        .isInstanceOf(RefusedValue.class)
        .hasMessageContaining("starts with '-'");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"db-1.example.org", "user@host", "", "a -b"})
  void argKeepsEverythingElse(String value) {
    assertThat(ScriptTemplate.parse("ssh {{ arg .host }} uptime")
            .render(Map.of("host", value), JOB, true))
        .isEqualTo("ssh '" + value + "' uptime");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiterString = "=>",
      textBlock =
          """
          {{ .f | default "a.txt" | path }}  => a.txt
          {{ .g | path | default "x" }}      => ok
          """)
  void guardsComposeWithDefault(String placeholder, String expected) {
    assertThat(ScriptTemplate.parse(placeholder).render(Map.of("f", "", "g", "ok"), JOB, false))
        .isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiterString = "=>",
      textBlock =
          """
          {{ .f | path "x" }}   => wrong number of args for path: want 1 got 2
          {{ path }}            => wrong number of args for path: want 1 got 0
          {{ path .a .b }}      => wrong number of args for path: want 1 got 2
          """)
  void aGuardWithArgumentsIsAnInvalidTemplate(String template, String reason) {
    assertThatThrownBy(() -> ScriptTemplate.parse(template))
        .isInstanceOf(InvalidTemplate.class)
        .hasMessageContaining(reason);
  }
}
