package dev.drover.pipeline.definition;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every template is checked when its pipelines file is loaded (drover validate, start, reload):
 * a line that is no template, or a placeholder whose value cannot be quoted wherever it is, is a
 * problem at its file, line and column, never a job that fails when it runs.
 */
class TemplateLoadCheckTest {

  private static final Path FILE = Path.of("src/test/resources/pipelines/templates/pipelines.yml");

  @Test
  void eachTemplateProblemIsReportedWhereItsActionIsWritten() {
    // given a file with broken templates in plain, quoted and block scalars and in on_error
    // when it is read
    PipelinesLoader.Result result = PipelinesLoader.read(List.of(FILE));

    // then each is a problem at the action at fault, and neither pipeline loads
    assertThat(result.problems()).containsExactly(
        new DefinitionProblem(FILE, 6, 18,
            "invalid template: unclosed action {{ .v in script line 1 of task \"build\""),
        new DefinitionProblem(FILE, 7, 14, "invalid template: missing value for command in"
            + " {{ range }} in script line 2 of task \"build\""),
        new DefinitionProblem(FILE, 8, 23, "cannot quote {{ .v }} for the shell: it is inside"
            + " ${...}, where quotes are not read the same in every shell; assign it to a shell"
            + " variable first (v={{ ... }}; ... ${v} ...) in script line 3 of task \"build\""),
        new DefinitionProblem(FILE, 11, 22, "invalid template: function \"nope\" not defined in"
            + " {{ .f | nope }} in script line 4 of task \"build\""),
        new DefinitionProblem(FILE, 15, 20, "cannot quote {{ .failedTaskExitCode }} for the"
            + " shell: it is inside arithmetic ($((...)), ((...)) or $[...]), where bash"
            + " evaluates a value's a[$(...)] as code; assign it to a shell variable and check it"
            + " is a number first in script line 1 of task \"on_error\""),
        new DefinitionProblem(FILE, 22, 18,
            "invalid template: unclosed {{ if }} in script line 2 of task \"paste\""));
    assertThat(result.definitions()).isEmpty();
  }
}
