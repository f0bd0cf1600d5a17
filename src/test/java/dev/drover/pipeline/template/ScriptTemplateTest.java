package dev.drover.pipeline.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.pipeline.FailedTask;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The template forms prunner's scripts use, their values, and what is refused. */
class ScriptTemplateTest {

  private static final UUID JOB = UUID.fromString("0b7c5a4e-8a43-4d0e-9e39-3c1f2d6a7b10");

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"{{ .name }}", "{{.name}}", "{{  .name\t}}"})
  void aVariableRendersWithOrWithoutSpacesInTheBraces(String placeholder) {
    // given a job scheduled with name=world
    Map<String, Object> variables = Map.of("name", "world");

    // when a line names it inside double quotes
    String line = render("echo \"hello " + placeholder + "\"", variables);

    // then the value replaces the placeholder, inside the quotes
    assertThat(line).isEqualTo("echo \"hello world\"");
  }

  @Test
  void nestedKeysReadIntoMapValues() {
    // given a variable whose value is a map, as JSON objects are bound
    Map<String, Object> variables =
        Map.of("site", Map.of("host", "example.org", "db", Map.of("name", "shop")));

    // then .site.host and .site.db.name reach into it
    assertThat(render("deploy {{ .site.host }} {{ .site.db.name }}", variables))
        .isEqualTo("deploy 'example.org' 'shop'");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "echo {{ .name }}, name",
    "echo {{ .site.port }}, site.port",
    "echo {{ .nothing | default .alsoNothing }}, alsoNothing",
    "echo {{ default .alsoNothing .nothing }}, alsoNothing"
  })
  void aMissingKeyFailsNamingTheKey(String template, String key) {
    // given variables without that key (site.host is a string, so it has no .name)
    Map<String, Object> variables = Map.of("site", Map.of("host", "example.org"));

    // then rendering fails with the key
    assertThatThrownBy(() -> render(template, variables))
        .isInstanceOfSatisfying(MissingVariable.class, e -> assertThat(e.key()).isEqualTo(key))
        .hasMessage("missing variable \"" + key + "\"");
  }

  @Test
  void theCallerAddsTheTaskAndLineToTheMessage() {
    // when line 2 of task build names a variable the job lacks
    // then the message says where
    assertThatThrownBy(
            () -> ScriptTemplate.render("build", 2, "echo {{ .name }}", Map.of(), JOB, true))
        .isInstanceOfSatisfying(
            MissingVariable.class,
            e -> {
              assertThat(e.key()).isEqualTo("name");
              assertThat(e.task()).contains("build");
              assertThat(e.line()).isEqualTo(2);
              assertThat(e.problem()).isEqualTo("missing variable \"name\"");
            })
        .hasMessage("missing variable \"name\" in script line 2 of task \"build\"");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiterString = "=>",
      textBlock =
          """
          {{ .v | default "x" }}              => x
          {{ default "x" .v }}                => x
          {{ .v | default `x y` }}            => x y
          {{ .v | default "a\\"b\\n" }}       => a"b\\n
          {{ .v | default 3 }}                => 3
          {{ .v | default 1.50 }}             => 1.5
          {{ .v | default true }}             => true
          {{ .v | default .other }}           => other
          {{ .v | default "" | default "z" }} => z
          {{ .v | default "}}" }}             => }}
          """)
  void defaultGivesTheFallbackForAnEmptyValue(String placeholder, String fallback) {
    // given v is an empty string
    Map<String, Object> variables = Map.of("v", "", "other", "other");

    // then the fallback, as written in the template, is rendered
    assertThat(raw(placeholder, variables)).isEqualTo(fallback.replace("\\n", "\n"));
  }

  @Test
  void defaultTreatsEmptyFalseNullAndMissingAsEmptyButKeepsNumbers() {
    Map<String, Object> variables = new HashMap<>();
    variables.put("empty", "");
    variables.put("no", false);
    variables.put("none", null);
    variables.put("list", List.of());
    variables.put("map", Map.of());
    variables.put("zero", 0);
    variables.put("yes", true);
    variables.put("word", "w");

    for (String key : List.of("empty", "no", "none", "list", "map", "missing")) {
      assertThat(raw("{{ ." + key + " | default \"fb\" }}", variables)).as(key).isEqualTo("fb");
      assertThat(raw("{{ default \"fb\" ." + key + " }}", variables)).as(key).isEqualTo("fb");
    }
    // taskctl's default keeps every number, even 0
    assertThat(raw("{{ .zero | default 7 }}", variables)).isEqualTo("0");
    assertThat(raw("{{ .yes | default \"fb\" }}", variables)).isEqualTo("true");
    assertThat(raw("{{ .word | default \"fb\" }}", variables)).isEqualTo("w");
  }

  @Test
  void aDefaultFallbackIsQuotedLikeAnyValue() {
    assertThat(render("echo {{ .v | default \"a b\" }}", Map.of())).isEqualTo("echo 'a b'");
  }

  @Test
  void jobIdIsTheJobsId() {
    assertThat(render("echo {{ .__jobID }}", Map.of())).isEqualTo("echo '" + JOB + "'");
    assertThat(raw("logs/{{ .__jobID }}.log", Map.of())).isEqualTo("logs/" + JOB + ".log");
  }

  @Test
  void aJobCannotBeScheduledWithTheJobIdVariable() {
    // given a schedule request that tries to set __jobID
    Map<String, Object> variables = Map.of("__jobID", "someone-elses-job", "name", "x");

    // then the schedule-time check refuses it, and so does rendering
    assertThatThrownBy(() -> ScriptTemplate.checkVariableNames(variables))
        .isInstanceOfSatisfying(
            ReservedVariable.class, e -> assertThat(e.name()).isEqualTo("__jobID"))
        .hasMessage("variable name \"__jobID\" is reserved: the runner sets it to the job's id");
    assertThatThrownBy(() -> render("echo {{ .__jobID }}", variables))
        .isInstanceOf(ReservedVariable.class);
    assertThatNoException()
        .isThrownBy(() -> ScriptTemplate.checkVariableNames(Map.of("name", "x")));
  }

  @Test
  void valuesThatAreNotStringsRenderAsTheirPlainText() {
    Map<String, Object> variables = new LinkedHashMap<>();
    variables.put("int", 3);
    variables.put("long", 10_000_000_000L);
    variables.put("whole", 1_000_000.0);
    variables.put("half", 1.5);
    variables.put("tiny", 0.00001);
    variables.put("decimal", new BigDecimal("2.50"));
    variables.put("float", 0.1f);
    variables.put("bool", true);
    variables.put("none", null);
    variables.put("list", List.of("a", 1));
    variables.put("map", Map.of("b", 2, "a", "x"));
    variables.put("array", new int[] {1, 2});

    String numbers = "{{.int}} {{.long}} {{.whole}} {{.half}} {{.tiny}} {{.decimal}} {{.float}}";
    assertThat(raw(numbers, variables))
        .isEqualTo("3 10000000000 1000000 1.5 0.00001 2.5 0.1");
    assertThat(raw("{{.bool}}|{{.none}}|{{.list}}|{{.map}}|{{.array}}", variables))
        .isEqualTo("true||[a 1]|map[a:x b:2]|[1 2]");
    // and quoted by their context like strings
    assertThat(render("sleep {{ .int }}; echo \"{{ .half }}\"", variables))
        .isEqualTo("sleep '3'; echo \"1.5\"");
  }

  @Test
  void commentsAndTrimMarkersAreHonoured() {
    Map<String, Object> variables = Map.of("v", "x");

    assertThat(raw("a {{/* a comment */}}b", variables)).isEqualTo("a b");
    assertThat(raw("a {{- /* trimmed */ -}} b", variables)).isEqualTo("ab");
    assertThat(raw("a \n {{- .v }} b", variables)).isEqualTo("ax b");
    assertThat(raw("a {{ .v -}} \n b", variables)).isEqualTo("a xb");
    // a dash without a space is not a trim marker
    assertThat(raw("{{ .v | default -1 }}", Map.of("v", ""))).isEqualTo("-1");
  }

  @Test
  void textWithoutActionsIsLeftAsItIs() {
    String line = "echo '}}' \"{\" {} $HOME `date` \\ # }";

    assertThat(render(line, Map.of())).isEqualTo(line);
    assertThat(ScriptTemplate.parse(line).source()).isEqualTo(line);
  }

  @Test
  void theErrorHandlerSeesTheFailedTaskBesideTheJobsVariables() {
    // given job variables, one of which clashes with a failedTask name
    Map<String, Object> job = Map.of("site", "shop", "failedTaskName", "from the request");
    FailedTask failed = new FailedTask("build", 2, "exit status 2", "out\n", null);

    // when the on_error variables are built
    Map<String, Object> variables = failed.addTo(job);

    // then the failed task's values win, the job's stay, and a missing output is empty
    assertThat(raw("{{.site}} {{.failedTaskName}} {{.failedTaskExitCode}} [{{.failedTaskError}}]"
        + " [{{.failedTaskStdout}}] [{{.failedTaskStderr}}]", variables))
        .isEqualTo("shop build 2 [exit status 2] [out\n] []");
  }

  @Test
  void parsingOnceRendersForManyJobs() {
    ScriptTemplate line = ScriptTemplate.parse("echo {{ .n }}");

    assertThat(Arrays.asList(
            line.render(Map.of("n", 1), JOB, true), line.render(Map.of("n", "two"), JOB, true)))
        .containsExactly("echo '1'", "echo 'two'");
  }

  private static String render(String template, Map<String, ?> variables) {
    return ScriptTemplate.parse(template).render(variables, JOB, true);
  }

  private static String raw(String template, Map<String, ?> variables) {
    return ScriptTemplate.parse(template).render(variables, JOB, false);
  }
}
