package dev.drover.pipeline.definition;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipelines files under a directory, as a server loads and reloads them. A reload that finds
 * a problem in any file changes nothing (the pipelines of the last good load stay), and a file
 * gone since the last good load keeps its pipelines: deleting a file is often the first half of
 * an editor's save, and a server with {@code --watch} would otherwise have no pipelines for a
 * moment. To remove a pipeline, remove it from its file (or empty the file), or restart.
 */
public final class PipelineFiles {
  private static final Logger LOG = LoggerFactory.getLogger(PipelineFiles.class);

  private final Path directory;
  private final String glob;
  /** The definitions of the last good load, by the file that declares them. */
  private Map<Path, List<PipelineDefinition>> byFile = Map.of();

  /**
   * @param directory searched for files
   * @param glob the files' paths relative to it must match this, as {@link PipelinesLoader#find}
   */
  public PipelineFiles(Path directory, String glob) {
    this.directory = directory;
    this.glob = glob;
  }

  /**
   * Reads the files: the pipelines by name, in the order of the files.
   *
   * @throws DefinitionException listing every problem, when there is any; nothing changes then
   */
  public synchronized Map<String, PipelineDefinition> load() {
    List<Path> files = PipelinesLoader.find(directory, glob);
    List<PipelineDefinition> found = PipelinesLoader.read(files).orThrow();
    Set<Path> present = files.stream().map(PipelineFiles::key).collect(Collectors.toSet());
    Map<Path, List<PipelineDefinition>> next = new LinkedHashMap<>();
    for (PipelineDefinition d : found) {
      next.computeIfAbsent(key(d.sourcePath()), k -> new ArrayList<>()).add(d);
    }
    Set<String> declared = found.stream().map(PipelineDefinition::name)
        .collect(Collectors.toSet());
    byFile.forEach((file, definitions) -> {
      if (present.contains(file)) {
        return;
      }
      // a pipeline declared anew in another file is that file's now
      List<PipelineDefinition> kept = definitions.stream()
          .filter(d -> !declared.contains(d.name())).toList();
      if (!kept.isEmpty()) {
        LOG.warn("Pipelines file {} is gone; keeping its pipelines {} until it is back (to remove "
            + "them, take them out of the file, or restart)", file,
            kept.stream().map(PipelineDefinition::name).toList());
        next.put(file, kept);
      }
    });
    byFile = next;
    Map<String, PipelineDefinition> byName = new LinkedHashMap<>();
    next.values().forEach(list -> list.forEach(d -> byName.put(d.name(), d)));
    return byName;
  }

  private static Path key(Path file) {
    return file.toAbsolutePath().normalize();
  }
}
