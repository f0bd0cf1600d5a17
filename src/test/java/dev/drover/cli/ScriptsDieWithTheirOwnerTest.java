package dev.drover.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No script outlives its owner: a {@code drover serve} killed with SIGKILL at random moments
 * leaves nothing running once the next server on the same data directory is up, and a task
 * whose worker JVM is killed mid-script is retried only after the first attempt's processes
 * are gone. Scripts are found by a marker in their command lines, never by a global pattern.
 */
class ScriptsDieWithTheirOwnerTest {
  private static final Duration WITHIN = Duration.ofSeconds(5);
  /**
   * Kills per run: ten in the suite (each starts a server, half of them with worker JVMs);
   * {@code -Ddrover.test.kill-rounds=50} for a longer hunt.
   */
  private static final int ROUNDS = Integer.getInteger("drover.test.kill-rounds", 10);

  @TempDir Path dir;
  private final List<ServeProcess> servers = new ArrayList<>();
  private final List<String> markers = new ArrayList<>();
  private final Random random = new Random();

  @AfterEach
  void cleanUp() throws Exception {
    for (ServeProcess s : servers) {
      s.close();
    }
    // whatever a failed test left behind, by its own markers only
    markers.forEach(m -> processesWith(m).forEach(ProcessHandle::destroyForcibly));
  }

  private ServeProcess serve(Path defs, boolean inProcess) throws IOException {
    ServeProcess s = new ServeProcess(defs, dir.resolve("data"), dir.resolve("serve.log"),
        inProcess ? List.of("-Ddrover.node.launcher=in-process") : List.of());
    servers.add(s);
    return s;
  }

  /** A marker that makes the command lines of one script unique: a sleep of 300.xxxxxx s. */
  private String marker() {
    String m = "300." + (100000 + random.nextInt(900000));
    markers.add(m);
    return m;
  }

  @Test
  void aServerKilledAtRandomMomentsLeavesNoScriptOnceTheNextOneIsUp() throws Exception {
    // given a server (forked and in-process workers, in turns) and a pipeline whose script
    // sleeps in the foreground and in the background
    Path defs = ServeProcess.definitions(dir, """
        pipelines:
          sleepy:
            tasks:
              nap:
                script:
                  - echo $$ >> {{ .starts }}
                  - sleep {{ .m }} & sleep {{ .m }}; wait
        """);
    ServeProcess server = serve(defs, false).awaitUp();
    for (int round = 0; round < ROUNDS; round++) {
      String m = marker();
      Path starts = dir.resolve("starts-" + round);
      String job = server.schedule("sleepy", ServeProcess.JSON.writeValueAsString(
          Map.of("m", m, "starts", starts.toString())));

      // when it is killed with SIGKILL at a random moment once the job's script runs (as its
      // second line starts, or while it sleeps) and a new server starts on the same data
      await().atMost(ServeProcess.WAIT).until(() -> Files.exists(starts));
      Thread.sleep(random.nextBoolean() ? random.nextInt(30) : 30 + random.nextInt(1500));
      server.kill();
      server = serve(defs, round % 2 == 0).awaitUp();

      // then no process of that script is left within 5 s of the new server being up
      await().atMost(WITHIN).until(() -> processesWith(m).isEmpty());
      // and the job is not lost: it ends (its task interrupted), its script started at most once
      JsonNode ended = server.awaitCompleted(job);
      assertThat(ended.get("completed").asBoolean()).isTrue();
      assertThat(Files.exists(starts) ? Files.readAllLines(starts) : List.of()).hasSizeLessThan(2);
    }
  }

  @Test
  void aRetryStartsOnlyAfterTheProcessesOfTheAttemptWhoseWorkerWasKilledAreGone()
      throws Exception {
    // given a server with forked workers and a task with retries that writes a tick every 50 ms
    // for two seconds, each tick naming its attempt
    Path defs = ServeProcess.definitions(dir, """
        pipelines:
          ticking:
            tasks:
              tick:
                retry: {count: 2}
                script:
                  - "i=0; while [ $i -lt 40 ]; do echo \\"$$ $(date +%s%N)\\" >> {{ .ticks }}; i=$((i+1)); sleep 0.05; done"
        """);
    ServeProcess server = serve(defs, false).awaitUp();
    Path ticks = dir.resolve("ticks");
    String job = server.schedule("ticking", ServeProcess.JSON.writeValueAsString(
        Map.of("ticks", ticks.toString())));

    // when the worker JVM running the first attempt is killed with SIGKILL mid-script
    await().atMost(ServeProcess.WAIT).until(() -> Files.exists(ticks)
        && Files.readAllLines(ticks).size() >= 5);
    long worker = busyWorker(server);
    ProcessHandle.of(worker).ifPresent(ProcessHandle::destroyForcibly);

    // then the task is retried and succeeds
    JsonNode ended = server.awaitCompleted(job);
    assertThat(ended.get("errored").asBoolean()).as(ended.toString()).isFalse();
    // and the attempts' run intervals, as their ticks show, never overlap
    Map<String, long[]> intervals = new java.util.LinkedHashMap<>();
    for (String line : Files.readAllLines(ticks)) {
      String[] f = line.split(" ");
      long t = Long.parseLong(f[1]);
      intervals.merge(f[0], new long[] {t, t},
          (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
    }
    assertThat(intervals).as("attempts").hasSizeGreaterThanOrEqualTo(2);
    List<long[]> ordered = intervals.values().stream()
        .sorted(java.util.Comparator.comparingLong(a -> a[0])).toList();
    for (int i = 1; i < ordered.size(); i++) {
      assertThat(ordered.get(i)[0]).as("start of attempt " + (i + 1) + " after the end of the one "
          + "before").isGreaterThan(ordered.get(i - 1)[1]);
    }
  }

  /** The pid of the pool's busy worker. */
  private static long busyWorker(ServeProcess server) throws Exception {
    long[] pid = new long[1];
    await().atMost(ServeProcess.WAIT).until(() -> {
      for (JsonNode w : server.get("/api/v1/pools/shell").get("workers")) {
        if (w.path("state").asText().equals("Busy")) {
          pid[0] = w.get("pid").asLong();
          return true;
        }
      }
      return false;
    });
    return pid[0];
  }

  /** Live processes whose command line holds {@code marker}. */
  static List<ProcessHandle> processesWith(String marker) {
    try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
      return all.filter(ProcessHandle::isAlive).filter(p -> {
        try {
          return Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline"))
              .contains(marker);
        } catch (IOException | RuntimeException e) {
          return false;
        }
      }).toList();
    }
  }
}
