package dev.drover.pipeline.definition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reloading the pipelines files: a problem keeps the last good pipelines, a deleted file keeps
 * its pipelines (an editor's save may delete before it writes), an emptied file has none.
 */
class PipelineFilesTest {
  @TempDir Path dir;

  private void write(String file, String pipeline) throws Exception {
    Path path = dir.resolve(file);
    Files.createDirectories(path.getParent());
    Files.writeString(path, "pipelines:\n  " + pipeline + ":\n    tasks:\n      t:\n"
        + "        script: [\"true\"]\n");
  }

  @Test
  void aDeletedFileKeepsItsPipelinesUntilItIsBack() throws Exception {
    // given two files, loaded
    write("a/pipelines.yml", "alpha");
    write("b/pipelines.yml", "beta");
    PipelineFiles files = new PipelineFiles(dir, PipelinesLoader.DEFAULT_GLOB);
    assertThat(files.load()).containsOnlyKeys("alpha", "beta");

    // when one is deleted, then its pipelines stay
    Files.delete(dir.resolve("a/pipelines.yml"));
    assertThat(files.load()).containsOnlyKeys("alpha", "beta");

    // and when it is back with other pipelines, those replace them
    write("a/pipelines.yml", "gamma");
    assertThat(files.load()).containsOnlyKeys("gamma", "beta");
  }

  @Test
  void everyFileDeletedKeepsEveryPipeline() throws Exception {
    write("pipelines.yml", "alpha");
    PipelineFiles files = new PipelineFiles(dir, PipelinesLoader.DEFAULT_GLOB);
    files.load();

    Files.delete(dir.resolve("pipelines.yml"));

    assertThat(files.load()).containsOnlyKeys("alpha");
  }

  @Test
  void anEmptiedFileHasNoPipelinesAndABrokenOneChangesNothing() throws Exception {
    // given a file, loaded
    write("pipelines.yml", "alpha");
    PipelineFiles files = new PipelineFiles(dir, PipelinesLoader.DEFAULT_GLOB);
    files.load();

    // when it is broken, the load fails and the next good load goes on from the last good one
    Files.writeString(dir.resolve("pipelines.yml"), "pipelines:\n  alpha:\n    scripts: []\n");
    assertThatThrownBy(files::load).isInstanceOf(DefinitionException.class);

    // when it is emptied, it declares nothing
    Files.writeString(dir.resolve("pipelines.yml"), "pipelines: {}\n");
    assertThat(files.load()).isEmpty();
  }

  @Test
  void aPipelineMovedToAnotherFileIsTheOtherFiles() throws Exception {
    // given alpha in a file, loaded
    write("a/pipelines.yml", "alpha");
    PipelineFiles files = new PipelineFiles(dir, PipelinesLoader.DEFAULT_GLOB);
    files.load();

    // when the file is deleted and alpha declared in another one
    Files.delete(dir.resolve("a/pipelines.yml"));
    write("b/pipelines.yml", "alpha");

    // then alpha is the other file's
    assertThat(files.load().get("alpha").sourcePath())
        .isEqualTo(dir.resolve("b/pipelines.yml"));
  }
}
