package dev.drover.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.pipeline.PipelineApi.JobView;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code drover import-prunner}: prunner's data.json and task logs, written as prunner writes
 * them, become jobs of the runner that starts on the data directory afterwards; a second import
 * adds nothing.
 */
class ImportPrunnerTest {
  private static final UUID DONE = UUID.fromString("5b2d4a3e-9a5c-4e0a-8b3c-1d2e3f405162");
  private static final UUID FAILED = UUID.fromString("6c3e5b4f-0b6d-4f1b-9c4d-2e3f40516273");
  private static final UUID RUNNING = UUID.fromString("7d4f6c50-1c7e-402c-8d5e-3f4051627384");

  @TempDir Path dir;

  /** A data.json as prunner's store writes it: Go's field names, RFC 3339 times with zones. */
  private static final String DATA_JSON = """
      {"Jobs":[
       {"ID":"%s","Pipeline":"release","Completed":true,"Created":"2024-03-01T10:00:00.123456789+01:00",
        "Start":"2024-03-01T10:00:01+01:00","End":"2024-03-01T10:00:05+01:00",
        "Variables":{"version":"1.2.3"},"User":"j.doe",
        "Tasks":[{"Name":"build","Script":["make"],"Status":"done","Start":"2024-03-01T10:00:01+01:00","End":"2024-03-01T10:00:03+01:00"},
                 {"Name":"deploy","Script":["./deploy"],"DependsOn":["build"],"Status":"done","Start":"2024-03-01T10:00:03+01:00","End":"2024-03-01T10:00:05+01:00"}]},
       {"ID":"%s","Pipeline":"release","Completed":true,"Created":"2024-03-02T10:00:00Z",
        "Start":"2024-03-02T10:00:01Z","End":"2024-03-02T10:00:02Z",
        "Tasks":[{"Name":"build","Script":["make"],"Status":"error","ExitCode":2,"Errored":true,"Error":"exit status 2","Start":"2024-03-02T10:00:01Z","End":"2024-03-02T10:00:02Z"},
                 {"Name":"deploy","Script":["./deploy"],"DependsOn":["build"],"Status":"skipped","Skipped":true}]},
       {"ID":"%s","Pipeline":"release","Created":"2024-03-03T10:00:00Z","Start":"2024-03-03T10:00:01Z",
        "Tasks":[{"Name":"long","Script":["sleep 100"],"Status":"running","Start":"2024-03-03T10:00:01Z"}]}
      ]}
      """.formatted(DONE, FAILED, RUNNING);

  private String importPrunner(Path data) {
    StringWriter out = new StringWriter();
    CommandLine cli = new CommandLine(new dev.drover.cli.Main());
    cli.setOut(new PrintWriter(out));
    int exit = cli.execute("import-prunner", "--data", data.toString(),
        dir.resolve(".prunner/data.json").toString());
    assertThat(exit).as(out.toString()).isZero();
    return out.toString();
  }

  @Test
  void prunnersJobsAndLogsAreServedByTheNextRunnerAndASecondImportAddsNothing() throws Exception {
    // given prunner's data directory: its data.json and the logs of one job
    Files.createDirectories(dir.resolve(".prunner/logs/" + DONE));
    Files.writeString(dir.resolve(".prunner/data.json"), DATA_JSON);
    Files.writeString(dir.resolve(".prunner/logs/" + DONE + "/build-stdout.log"), "compiled\n");
    Files.writeString(dir.resolve(".prunner/logs/" + DONE + "/deploy-stderr.log"), "no tty");
    Path data = dir.resolve("data").resolve("drover");

    // when they are imported, twice
    String first = importPrunner(data);
    String second = importPrunner(data);

    // then three jobs came, and none the second time
    assertThat(first).contains("imported 3 jobs").contains("task logs of 1 jobs");
    assertThat(second).contains("imported 0 jobs").contains("(3 were there already)");

    // and a runner on the data directory shows them as prunner did, with their logs
    try (RunnerKit kit = new RunnerKit(dir.resolve("data"), """
        pipelines:
          release:
            tasks:
              build:
                script: [make]
              deploy:
                depends_on: [build]
                script: [./deploy]
        """)) {
      JobView done = kit.job(DONE);
      assertThat(done.completed()).isTrue();
      assertThat(done.errored()).isFalse();
      assertThat(done.user()).isEqualTo("j.doe");
      assertThat(done.variables()).containsEntry("version", "1.2.3");
      assertThat(done.created()).isEqualTo("2024-03-01T09:00:00.123456789Z");
      assertThat(done.tasks()).extracting(PipelineApi.TaskView::status)
          .containsExactly("done", "done");
      assertThat(kit.runner.logs(DONE, "build").stdout()).isEqualTo("compiled\n");
      assertThat(kit.runner.logs(DONE, "deploy").stderr()).isEqualTo("no tty");

      JobView failed = kit.job(FAILED);
      assertThat(failed.errored()).isTrue();
      assertThat(failed.tasks().get(0).exitCode()).isEqualTo(2);
      assertThat(failed.tasks().get(1).skipped()).isTrue();

      // the job prunner had not finished ends canceled, as prunner ends it at its start
      JobView running = kit.job(RUNNING);
      assertThat(running.canceled()).isTrue();
      assertThat(running.tasks()).extracting(PipelineApi.TaskView::status)
          .containsExactly("canceled");
      assertThat(kit.runner.jobs()).extracting(JobView::id)
          .containsExactly(RUNNING, FAILED, DONE);
      assertThat(List.of(Files.getPosixFilePermissions(
          data.resolve("logs/" + DONE + "/build-stdout.log")))).singleElement()
          .satisfies(p -> assertThat(java.nio.file.attribute.PosixFilePermissions.toString(p))
              .isEqualTo("rw-------"));
    }
  }
}
