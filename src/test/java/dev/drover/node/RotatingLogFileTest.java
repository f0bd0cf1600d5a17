package dev.drover.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A worker's log file is rotated by size and keeps a bounded number of files. */
class RotatingLogFileTest {
  @TempDir Path dir;

  @Test
  void rotatesBySizeAndKeepsTheNewestFiles() throws Exception {
    // given a log of at most 10 bytes a file and 3 files
    Path file = dir.resolve("workers/shell/worker-1.log");
    RotatingLogFile log = new RotatingLogFile(file, 10, 3);

    // when a worker writes five 6-byte lines, one read of its output each
    for (int i = 1; i <= 5; i++) {
      byte[] line = ("line" + i + "\n").getBytes(StandardCharsets.UTF_8);
      log.write(line, 0, line.length);
    }
    log.close();

    // then the newest line is in the current file, the two before it in .1 and .2, and the
    // oldest ones are gone
    assertThat(Files.readString(file)).isEqualTo("line5\n");
    assertThat(Files.readString(dir.resolve("workers/shell/worker-1.log.1"))).isEqualTo("line4\n");
    assertThat(Files.readString(dir.resolve("workers/shell/worker-1.log.2"))).isEqualTo("line3\n");
    assertThat(dir.resolve("workers/shell/worker-1.log.3")).doesNotExist();
  }

  @Test
  void aRestartedWorkerAppendsToItsSlotsLog() throws Exception {
    // given a slot's log with the output of an earlier worker
    Path file = dir.resolve("worker-2.log");
    new RotatingLogFile(file, 1024, 2).pump(
        new ByteArrayInputStream("first\n".getBytes(StandardCharsets.UTF_8)));

    // when the slot's next worker writes
    new RotatingLogFile(file, 1024, 2).pump(
        new ByteArrayInputStream("second\n".getBytes(StandardCharsets.UTF_8)));

    // then both are kept, in order
    assertThat(Files.readAllLines(file)).containsExactly("first", "second");
  }
}
