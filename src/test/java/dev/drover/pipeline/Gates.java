package dev.drover.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Files that hold a task's script until the test creates them: the script line
 * {@code while [ ! -f {{ .gate }} ]; do sleep 0.05; done} loops until the job variable
 * {@code gate} names an existing file. Closing opens every gate made, so no script a test
 * started keeps looping after it, whether the test passed or failed, and whether or not the
 * runner that started it still lives.
 */
final class Gates implements AutoCloseable {
  private final Path dir;
  private final List<Path> made = new CopyOnWriteArrayList<>();

  Gates(Path dir) {
    try {
      this.dir = Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A new closed gate: the path of a file that does not exist yet. */
  Path gate() {
    Path gate = dir.resolve("gate-" + UUID.randomUUID());
    made.add(gate);
    return gate;
  }

  /** Lets the scripts waiting for {@code gate} go on. */
  static void open(Path gate) {
    try {
      Files.createFile(gate);
    } catch (FileAlreadyExistsException alreadyOpen) {
      // opened by the test before
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    made.forEach(Gates::open);
  }
}
