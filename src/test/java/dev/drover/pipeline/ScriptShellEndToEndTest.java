package dev.drover.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.pipeline.template.ScriptTemplate;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rendered lines run with {@code /bin/sh -c}, as the pipeline runner runs them. */
class ScriptShellEndToEndTest {

  private static final UUID JOB = UUID.fromString("3d3b6f0a-5b7e-4c1a-9d2e-7a8b9c0d1e2f");

  @Test
  void aVariableInDoubleQuotesIsPrinted(@TempDir Path dir) {
    // given the line echo "hello {{ .name }}" and name=world
    ScriptTemplate template = ScriptTemplate.parse("echo \"hello {{ .name }}\"");
    String line = template.render(Map.of("name", "world"), JOB, true);

    // when the shell runs it
    Sh.Result result = Sh.run(line, dir);

    // then it is the expected command, and it prints the greeting
    assertThat(line).isEqualTo("echo \"hello world\"");
    assertThat(result.stdout()).isEqualTo("hello world\n");
    assertThat(result.exitCode()).isZero();
  }

  @Test
  void aValueHoldingACommandIsPrintedAndNotRun(@TempDir Path dir) {
    // given echo {{ .v }} and a value that ends the command and starts another
    String line =
        ScriptTemplate.parse("echo {{ .v }}").render(Map.of("v", "x; touch FILE"), JOB, true);

    // when the shell runs it
    Sh.Result result = Sh.run(line, dir);

    // then the value is one quoted argument: printed, and FILE was not created
    assertThat(line).isEqualTo("echo 'x; touch FILE'");
    assertThat(result.stdout()).isEqualTo("x; touch FILE\n");
    assertThat(dir.resolve("FILE")).doesNotExist();
  }

  @Test
  void withoutQuotingTheValueIsPastedAndRunLikePrunnerDoes(@TempDir Path dir) {
    // given the same line rendered with quoteVariables=false, prunner's raw paste
    String line =
        ScriptTemplate.parse("echo {{ .v }}").render(Map.of("v", "x; touch FILE"), JOB, false);

    // when the shell runs it
    Sh.Result result = Sh.run(line, dir);

    // then the value became part of the script: echo printed only x, and touch ran.
    // This is why Drover quotes by default; raw mode exists for pipelines that paste
    // several words or operators on purpose and trust everyone who may schedule them.
    assertThat(line).isEqualTo("echo x; touch FILE");
    assertThat(result.stdout()).isEqualTo("x\n");
    assertThat(dir.resolve("FILE")).exists();
  }

  @Test
  void theErrorHandlerPrintsAFailedTasksOutputWithoutRunningIt(@TempDir Path dir) {
    // given an on_error line echoing the failed task's stderr, which holds shell syntax
    FailedTask failed =
        new FailedTask("build", 1, "exit status 1", "", "error: \"$(touch FILE)\" `touch FILE`\n");
    String template =
        "echo \"{{ .failedTaskName }} failed ({{ .failedTaskExitCode }}):"
            + " {{ .failedTaskStderr }}\"";

    // when it is rendered with the on_error variables and run
    String line = ScriptTemplate.parse(template).render(failed.addTo(Map.of()), JOB, true);
    Sh.Result result = Sh.run(line, dir);

    // then the stderr text is printed as it was, and nothing in it ran
    assertThat(result.stdout())
        .isEqualTo("build failed (1): error: \"$(touch FILE)\" `touch FILE`\n\n");
    assertThat(dir.resolve("FILE")).doesNotExist();
  }

  @Test
  void theJobIdNamesAFile(@TempDir Path dir) {
    // given a line writing to a file named by the job id
    String line = ScriptTemplate.parse("echo done > {{ .__jobID }}.log && cat {{ .__jobID }}.log")
        .render(Map.of(), JOB, true);

    // then the file is there under the job's id
    assertThat(Sh.run(line, dir).stdout()).isEqualTo("done\n");
    assertThat(dir.resolve(JOB + ".log")).exists();
  }
}
