package dev.drover.pipeline.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drover.pipeline.FailedTask;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Go's text/template as prunner runs it: actions, variables, pipelines, functions and their
 * semantics, each checked against what Go prints for the same template and data (values
 * rendered raw here; their quoting is {@link ShellQuotingTest}'s).
 */
class GoTemplateTest {

  private static final UUID JOB = UUID.fromString("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The job's variables, as a schedule request's JSON gives them. */
  @SuppressWarnings("unchecked")
  private static final Map<String, Object> DATA = read("""
      {"name": "world", "empty": "", "zero": 0, "three": 3, "half": 1.5, "yes": true,
       "no": false, "none": null, "list": ["a", "b", "c"], "nothing": [],
       "map": {"b": 2, "a": 1, "c": {"d": "deep"}}, "hosts": ["db-1", "db-2"],
       "env": "prod", "count": 2, "big": 1000000}
      """);

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiterString = "=>",
      quoteCharacter = '~',
      textBlock =
          """
          hello, {{ .name }}!                                     => hello, world!
          {{ .map.c.d }}                                          => deep
          {{ . | len }}                                           => 16
          {{ $.name }}                                            => world
          {{ if .yes }}y{{ end }}                                 => y
          {{ if .no }}y{{ else }}n{{ end }}                       => n
          {{ if .empty }}a{{ else if .zero }}b{{ else }}c{{ end }} => c
          {{ if and .yes .three }}both{{ end }}                   => both
          {{ or .empty .zero "fallback" }}                         => fallback
          {{ and .three .name }}                                  => world
          {{ not .nothing }}                                      => true
          {{ range .list }}[{{ . }}]{{ end }}                     => [a][b][c]
          {{ range $i, $h := .hosts }}{{ $i }}={{ $h }};{{ end }} => 0=db-1;1=db-2;
          {{ range $v := .list }}{{ $v }}{{ end }}                => abc
          {{ range $k, $v := .map }}{{ $k }}{{ end }}             => abc
          {{ range .nothing }}x{{ else }}none{{ end }}            => none
          {{ range .list }}{{ if eq . "b" }}{{ break }}{{ end }}{{ . }}{{ end }}    => a
          {{ range .list }}{{ if eq . "b" }}{{ continue }}{{ end }}{{ . }}{{ end }} => ac
          {{ range 3 }}{{ . }}{{ end }}                           => 012
          {{ with .map.c }}{{ .d }}{{ end }}                      => deep
          {{ with .empty }}x{{ else }}empty{{ end }}              => empty
          {{ with .empty }}x{{ else with .name }}{{ . }}{{ end }} => world
          {{ $x := .name }}{{ $x }}                               => world
          {{ $x := 1 }}{{ if .yes }}{{ $x = 2 }}{{ end }}{{ $x }} => 2
          {{ printf "%s-%d" .name .three }}                        => world-3
          {{ printf "%05.1f|%x|%q|%v|%t" .half 255 .name .list .yes }} => 001.5|ff|"world"|[a b c]|true
          {{ printf "%d" .half }}                                  => %!d(float64=1.5)
          {{ printf "%s" }}                                        => %!s(MISSING)
          {{ .name | printf "%s!" }}                               => world!
          {{ print "a" 1 2 "b" }}                                  => a1 2b
          {{ eq .env "dev" "prod" }}                               => true
          {{ ne .three 3 }}                                        => false
          {{ lt .half 2 }}{{ le 2 2 }}{{ gt "b" "a" }}{{ ge .zero 1 }} => truetruetruefalse
          {{ index .list 1 }}                                      => b
          {{ index .map "c" "d" }}                                 => deep
          {{ index .map "missing" }}                               => 
          {{ len .name }}{{ len .list }}{{ len "é" }}              => 532
          {{ .empty | default "John" }}                            => John
          {{ default "John" .empty }}                              => John
          {{ .zero | default 7 }}                                  => 0
          {{ .missing | default "fb" }}                            => fb
          {{ (index .hosts 0) }}-{{ (.map).c.d }}                  => db-1-deep
          {{ .big }} {{ .half }} {{ .none }}|                      => 1000000 1.5 |
          {{ .map }}                                               => map[a:1 b:2 c:map[d:deep]]
          a  {{- /* comment */ -}}  b                              => ab
          a {{- .name }} {{ .name -}}   b                          => aworld worldb
          {{ .__jobID }}                                           => 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d
          """)
  void goSemantics(String template, String expected) {
    assertThat(raw(template)).isEqualTo(expected == null ? "" : expected);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiterString = "=>",
      quoteCharacter = '~',
      textBlock =
          """
          echo {{ .v                                 => unclosed action
          {{ if .v }}x                               => unclosed {{ if }}
          {{ range .v }}x{{ else }}                  => unclosed {{ range }}
          {{ end }}                                  => unexpected {{ end }}
          {{ else }}                                 => unexpected {{ else }}
          {{ range }}{{ end }}                       => missing value for command
          {{ if }}{{ end }}                          => missing value for command
          {{ break }}                                => {{ break }} outside {{ range }}
          {{ $x }}                                   => undefined variable "$x"
          {{ if .a }}{{ $x := 1 }}{{ end }}{{ $x }}  => undefined variable "$x"
          {{ nope .v }}                              => function "nope" not defined
          {{ html .v }}                              => not supported
          {{ eq .v }}                                => wrong number of args for eq: want at least 2 got 1
          {{ .v | len .w }}                          => wrong number of args for len: want 1 got 2
          {{ .v | .w }}                              => non executable command in pipeline stage 2
          {{ .v .w }}                                => can't give argument to non-function .v
          {{ define "x" }}{{ end }}                  => is not supported
          {{ template "x" }}                         => is not supported
          {{/* no end }}                             => unclosed comment
          {{ "unterminated }}                        => unterminated quoted string
          {{ 1x }}                                   => bad number syntax
          {{ $ := 1 }}                               => cannot declare or assign $
          {{ .v | default "a" "b" }}                 => wrong number of args for default: want 2 got 3
          {{ nil }}                                  => nil is not a command
          """)
  void aTemplateThatGoWouldRefuseIsInvalidWhenParsed(String template, String reason) {
    assertThatThrownBy(() -> ScriptTemplate.parse(template))
        .isInstanceOf(InvalidTemplate.class)
        .hasMessageStartingWith("invalid template: ")
        .hasMessageContaining(reason);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiterString = "=>",
      textBlock =
          """
          {{ .missing }}                  => missing variable "missing"
          {{ .map.missing }}              => missing variable "map.missing"
          {{ if .missing }}x{{ end }}     => missing variable "missing"
          {{ range .list }}{{ .x }}{{ end }} => can't evaluate field x in type string
          {{ index .list 5 }}             => error calling index: index out of range: 5
          {{ lt .name 3 }}                => error calling lt: incompatible types for comparison
          {{ eq .list .list }}            => error calling eq: non-comparable type
          {{ len .three }}                => error calling len: len of type int
          {{ range .name }}{{ end }}      => range can't iterate over world
          {{ .none.x }}                   => nil pointer evaluating .none.x
          """)
  void whatFailsWithTheJobsValuesFailsWhenItRuns(String template, String reason) {
    ScriptTemplate line = ScriptTemplate.parse(template);

    assertThatThrownBy(() -> line.render(DATA, JOB, false))
        .isInstanceOf(ScriptTemplateException.class)
        .hasMessageContaining(reason);
  }

  @Test
  void constantsAreWrittenAsInGo() {
    assertThat(raw("{{ \"quoted\\t\" }}{{ `raw\\t` }}{{ 'a' }}{{ 0x1F }}{{ 0o17 }}{{ 1_000 }}"))
        .isEqualTo("quoted\traw\\t973115" + "1000");
    assertThat(raw("{{ -3 }} {{ 1.5e3 }} {{ true }} {{ \"\\u00e9\\x41\" }}"))
        .isEqualTo("-3 1500 true \u00e9A");
  }

  // ---- prunner's and taskctl's template cases

  @Test
  void taskctlRenderString() {
    // taskctl pkg/utils TestRenderString
    assertThat(ScriptTemplate.parse("hello, {{ .Name }}!").render(Map.of("Name", "world"), JOB,
        false)).isEqualTo("hello, world!");
    assertThat(ScriptTemplate.parse("hello, {{ .Name | default \"John\" }}!")
        .render(Map.of("Name", ""), JOB, false)).isEqualTo("hello, John!");
    assertThatThrownBy(() -> ScriptTemplate.parse("hello, {{ .Name }}!").render(Map.of(), JOB,
        false)).isInstanceOf(MissingVariable.class);
    assertThatThrownBy(() -> ScriptTemplate.parse("hello, {{ .Name"))
        .isInstanceOf(InvalidTemplate.class);
  }

  @Test
  void prunnerOnErrorVariables() {
    // prunner TestPipelineRunner: on_error script lines read the failed task's variables
    Map<String, Object> variables =
        new FailedTask("lint", 1, "exit status 1", "some output", "some error").addTo(Map.of());
    List<String> lines = List.of(
        "echo 'Failed Task Name: {{ .failedTaskName }}'",
        "echo 'Failed Task Exit Code: {{ .failedTaskExitCode }}'",
        "echo 'Failed Task Error: {{ .failedTaskError }}'",
        "echo 'Failed Task Stdout: {{ .failedTaskStdout }}'",
        "echo 'Failed Task Stderr: {{ .failedTaskStderr }}'");

    assertThat(lines.stream().map(l -> ScriptTemplate.parse(l).render(variables, JOB, false)))
        .containsExactly(
            "echo 'Failed Task Name: lint'",
            "echo 'Failed Task Exit Code: 1'",
            "echo 'Failed Task Error: exit status 1'",
            "echo 'Failed Task Stdout: some output'",
            "echo 'Failed Task Stderr: some error'");
  }

  @Test
  void prunnerMissingVariableFailsTheTask() {
    // prunner TestPipelineRunner: "echo {{ .does_not_exist_and_error }}" fails the task
    assertThatThrownBy(() -> ScriptTemplate.render("a", 1, "echo {{ .does_not_exist_and_error }}",
        Map.of(), JOB, true))
        .isInstanceOf(MissingVariable.class)
        .hasMessage("missing variable \"does_not_exist_and_error\" in script line 1 of task \"a\"");
  }

  @Test
  void prunnerReadmeAndTaskctlTestLines() {
    // prunner's README (pwd {{ .myVariable }}), taskctl's runner and scheduler tests
    assertThat(ScriptTemplate.parse("pwd {{ .myVariable }}")
        .render(Map.of("myVariable", "/srv"), JOB, true)).isEqualTo("pwd '/srv'");
    assertThat(ScriptTemplate.parse("{{.command}}").render(Map.of("command", "true"), JOB, false))
        .isEqualTo("true");
    assertThat(ScriptTemplate.parse("cd {{.Root}}").render(Map.of("Root", "/r"), JOB, true))
        .isEqualTo("cd '/r'");
  }

  @Test
  void theVariablesATemplateReadsWithTheirDefaults() {
    ScriptTemplate line = ScriptTemplate.parse(
        "deploy {{ .version }} to {{ .env | default \"staging\" }}"
            + "{{ range .hosts }} {{ .name }}{{ end }}{{ with .opts }}{{ .x }}{{ end }}"
            + " {{ default 3 .retries }} {{ $.version }} {{ .__jobID }}");

    // each read in order; fields inside range and with read another dot
    assertThat(line.variables()).containsExactly(
        new TemplateVariable("version", null),
        new TemplateVariable("env", "staging"),
        new TemplateVariable("hosts", null),
        new TemplateVariable("opts", null),
        new TemplateVariable("retries", "3"),
        new TemplateVariable("version", null));
  }

  private static String raw(String template) {
    return ScriptTemplate.parse(template).render(DATA, JOB, false);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> read(String json) {
    try {
      return JSON.readValue(json, Map.class);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
