package dev.drover.observe.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.node.NodePool;
import dev.drover.node.PoolStatus;
import dev.drover.node.PoolStatus.SlotState;
import dev.drover.node.PoolStatus.WorkerStatus;
import dev.drover.node.SupervisorState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import dev.drover.observe.RunEvents;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The pool series of {@code /metrics}, derived from what supervisors report at each scrape, and
 * the counts of what ran on the node, from its run events.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DroverMetricsTest {
  @JUnit5TestKit
  final ActorTestKit kit = new JUnit5TestKitBuilder()
      .withName("drover-metrics-test")
      .withCustomConfig(com.typesafe.config.ConfigFactory.parseString(
          "pekko.actor.provider = local"))
      .build();

  private static NodePool pool(WorkerStatus... workers) {
    return new NodePool("pekko://drover@127.0.0.1:1", new PoolStatus("shell",
        SupervisorState.POOL_READY, true, null, 1, 1, 4, 2, 1, 1, 0, List.of(workers), List.of(),
        List.of(), 0), null);
  }

  private static WorkerStatus worker(
      int slot, SlotState state, int restarts, String lastError) {
    return new WorkerStatus(slot, 100 + slot, state, null, null, restarts, lastError,
        Duration.ofSeconds(5), List.of());
  }

  @Test
  void workersAreCountedByStateAtEachScrape() {
    DroverMetrics metrics = DroverMetrics.get(kit.system());

    // given a scrape that sees one worker idle and one busy
    metrics.scrape(null, List.of(pool(worker(1, SlotState.IDLE, 0, null),
        worker(2, SlotState.BUSY, 1, null))));

    // when the next scrape sees both idle
    String text = new String(metrics.scrape(null, List.of(pool(worker(1, SlotState.IDLE, 0, null),
        worker(2, SlotState.IDLE, 3, "worker process exited with code 137 (pid 102)")))),
        StandardCharsets.UTF_8);

    // then the gauges show the last scrape only
    assertThat(text)
        .contains("drover_pool_workers{kind=\"shell\",node=\"pekko://drover@127.0.0.1:1\","
            + "state=\"Idle\"} 2.0")
        .doesNotContain("state=\"Busy\"");
  }

  @Test
  void runEventsOfThisNodeAreCountedOnceEach() {
    // given the run metrics of a node
    ActorTestKit node = ActorTestKit.create("drover-run-metrics-test",
        com.typesafe.config.ConfigFactory.parseString("pekko.actor.provider = local"));
    try (RunMetrics ignored = RunMetrics.start(node.system())) {
      DroverMetrics metrics = DroverMetrics.get(node.system());
      Instant t0 = Instant.parse("2026-01-01T00:00:00Z");

      // when its supervisor sees two workers fail, an attempt and a job end on it
      publish(node, new RunEvents.WorkerFailed("shell", 1,
          "worker missed heartbeats for 3100 ms (limit 3000 ms)"));
      publish(node, new RunEvents.WorkerFailed("shell", 2,
          "worker process exited with code 137 (pid 102)"));
      publish(node, new RunEvents.AttemptEnded("j", "release", "build", 1, "done", t0,
          t0.plusSeconds(3)));
      publish(node, new RunEvents.JobEnded("j", "release", "error", t0, t0.plusSeconds(7)));

      // then each is counted once, restarts by their cause, durations as they were
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(new String(metrics.scrape(null, null), StandardCharsets.UTF_8))
              .contains("drover_worker_restarts_total{cause=\"heartbeat-timeout\",kind=\"shell\"} 1.0")
              .contains("drover_worker_restarts_total{cause=\"process-exited\",kind=\"shell\"} 1.0")
              .contains("drover_task_duration_seconds_sum{outcome=\"done\",pipeline=\"release\","
                  + "task=\"build\"} 3.0")
              .contains("drover_job_duration_seconds_sum{outcome=\"error\",pipeline=\"release\"} "
                  + "7.0"));
    } finally {
      node.shutdownTestKit();
    }
  }

  private static void publish(ActorTestKit node, Object event) {
    node.system().eventStream().tell(new EventStream.Publish<>(event));
  }

  @Test
  void restartCausesAreAFewWords() {
    assertThat(RestartCause.of("cannot start a worker: java.io.IOException")).isEqualTo(
        "start-failed");
    assertThat(RestartCause.of("worker did not register within registration-timeout 30s"))
        .isEqualTo("registration-timeout");
    assertThat(RestartCause.of("worker's cluster member pekko://x became unreachable (...)"))
        .isEqualTo("unreachable");
    assertThat(RestartCause.of("worker actor terminated (pid 4)")).isEqualTo("actor-terminated");
    assertThat(RestartCause.of("something new")).isEqualTo("other");
    assertThat(RestartCause.of(null)).isEqualTo("other");
  }
}
