package dev.drover.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded journal's file of {@code drover serve} stays within 3x of its compacted size
 * after a clean stop and after a restart, and bounded (within 15x; H2's online compaction does
 * not get to 3x) at the end of a run of one-task jobs. The compacted size is that of a copy of
 * the stopped file after H2's {@code SHUTDOWN COMPACT}. The 10,000-job version is
 * {@code bench/run-journal}.
 */
class ServeJournalSizeTest {
  private static final int JOBS = 200;

  @TempDir Path dir;
  private final List<ServeProcess> servers = new ArrayList<>();

  @AfterEach
  void stopServers() throws InterruptedException {
    for (ServeProcess s : servers) {
      s.close();
    }
  }

  private ServeProcess serve(Path defs) throws IOException {
    ServeProcess s = new ServeProcess(defs, dir.resolve("data"), dir.resolve("serve.log"),
        List.of("-Ddrover.node.launcher=in-process"));
    servers.add(s);
    return s.awaitUp();
  }

  private Path journal() {
    return dir.resolve("data/journal/drover.mv.db");
  }

  private long size() throws IOException {
    return Files.size(journal());
  }

  /** The size of a copy of the (stopped) journal file after H2's SHUTDOWN COMPACT. */
  private long compactedSize() throws Exception {
    Path copy = Files.createDirectories(dir.resolve("copy"));
    Files.copy(journal(), copy.resolve("drover.mv.db"), StandardCopyOption.REPLACE_EXISTING);
    try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + copy.resolve("drover"),
        "drover", ""); Statement s = c.createStatement()) {
      s.execute("SHUTDOWN COMPACT");
    }
    return Files.size(copy.resolve("drover.mv.db"));
  }

  private static int completed(ServeProcess server) throws Exception {
    int n = 0;
    for (JsonNode job : server.get("/pipelines/jobs?limit=1000").get("jobs")) {
      n += job.get("completed").asBoolean() ? 1 : 0;
    }
    return n;
  }

  @Test
  void journalFileStaysWithinThreeTimesItsCompactedSize() throws Exception {
    Path defs = ServeProcess.definitions(dir, """
        pipelines:
          one:
            concurrency: 4
            tasks:
              t:
                script: ["true"]
        """);
    ServeProcess server = serve(defs);

    // when one-task jobs run, the file's size sampled all along
    AtomicLong largest = new AtomicLong();
    Thread sampler = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        try {
          largest.accumulateAndGet(size(), Math::max);
          Thread.sleep(100);
        } catch (IOException e) {
          // not there yet
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    sampler.start();
    for (int i = 0; i < JOBS; i++) {
      server.schedule("one", "{}");
    }
    await().atMost(ServeProcess.WAIT).pollInterval(Duration.ofMillis(500))
        .until(() -> completed(server) == JOBS);
    // the online compaction runs every second: the file at the end is what it leaves once its
    // size settles
    AtomicLong last = new AtomicLong(-1);
    await().atMost(ServeProcess.WAIT).pollInterval(Duration.ofMillis(1500))
        .until(() -> last.getAndSet(size()) == size());
    long atEnd = size();
    sampler.interrupt();
    sampler.join();

    // and the server stops cleanly, then starts again on the same data
    server.stop();
    long stopped = size();
    long compacted = compactedSize();
    ServeProcess restarted = serve(defs);
    long afterRestart = size();
    System.out.printf("journal of %d jobs: largest %d KiB, at the end %d KiB, stopped %d KiB, "
        + "after the restart %d KiB, compacted %d KiB%n", JOBS, largest.get() / 1024,
        atEnd / 1024, stopped / 1024, afterRestart / 1024, compacted / 1024);
    assertThat(completed(restarted)).isEqualTo(JOBS);
    restarted.stop();

    // then the file was within 3x of its compacted size after the stop and after the restart
    assertThat(stopped).isLessThanOrEqualTo(3 * compacted);
    // and while the server ran it grew with its data, not with its writes: H2's online
    // compaction keeps it within 7x to 9x here (it was about 100x), not 3x (README, "Disk and
    // memory"); 15x leaves room for a slow machine
    assertThat(atEnd).isLessThanOrEqualTo(15 * compacted);
    assertThat(afterRestart).isLessThanOrEqualTo(3 * compacted);
  }
}
