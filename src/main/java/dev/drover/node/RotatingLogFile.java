package dev.drover.node;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A log file rotated by size: {@code name.log} is the current file, {@code name.log.1} the one
 * before, up to {@code name.log.<maxFiles-1>}; older ones are deleted. Fed by one thread.
 */
final class RotatingLogFile implements AutoCloseable {
  private final Path file;
  private final long maxBytes;
  private final int maxFiles;
  private OutputStream out;
  private long size;

  /**
   * @param file the current file (0600); its parent directories are created (0700)
   * @param maxBytes rotate before the current file would grow past this size
   * @param maxFiles files kept, the current one included (at least 1)
   */
  public RotatingLogFile(Path file, long maxBytes, int maxFiles) throws IOException {
    if (maxBytes < 1 || maxFiles < 1) {
      throw new IllegalArgumentException(
          "worker logs need max-file-size >= 1 byte and max-files >= 1");
    }
    this.file = file;
    this.maxBytes = maxBytes;
    this.maxFiles = maxFiles;
    open();
  }

  private void open() throws IOException {
    // a worker's output may show its scripts' variables: readable by the owner only
    out = OwnerOnly.open(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    size = Files.size(file);
  }

  /** Appends {@code len} bytes, rotating first when they would not fit. */
  public void write(byte[] buf, int off, int len) throws IOException {
    if (size > 0 && size + len > maxBytes) {
      rotate();
    }
    out.write(buf, off, len);
    out.flush();
    size += len;
  }

  private void rotate() throws IOException {
    out.close();
    Files.deleteIfExists(rotated(maxFiles - 1));
    for (int i = maxFiles - 2; i >= 1; i--) {
      if (Files.exists(rotated(i))) {
        Files.move(rotated(i), rotated(i + 1), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    if (maxFiles > 1) {
      Files.move(file, rotated(1), StandardCopyOption.REPLACE_EXISTING);
    } else {
      Files.delete(file);
    }
    open();
  }

  private Path rotated(int n) {
    return file.resolveSibling(file.getFileName() + "." + n);
  }

  /** Copies {@code in} into this file until it ends, then closes both. */
  public void pump(InputStream in) {
    byte[] buf = new byte[8192];
    try (in; this) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        write(buf, 0, n);
      }
    } catch (IOException e) {
      // the process is gone or the disk failed; the slot learns of the first from the exit
    }
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
