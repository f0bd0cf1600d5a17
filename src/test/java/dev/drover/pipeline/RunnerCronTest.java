package dev.drover.pipeline;

import static dev.drover.pipeline.RunnerKit.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.pipeline.PipelineApi.JobView;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pipeline's cron {@code schedule} (a Drover addition; prunner has none), checked by a
 * {@link CronScheduler} whose clock stands still until the test moves it.
 */
class RunnerCronTest {
  private static final String PIPELINES = """
      pipelines:
        every_five_minutes:
          schedule: "*/5 * * * *"
          tasks:
            tick:
              script: [echo tick]
      """;

  @TempDir static Path dir;
  static RunnerKit kit;

  @BeforeAll
  static void startRunner() {
    kit = new RunnerKit(dir.resolve("data"), PIPELINES);
  }

  @AfterAll
  static void stopRunner() throws Exception {
    kit.close();
  }

  @Test
  void scheduleFiresOncePerDueTimeOfItsClockWithUserSchedule() {
    // given a scheduler checking every 20 ms on a clock standing at 00:01, its first check done
    TestClock clock = TestClock.fixedAt(Instant.parse("2030-01-01T00:01:00Z"));
    AtomicInteger checks = new AtomicInteger();
    kit.kit.spawn(CronScheduler.create(() -> {
      checks.incrementAndGet();
      return kit.runner.definitions().values().stream().map(CronScheduler.Due::of)
          .filter(Objects::nonNull).toList();
    }, request -> kit.runner.schedule(request), clock, Duration.ofMillis(20)), "cron");
    awaitChecks(checks, 2);

    // when the clock is just before the next due time, 00:05
    clock.set(Instant.parse("2030-01-01T00:04:59Z"));
    awaitChecks(checks, 3);

    // then no job was scheduled
    assertThat(kit.jobs("every_five_minutes")).isEmpty();

    // when the clock reaches it
    clock.set(Instant.parse("2030-01-01T00:05:00Z"));

    // then exactly one job is scheduled, by user "schedule", however often the scheduler checks
    await().atMost(WAIT).until(() -> kit.jobs("every_five_minutes").size() == 1);
    awaitChecks(checks, 5);
    List<JobView> jobs = kit.jobs("every_five_minutes");
    assertThat(jobs).singleElement()
        .satisfies(j -> assertThat(j.user()).isEqualTo(CronScheduler.USER));
    assertThat(kit.completed(jobs.get(0).id()).errored()).isFalse();

    // when the clock passes the following due time, 00:10
    clock.set(Instant.parse("2030-01-01T00:10:30Z"));

    // then a second job is scheduled, and only one
    await().atMost(WAIT).until(() -> kit.jobs("every_five_minutes").size() == 2);
    awaitChecks(checks, 5);
    assertThat(kit.jobs("every_five_minutes")).hasSize(2)
        .allSatisfy(j -> assertThat(j.user()).isEqualTo("schedule"));
  }

  @Test
  void aNicknameFiresAndABrokenScheduleStopsNoOther() {
    // given a scheduler of a daily schedule, and of one whose expression no loader checked
    TestClock clock = TestClock.fixedAt(Instant.parse("2030-02-01T23:59:00Z"));
    AtomicInteger checks = new AtomicInteger();
    List<String> scheduled = new java.util.concurrent.CopyOnWriteArrayList<>();
    kit.kit.spawn(CronScheduler.create(() -> {
      checks.incrementAndGet();
      return List.of(new CronScheduler.Due("broken", "61 * * * *", java.time.ZoneOffset.UTC),
          new CronScheduler.Due("daily", "@daily", java.time.ZoneOffset.UTC));
    }, request -> scheduled.add(request.pipeline()), clock, Duration.ofMillis(20)), "nicknames");
    awaitChecks(checks, 2);

    // when midnight comes
    clock.set(Instant.parse("2030-02-02T00:00:00Z"));

    // then the daily schedule fired once, and the scheduler goes on checking
    await().atMost(WAIT).until(() -> scheduled.contains("daily"));
    awaitChecks(checks, 3);
    assertThat(scheduled).containsExactly("daily");
  }

  /** Waits until the scheduler has run {@code more} further checks. */
  private static void awaitChecks(AtomicInteger checks, int more) {
    int target = checks.get() + more;
    await().atMost(WAIT).until(() -> checks.get() >= target);
  }
}
