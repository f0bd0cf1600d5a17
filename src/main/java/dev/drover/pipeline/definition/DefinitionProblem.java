package dev.drover.pipeline.definition;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One thing wrong in a {@code pipelines.yml} file, where it is. A problem about the file as a
 * whole (it does not exist, it is empty, it is not YAML text) is at line 1, column 1, so that every
 * problem prints the same way.
 *
 * @param file the file, as it was given to the loader
 * @param line the 1-based line
 * @param column the 1-based column
 * @param message what is wrong, for a user to act on
 */
public record DefinitionProblem(Path file, int line, int column, String message) {

  public DefinitionProblem {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(message, "message");
    if (line < 1 || column < 1) {
      throw new IllegalArgumentException("line and column are 1-based, got " + line + ":" + column);
    }
  }

  /** A problem with the whole file. */
  static DefinitionProblem ofFile(Path file, String message) {
    return new DefinitionProblem(file, 1, 1, message);
  }

  /** {@code file:line:column: message}, the form compilers use and editors link. */
  @Override
  public String toString() {
    return file + ":" + line + ":" + column + ": " + message;
  }
}
