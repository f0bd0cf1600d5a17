package dev.drover.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.pipeline.PipelineApi.PipelineVariable;
import dev.drover.pipeline.definition.PipelineDefinition;
import dev.drover.pipeline.definition.PipelinesLoader;
import dev.drover.pipeline.definition.QueueStrategy;
import dev.drover.pipeline.definition.TaskDefinition;
import dev.drover.pipeline.template.ScriptTemplate;
import dev.drover.pipeline.template.TemplateVariable;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The variables a pipeline's start form asks for, read from its script templates. */
class PipelineVariablesTest {
  private static final Map<String, PipelineDefinition> EXAMPLES =
      PipelinesLoader.load(Path.of("examples"), PipelinesLoader.DEFAULT_GLOB).stream()
          .collect(Collectors.toMap(PipelineDefinition::name, d -> d));

  @Test
  void releaseAsksForVersionAndEnvironmentInTheOrderItsScriptsUseThem() {
    assertThat(PipelineVariables.of(EXAMPLES.get("release"))).containsExactly(
        new PipelineVariable("version", null, true),
        new PipelineVariable("environment", null, true));
  }

  @Test
  void aDefaultIsShownAndMakesTheVariableOptional() {
    assertThat(PipelineVariables.of(EXAMPLES.get("nightly_report"))).containsExactly(
        new PipelineVariable("reportFile", "nightly.txt", false));
  }

  @Test
  void theFailedTasksVariablesOfOnErrorAreNotAsked() {
    // smoke_test's on_error reads failedTaskName and failedTaskExitCode, set by the runner
    assertThat(PipelineVariables.of(EXAMPLES.get("smoke_test"))).extracting(PipelineVariable::name)
        .containsExactly("url");
  }

  @Test
  void aVariableReadWithoutDefaultAnywhereIsRequiredAndTheJobIdIsNeverAsked() {
    // given lines that read x with and without a default, y with two defaults, and the job id
    PipelineDefinition def = new PipelineDefinition("p", 1, null, QueueStrategy.APPEND, null,
        java.time.Duration.ZERO, false, null, null, Map.of(), null, Map.of(
            "a", TaskDefinition.of("a", List.of("echo {{ .x | default \"1\" }} {{ .__jobID }}",
                "echo {{ default \"k\" .y }} {{ .cfg.host }}"), List.of()),
            "b", TaskDefinition.of("b", List.of("echo {{ .x }} {{ .y | default \"m\" }}"),
                List.of("a"))),
        null, true, null);

    // then x is required, still showing its default, y shows none since its defaults differ
    assertThat(PipelineVariables.of(def)).containsExactlyInAnyOrder(
        new PipelineVariable("x", "1", true),
        new PipelineVariable("y", null, false),
        new PipelineVariable("cfg", null, true));
  }

  @Test
  void aScriptLineListsItsVariables() {
    assertThat(ScriptTemplate.parse("deploy {{ .version }} to {{ .env | default \"qa\" }} "
        + "{{/* a comment */}} {{ \"literal\" }} {{ .__jobID }}").variables())
        .containsExactly(new TemplateVariable("version", null), new TemplateVariable("env", "qa"));
  }
}
