package dev.drover.pipeline.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.pipeline.PipelineApi;
import dev.drover.pipeline.PipelineVariables;
import dev.drover.pipeline.template.ShellDriver.Shell;
import dev.drover.pipeline.definition.PipelineDefinition;
import dev.drover.pipeline.definition.PipelinesLoader;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Go templates and shell quoting together: every value a template prints, whatever made it
 * (printf, index, range, a variable), is quoted for where it lands in the text the control flow
 * produced; and the check at load follows every path the control flow can take.
 */
class TemplateQuotingTest {

  private static final UUID JOB = UUID.fromString("0d1e2f3a-4b5c-4d6e-8f7a-8b9c0d1e2f3a");
  private static final String HOSTILE = "it's \"$(touch pwned)\"; `touch pwned` \\\n#";
  private static final List<Shell> SHELLS = List.of(Shell.DASH, Shell.BASH_POSIX, Shell.BASH);

  private static ShellDriver shells;

  @BeforeAll
  static void startShells() {
    shells = new ShellDriver();
  }

  @AfterAll
  static void stopShells() {
    shells.close();
  }

  @Test
  void eachValueOfARangeIsAWordOfItsOwn() {
    runs("printf '[%s]' {{ range .hosts }}{{ . }} {{ end }}",
        Map.of("hosts", List.of("a b", HOSTILE, "")),
        "[a b][" + HOSTILE + "][]");
  }

  @Test
  void whatPrintfMakesIsQuotedLikeAnyValue() {
    runs("printf '[%s]' {{ printf \"%s;%s\" .a .b }} \"{{ printf \"%q\" .a }}\"",
        Map.of("a", HOSTILE, "b", "x; touch pwned"),
        "[" + HOSTILE + ";x; touch pwned][" + GoFormat.quote(HOSTILE) + "]");
  }

  @Test
  void indexVariablesAndWithAreQuotedToo() {
    runs("{{ $h := index .hosts 1 }}{{ with .opts }}printf '[%s]' {{ $h }} '{{ .flag }}'{{ end }}",
        Map.of("hosts", List.of("x", HOSTILE), "opts", Map.of("flag", HOSTILE)),
        "[" + HOSTILE + "][" + HOSTILE + "]");
  }

  @Test
  void aConditionalHereDocumentQuotesTheValueForTheBranchTaken() {
    String template = "{{ if .doc }}cat <<EOF\n{{ else }}printf '%s\\n' {{ end }}{{ .v }}\n"
        + "{{- if .doc }}\nEOF{{ end }}";
    runs(template, Map.of("doc", true, "v", HOSTILE.replace("\n", " ")),
        HOSTILE.replace("\n", " ") + "\n");
    runs(template, Map.of("doc", false, "v", HOSTILE), HOSTILE + "\n");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "{{ range .l }}${X:-{{ . }}}{{ end }}",
      "{{ if .a }}echo $(( {{ end }}{{ .v }}",
      "{{ with .a }}echo \\{{ end }}{{ .v }}",
      "{{ range .l }}{{ if . }}{{ break }}{{ end }}echo ${{ end }}{{ .v }}",
      "{{ if .a }}{{ else if .b }}cat <<{{ end }}{{ .v }}"})
  void aPlacementUnsafeOnAnyPathIsRefusedAtLoad(String template) {
    assertThatThrownBy(() -> ScriptTemplate.parse(template).checkQuotable())
        .isInstanceOf(UnsafePlaceholder.class);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "{{ if .a }}\"{{ end }}echo {{ .v }}",
      "{{ range .l }}\"{{ end }}{{ .v }}",
      "{{ range .l }}{{ break }}${{ end }}{{ .v }}",
      "{{ range $i, $v := .l }}{{ if $i }},{{ end }}{{ $v }}{{ end }}"})
  void aPlacementSafeOnEveryPathIsAccepted(String template) {
    assertThatNoException().isThrownBy(() -> ScriptTemplate.parse(template).checkQuotable());
  }

  @Test
  void theReadmeExampleLoadsAndRenders() {
    // given the script of README's "Script templates" example
    PipelineDefinition example = PipelinesLoader.load(List.of(
        java.nio.file.Path.of("src/test/resources/pipelines/readme/pipelines.yml"))).get(0);
    List<String> script = example.tasks().get("t").script();
    Map<String, Object> variables = Map.of("version", "1.4.0", "hosts", List.of("a", "b"),
        "name", "deploy", "percent", 50);

    // then each line renders with the values quoted
    assertThat(script.stream().map(l -> ScriptTemplate.parse(l).render(variables, JOB, true)))
        .containsExactly(
            "./deploy '1.4.0'",
            "ssh 'a' systemctl restart app; ssh 'b' systemctl restart app; ",
            "echo \"deploy is 50% done\"");
    assertThat(PipelineVariables.of(example)).extracting(PipelineApi.PipelineVariable::name)
        .containsExactly("version", "dry_run", "hosts", "name", "percent");
  }

  private static void runs(String template, Map<String, ?> variables, String expected) {
    String rendered = ScriptTemplate.parse(template).render(variables, JOB, true);
    for (ShellDriver.Result result : shells.run(rendered, SHELLS)) {
      String where = result.shell() + " ran\n" + rendered;
      assertThat(result.stdout()).as("output of %s", where).isEqualTo(expected);
      assertThat(result.stderr()).as("stderr of %s", where).isEmpty();
      assertThat(result.files()).as("files left by %s", where).isEmpty();
    }
  }
}
