package dev.drover.pipeline.definition;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads {@code pipelines.yml} files into {@link PipelineDefinition}s: every file under a directory
 * that matches a glob (as prunner's {@code --path} and {@code --pattern} do), or a list of files.
 *
 * <p>Checking is strict and complete: every problem in every file is collected, each with its
 * file, line and column, and {@link #load} refuses the lot with a {@link DefinitionException} if
 * there is any. Beyond prunner's own rules (kept in prunner's words), unknown keys, dependency
 * cycles, wrong types and the settings Drover adds are problems too.
 *
 * <p>Where Drover is deliberately stricter than prunner: an unknown key anywhere is a problem
 * (top-level keys starting with {@code x-} excepted, a place for YAML anchors to share); so are a
 * written-out {@code concurrency: 0} (prunner reads it as unset, hence 1), {@code replace}
 * without a {@code queue_limit}, a cycle in {@code depends_on}, a key written twice in one
 * mapping, a second YAML document in a file, a negative {@code retention_count} or
 * {@code retention_period}, a task named {@code on_error}, and a duration without a unit other
 * than {@code 0} (prunner's decoder reads a bare number as nanoseconds).
 */
public final class PipelinesLoader {

  /** prunner's default pattern: files named pipelines.yml or .yaml, at any depth. */
  public static final String DEFAULT_GLOB = "**/pipelines.{yml,yaml}";

  private PipelinesLoader() {}

  /**
   * What reading some files found.
   *
   * @param files the files read, in the order they were read
   * @param definitions the pipelines declared without problems, in the order of the files
   * @param problems every problem, in the order of the files and, within one, of the text
   */
  public record Result(
      List<Path> files, List<PipelineDefinition> definitions, List<DefinitionProblem> problems) {

    public Result {
      files = List.copyOf(files);
      definitions = List.copyOf(definitions);
      problems = List.copyOf(problems);
    }

    /** Whether there is no problem. */
    public boolean valid() {
      return problems.isEmpty();
    }

    /**
     * The definitions.
     *
     * @throws DefinitionException listing every problem, when there is any
     */
    public List<PipelineDefinition> orThrow() {
      if (!problems.isEmpty()) {
        throw new DefinitionException(problems);
      }
      return definitions;
    }
  }

  /**
   * The pipelines of every file under {@code directory} that matches {@link #DEFAULT_GLOB}.
   *
   * @throws DefinitionException listing every problem, when there is any
   */
  public static List<PipelineDefinition> load(Path directory) {
    return load(directory, DEFAULT_GLOB);
  }

  /**
   * The pipelines of every file under {@code directory} whose path relative to it matches
   * {@code glob}.
   *
   * @throws DefinitionException listing every problem, when there is any
   */
  public static List<PipelineDefinition> load(Path directory, String glob) {
    return read(find(directory, glob)).orThrow();
  }

  /**
   * The pipelines of {@code files}.
   *
   * @throws DefinitionException listing every problem, when there is any
   */
  public static List<PipelineDefinition> load(List<Path> files) {
    return read(files).orThrow();
  }

  /**
   * The files under {@code directory} (following symbolic links, as prunner does) whose paths
   * relative to it, with '/' between their parts, match {@code glob}; sorted by that path, so
   * that the same tree always loads in the same order.
   *
   * @throws IllegalArgumentException when the glob is malformed
   * @throws UncheckedIOException when the directory cannot be walked
   */
  public static List<Path> find(Path directory, String glob) {
    FileGlob matcher = FileGlob.of(glob);
    try (Stream<Path> paths = Files.walk(directory, FileVisitOption.FOLLOW_LINKS)) {
      return paths
          .filter(Files::isRegularFile)
          .filter(p -> matcher.matches(relative(directory, p)))
          .sorted(Comparator.comparing(p -> relative(directory, p)))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + directory + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads {@code files} in the given order and collects what they declare and every problem;
   * never throws for a problem in a file, including one that does not exist or is not YAML.
   * A pipeline declared again in a later file is a problem at the later declaration; a file
   * given twice is read once.
   */
  public static Result read(List<Path> files) {
    List<Path> distinct = files.stream()
        .collect(Collectors.toMap(f -> f.toAbsolutePath().normalize(), f -> f, (a, b) -> a,
            LinkedHashMap::new))
        .values().stream().toList();
    List<PipelineDefinition> definitions = new ArrayList<>();
    List<DefinitionProblem> problems = new ArrayList<>();
    Map<String, String> declaredAt = new HashMap<>();
    for (Path file : distinct) {
      List<DefinitionProblem> fileProblems = new ArrayList<>();
      YamlReader.read(file, fileProblems).ifPresent(root -> {
        // a duplicate key or a stray alias may belong to any pipeline of the file: trust none
        boolean yamlProblems = !fileProblems.isEmpty();
        for (DefinitionBuilder.Declared declared :
            DefinitionBuilder.build(file, root, fileProblems)) {
          String first = declaredAt.putIfAbsent(declared.name(),
              file + ":" + declared.at().line() + ":" + declared.at().column());
          if (first != null) {
            fileProblems.add(new DefinitionProblem(file, declared.at().line(),
                declared.at().column(),
                "pipeline \"" + declared.name() + "\" was already declared in " + first));
          } else if (declared.definition() != null && !yamlProblems) {
            definitions.add(declared.definition());
          }
        }
      });
      fileProblems.sort(Comparator.comparingInt(DefinitionProblem::line)
          .thenComparingInt(DefinitionProblem::column));
      problems.addAll(fileProblems);
    }
    return new Result(distinct, definitions, problems);
  }

  private static String relative(Path directory, Path file) {
    return directory.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
  }
}
