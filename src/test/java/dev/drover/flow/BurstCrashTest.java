package dev.drover.flow;

import dev.drover.TestJvm;
import static dev.drover.flow.FlowTestKit.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 500 executions started as fast as possible, the engine JVM killed with SIGKILL at a random
 * moment of the burst, a new engine on the same data: every execution whose start was
 * acknowledged reaches a terminal state without anyone asking for it. {@code
 * -Ddrover.test.crash-moments=5} tries five moments (the figure); CI tries two.
 */
class BurstCrashTest {
  private static final int STARTS = 500;
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  void everyAcknowledgedStartEndsAfterAKillDuringTheBurst() throws Exception {
    int moments = Integer.getInteger("drover.test.crash-moments", 2);
    long seed = Long.getLong("drover.test.seed", System.nanoTime());
    Random random = new Random(seed);
    for (int m = 0; m < moments; m++) {
      // kill once this many starts were acknowledged: early, mid-burst or late
      int killAfter = 1 + random.nextInt(STARTS - 50);
      crashAndResume(dir.resolve("moment-" + m), killAfter, "seed " + seed + ", moment " + m);
    }
  }

  private void crashAndResume(Path base, int killAfter, String what) throws Exception {
    Path data = base.resolve("data");
    Path out = Files.createDirectories(base).resolve("engine.log");

    // given an engine JVM starting 500 executions as fast as it can
    List<String> command = TestJvm.java("256m");
    command.addAll(List.of("-cp", System.getProperty("java.class.path"),
        BurstCrashMain.class.getName(), data.toString(), String.valueOf(STARTS)));
    Process engineJvm = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(out.toFile()).start();
    Set<String> acknowledged;
    try {
      // when it is killed with SIGKILL once killAfter starts were acknowledged
      await().atMost(WAIT).pollInterval(Duration.ofMillis(5))
          .until(() -> acknowledged(out).size() >= killAfter);
      engineJvm.destroyForcibly();
      engineJvm.waitFor();
      acknowledged = acknowledged(out);
    } finally {
      engineJvm.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
      engineJvm.destroyForcibly();
    }

    // then a new engine on the same data ends every acknowledged execution by itself: the
    // directory lists each as ended, nobody asked the executions for anything
    try (FlowTestKit engine = new FlowTestKit(data)) {
      Map<String, ExecutionSummary>[] listed = new Map[1];
      try {
        awaitAllEnded(engine, acknowledged, listed, what);
      } catch (AssertionError | RuntimeException e) {
        acknowledged.stream().filter(id -> listed[0] == null || !listed[0].containsKey(id)
                || !listed[0].get(id).status().isFinal()).limit(3)
            .forEach(id -> System.out.println("not ended: " + id + " listed "
                + (listed[0] == null ? null : listed[0].get(id)) + " state "
                + get(engine.flows.get(id))));
        throw e;
      }
      assertThat(acknowledged).allSatisfy(id ->
          assertThat(listed[0].get(id).status()).isEqualTo(ExecutionStatus.SUCCEEDED));
      System.out.printf("burst crash (%s): killed after %d acknowledged, %d acknowledged in "
          + "all, %d listed%n", what, killAfter, acknowledged.size(), listed[0].size());
    }
  }

  private static void awaitAllEnded(FlowTestKit engine, Set<String> acknowledged,
      Map<String, ExecutionSummary>[] listed, String what) {
      await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
        listed[0] = get(engine.flows.list(ExecutionFilter.ALL)).stream()
            .collect(Collectors.toMap(ExecutionSummary::id, Function.identity()));
        assertThat(acknowledged).as(what).allSatisfy(id -> {
          assertThat(listed[0]).containsKey(id);
          assertThat(listed[0].get(id).status().isFinal()).isTrue();
        });
      });
  }

  /** The ids whose ACK line was written whole. */
  private static Set<String> acknowledged(Path out) throws Exception {
    if (!Files.exists(out)) {
      return Set.of();
    }
    String text = Files.readString(out);
    int end = text.lastIndexOf('\n');
    return text.substring(0, end + 1).lines().filter(l -> l.startsWith("ACK "))
        .map(l -> l.substring(4)).collect(Collectors.toSet());
  }
}
