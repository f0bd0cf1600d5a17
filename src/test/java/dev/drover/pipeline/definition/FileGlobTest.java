package dev.drover.pipeline.definition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

/** Globs read as prunner's glob library reads them. */
class FileGlobTest {

  @Test
  void theDefaultGlobMatchesPipelinesFilesAtAnyDepthIncludingTheTop() {
    // given prunner's default pattern
    FileGlob glob = FileGlob.of(PipelinesLoader.DEFAULT_GLOB);

    // when paths are matched
    // then pipelines.yml and .yaml match at the top and below, other names do not
    assertThat(glob.matches("pipelines.yml")).isTrue();
    assertThat(glob.matches("pipelines.yaml")).isTrue();
    assertThat(glob.matches("a/b/c/pipelines.yaml")).isTrue();
    assertThat(glob.matches("dup.yml")).isFalse();
    assertThat(glob.matches("a/my-pipelines.yml")).isFalse();
    assertThat(glob.matches("pipelines.yml.bak")).isFalse();
  }

  @Test
  void aStarStaysInOneDirectoryAndTwoStarsCrossThem() {
    // given * and ** globs, a set and a single-character wildcard
    // when paths are matched
    // then * does not cross a '/', ** does, and sets and ? match one character
    assertThat(FileGlob.of("*.yml").matches("a.yml")).isTrue();
    assertThat(FileGlob.of("*.yml").matches("x/a.yml")).isFalse();
    assertThat(FileGlob.of("ci/**").matches("ci/a/b.yml")).isTrue();
    assertThat(FileGlob.of("ci/**/p.yml").matches("ci/p.yml")).isTrue();
    assertThat(FileGlob.of("p[0-9].yml").matches("p7.yml")).isTrue();
    assertThat(FileGlob.of("p[!0-9].yml").matches("p7.yml")).isFalse();
    assertThat(FileGlob.of("p?.yml").matches("p/.yml")).isFalse();
    assertThat(FileGlob.of("a.(b)+.yml").matches("a.(b)+.yml")).isTrue();
  }

  @Test
  void anUnclosedBraceOrBracketIsRefused() {
    // given malformed globs
    // when they are read
    // then they are refused, naming the glob
    assertThatIllegalArgumentException().isThrownBy(() -> FileGlob.of("**/{a,b.yml"))
        .withMessageContaining("\"**/{a,b.yml\"");
    assertThatIllegalArgumentException().isThrownBy(() -> FileGlob.of("p[0-9.yml"));
  }
}
