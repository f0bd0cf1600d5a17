package dev.drover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code drover validate}: its exit codes and what it prints, through the drover command. */
class ValidateCommandTest {

  static final Path FIXTURES = Path.of("src/test/resources/pipelines");

  /** What one run printed and returned. */
  record Run(int exitCode, String out, String err) {}

  private static Run drover(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode = new CommandLine(new Main())
        .setOut(new PrintWriter(out))
        .setErr(new PrintWriter(err))
        .execute(args);
    return new Run(exitCode, out.toString(), err.toString());
  }

  @Test
  void validFilesExitWithZeroAndASummary() {
    // given two valid files with five pipelines between them
    // when they are validated
    Run run = drover("validate", "examples/pipelines.yml",
        FIXTURES.resolve("prunner/partitioned_waitlist.yml").toString());

    // then the exit code is 0, with a one-line summary and nothing on stderr
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).isEqualTo("5 pipelines in 2 files are valid" + System.lineSeparator());
    assertThat(run.err()).isEmpty();
  }

  @Test
  void oneValidPipelineIsSummedUpInTheSingular() {
    // given one file with one pipeline
    // when it is validated
    Run run = drover("validate", FIXTURES.resolve("prunner/partitioned_waitlist.yml").toString());

    // then the summary speaks of one pipeline in one file
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).isEqualTo("1 pipeline in 1 file is valid" + System.lineSeparator());
  }

  @Test
  void aDirectoryIsValidatedWithTheDefaultGlob() {
    // given a directory with pipelines files at the top and three levels down
    // when it is validated
    Run run = drover("validate", FIXTURES.resolve("recursive").toString());

    // then the files that match pipelines.{yml,yaml} are checked together
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).isEqualTo("3 pipelines in 2 files are valid" + System.lineSeparator());
  }

  @Test
  void problemsArePrintedOneALineAndExitWithOne() {
    // given a file with five problems and a valid file
    Path file = FIXTURES.resolve("rules/many_problems.yml");

    // when they are validated
    Run run = drover("validate", file.toString(), "examples/pipelines.yml");

    // then each problem is a line file:line:column: message on stderr, and the exit code is 1
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err().lines()).containsExactly(
        file + ":3:18: concurrency must be greater than 0",
        file + ":6:9: unknown key \"scripts\" in task \"a\" (known: script, depends_on, "
            + "allow_failure, env, timeout, retry, await_callback, pool, shell)",
        file + ":8:21: queue_partition_limit must be defined and >=1 if "
            + "queue_strategy=partitioned_replace",
        file + ":9:5: queue_limit is not allowed if queue_strategy=partitioned_replace, use "
            + "queue_partition_limit instead",
        file + ":12:22: missing task \"c\" referenced in depends_on of task \"b\"");
  }

  @Test
  void aMissingFileAndAFileThatIsNotYamlAreProblems(@TempDir Path dir) throws IOException {
    // given a path with no file, and a file of bytes that are not text
    Path missing = dir.resolve("missing.yml");
    Path binary = dir.resolve("binary.yml");
    Files.write(binary, new byte[] {(byte) 0xC3, (byte) 0x28, 0x00});

    // when they are validated
    Run run = drover("validate", missing.toString(), binary.toString());

    // then each is a problem of its file, and the exit code is 1
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err().lines()).containsExactly(
        missing + ":1:1: no such file",
        binary + ":1:1: not a UTF-8 text file");
  }

  @Test
  void aSyntaxErrorIsAProblemWithItsPlace() {
    // given a file whose YAML does not parse
    Path file = FIXTURES.resolve("rules/not_yaml.yml");

    // when it is validated
    Run run = drover("validate", file.toString());

    // then the problem points where the parser stopped
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).startsWith(file + ":3:17: invalid YAML: ");
  }

  @Test
  void aDirectoryWithoutPipelinesFilesIsAProblem(@TempDir Path dir) {
    // given an empty directory
    // when it is validated
    Run run = drover("validate", dir.toString());

    // then validating nothing is not a success
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err().lines()).containsExactly(
        dir + ":1:1: no file matching **/pipelines.{yml,yaml} in this directory");
  }

  @Test
  void noFileIsAUsageError() {
    // given no argument
    // when validate runs
    Run run = drover("validate");

    // then picocli refuses the command line with its usage exit code
    assertThat(run.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
    assertThat(run.err()).contains("Missing required parameter", "FILE");
  }

  @Test
  void templateProblemsArePrintedWhereTheirActionsAreWritten() {
    // given a file whose script lines hold an unclosed action and an unsafe placeholder
    Path file = FIXTURES.resolve("templates/pipelines.yml");

    // when it is validated
    Run run = drover("validate", file.toString());

    // then each problem is file:line:column at its action, and the exit code 1
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err().lines()).contains(
        file + ":6:18: invalid template: unclosed action {{ .v in script line 1 of task \"build\"")
        .anyMatch(line -> line.startsWith(file + ":8:23: cannot quote {{ .v }} for the shell: "));
  }
}
