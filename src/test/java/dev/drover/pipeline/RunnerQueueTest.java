package dev.drover.pipeline;

import static dev.drover.pipeline.RunnerKit.get;
import static dev.drover.pipeline.RunnerKit.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.pipeline.PipelineApi.JobView;
import dev.drover.pipeline.PipelineApi.ScheduleRejected;
import dev.drover.pipeline.definition.DefinitionException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Waiting lists: start_delay, queue_limit and queue_strategy. Ports of prunner's
 * prunner_test.go and tests of the queue defects Drover fixes. The runner's clock is a test
 * clock that runs with real time and that a test moves ahead, so an hour-long start_delay passes
 * when the test says so, not when a 50 ms timer races the test. Every pipeline belongs to one
 * test, so the tests share one runner.
 */
class RunnerQueueTest {
  private static final String PIPELINES = """
      pipelines:
        delayed_replace:
          start_delay: 1h
          queue_limit: 1
          queue_strategy: replace
          tasks:
            echo:
              script: [echo Test]

        delayed_one_at_a_time:
          start_delay: 1h
          queue_limit: 1
          queue_strategy: replace
          tasks:
            work:
              script:
                - while [ ! -f {{ .gate }} ]; do sleep 0.05; done

        no_queue:
          queue_limit: 0
          tasks:
            work:
              script:
                - while [ ! -f {{ .gate }} ]; do sleep 0.05; done

        nudge:
          tasks:
            echo:
              script: [echo nudge]

        queue_of_one:
          queue_limit: 1
          tasks:
            work:
              script:
                - while [ ! -f {{ .gate }} ]; do sleep 0.05; done

        delayed_replace_of_two:
          start_delay: 1h
          queue_limit: 2
          queue_strategy: replace
          tasks:
            echo:
              script: [echo Test]

        partitioned:
          start_delay: 1h
          queue_strategy: partitioned_replace
          queue_partition_limit: 2
          tasks:
            echo:
              script:
                - echo {{ .name }} >> {{ .out }}

        exact_delay:
          start_delay: 300ms
          queue_limit: 3
          tasks:
            echo:
              script: [echo Test]
      """;

  @TempDir static Path dir;
  static TestClock clock = TestClock.systemShifted();
  static RunnerKit kit;
  static Gates gates;

  @BeforeAll
  static void startRunner() {
    kit = new RunnerKit(dir.resolve("data"), PIPELINES, clock);
    gates = new Gates(dir.resolve("gates"));
  }

  @AfterEach
  void releaseScripts() {
    gates.close();
  }

  @AfterAll
  static void stopRunner() throws Exception {
    kit.close();
  }

  // port of TestPipelineRunner_ScheduleAsync_WithStartDelayNoQueueAndReplaceWillQueueSingleJob
  @Test
  void delayedJobIsReplacedByTheNextOneWhichStartsAfterTheDelay() {
    // given a job waiting out its start_delay
    JobView job1 = kit.schedule("delayed_replace", Map.of());
    assertThat(job1.start()).isNull();

    // when another job is scheduled (queue_limit 1, replace)
    JobView job2 = kit.schedule("delayed_replace", Map.of());

    // then the first one is canceled without ever starting, and the second one waits
    JobView replaced = kit.until(job1.id(), JobView::canceled);
    assertThat(replaced.start()).isNull();
    assertThat(replaced.lastError()).contains("replaced by job " + job2.id());
    assertThat(kit.job(job2.id()).start()).isNull();

    // when the delay has passed
    clock.advance(Duration.ofHours(1));

    // then the second one starts and ends done
    JobView done = kit.completed(job2.id());
    assertThat(done.start()).isNotNull();
    assertThat(done.canceled()).isFalse();
    assertThat(done.lastError()).isNull();
  }

  // port of TestPipelineRunner_ScheduleAsync_WithStartDelayNoQueueAndReplaceWillNotRunConcurrently
  @Test
  void delayedJobScheduledWhileAnotherRunsStartsOnlyAfterItEnded() {
    // given a delayed job that started once its delay passed and now runs
    Path gate1 = gates.gate();
    JobView job1 = kit.schedule("delayed_one_at_a_time", Map.of("gate", gate1.toString()));
    clock.advance(Duration.ofHours(1));
    kit.until(job1.id(), j -> task(j, "work").status().equals("running"));

    // when a second job is scheduled and its delay passes too
    JobView job2 = kit.schedule("delayed_one_at_a_time", Map.of("gate", gates.gate().toString()));
    clock.advance(Duration.ofHours(1));

    // then it waits while the first one runs, even once the queue looked at its list again
    // (a schedule makes it look at every waiting list, as its timer does every second)
    kit.completed(kit.schedule("nudge", Map.of()).id());
    assertThat(kit.job(job1.id()).completed()).isFalse();
    assertThat(kit.job(job2.id()).start()).isNull();

    // when the first one ends, the second one starts, never while the first one ran
    Gates.open(gate1);
    JobView ended1 = kit.completed(job1.id());
    JobView started2 = kit.until(job2.id(), j -> j.start() != null);
    assertThat(started2.start()).isAfterOrEqualTo(ended1.end());
    assertThat(ended1.canceled()).isFalse();
  }

  // Drover fixes prunner here: prunner refuses every job of a pipeline with queue_limit 0, even
  // when none runs; Drover refuses one only when no slot is free
  @Test
  void queueLimitZeroStartsAJobWhenASlotIsFreeAndRefusesOneWhenNone() {
    // given a pipeline with queue_limit 0 and nothing running
    // when a job is scheduled
    JobView job1 = kit.schedule("no_queue", Map.of("gate", gates.gate().toString()));

    // then it is accepted and starts
    kit.until(job1.id(), j -> j.start() != null);

    // when another one is scheduled while it runs
    // then it is refused with prunner's message
    assertThatThrownBy(() -> kit.schedule("no_queue", Map.of()))
        .hasRootCauseInstanceOf(ScheduleRejected.class)
        .rootCause().hasMessage("concurrency exceeded and queueing disabled for pipeline");
  }

  // Drover fixes prunner here: a cancelled waiting job stays on prunner's waiting list and uses
  // up its queue_limit; here it leaves the list at once
  @Test
  void cancelledWaitingJobFreesItsPlaceOnTheWaitingList() {
    // given a running job and a full waiting list of one
    Map<String, Object> vars = Map.of("gate", gates.gate().toString());
    JobView running = kit.schedule("queue_of_one", vars);
    kit.until(running.id(), j -> j.start() != null);
    JobView waiting = kit.schedule("queue_of_one", vars);
    assertThatThrownBy(() -> kit.schedule("queue_of_one", vars))
        .hasRootCauseInstanceOf(ScheduleRejected.class)
        .rootCause().hasMessage("concurrency exceeded and queue limit reached for pipeline");

    // when the waiting job is cancelled
    get(kit.runner.cancel(waiting.id()));

    // then a new job takes its place
    JobView next = kit.schedule("queue_of_one", vars);
    assertThat(next.start()).isNull();
    assertThat(kit.job(waiting.id()).canceled()).isTrue();
  }

  // Drover fixes prunner here: prunner accepts queue_strategy replace without a queue_limit and
  // crashes when it replaces; Drover refuses the definition when it is loaded
  @Test
  void replaceWithoutAQueueLimitIsRefusedWhenThePipelinesAreLoaded() {
    // given a replace pipeline without queue_limit
    String yaml = """
        pipelines:
          replace_unlimited:
            queue_strategy: replace
            tasks:
              echo:
                script: [echo Test]
        """;

    // when it is loaded, then it is refused with a message saying what is missing
    assertThatThrownBy(() -> RunnerKit.definitions(dir.resolve("replace"), yaml))
        .isInstanceOf(DefinitionException.class)
        .hasMessageContaining("queue_limit must be defined if queue_strategy=replace");
  }

  // port of TestPipelineRunner_ScheduleAsync_WithStartDelay2QueueAndReplaceWillReplaceLastJob
  @Test
  void aReplaceQueueOfTwoReplacesItsLastJobAndRunsTheOthers() {
    // given two delayed jobs waiting in a replace queue of two
    JobView job1 = kit.schedule("delayed_replace_of_two", Map.of());
    JobView job2 = kit.schedule("delayed_replace_of_two", Map.of());

    // when a third is scheduled
    JobView job3 = kit.schedule("delayed_replace_of_two", Map.of());

    // then the last waiting one, job 2, is canceled, and jobs 1 and 3 still wait
    assertThat(kit.until(job2.id(), JobView::canceled).start()).isNull();
    assertThat(kit.job(job1.id()).canceled()).isFalse();
    assertThat(kit.job(job3.id()).canceled()).isFalse();

    // when the delay has passed, jobs 1 and 3 both run to their end, one after the other
    clock.advance(Duration.ofHours(1));
    JobView done1 = kit.completed(job1.id());
    clock.advance(Duration.ofHours(1));
    JobView done3 = kit.completed(job3.id());
    assertThat(done1.canceled()).isFalse();
    assertThat(done3.canceled()).isFalse();
    assertThat(done3.start()).isAfterOrEqualTo(done1.end());
  }

  // port of TestPipelineRunner_ScheduleAsync_PartitionedReplaceWorksAsExpected, whose own test
  // stops before running anything: here the jobs left run to their end
  @Test
  void partitionedReplaceReplacesTheLastJobOfTheFullPartitionOnlyAndRunsTheRest() throws Exception {
    // given a(1), b(2), c(1), d(2) waiting out their delay, two per partition allowed
    Path out = dir.resolve("partitioned.out");
    java.util.Map<String, JobView> jobs = new java.util.LinkedHashMap<>();
    for (String[] job : new String[][] {{"a", "1"}, {"b", "2"}, {"c", "1"}, {"d", "2"}}) {
      jobs.put(job[0], get(kit.runner.schedule(new PipelineApi.ScheduleRequest("partitioned",
          Map.of("name", job[0], "out", out.toString()), job[1], "tester"))));
    }
    // then none is canceled yet
    assertThat(jobs.values()).allSatisfy(j -> assertThat(kit.job(j.id()).canceled()).isFalse());

    // when e(2) is scheduled, it replaces d(2) only; f(1) replaces c(1) only
    jobs.put("e", get(kit.runner.schedule(new PipelineApi.ScheduleRequest("partitioned",
        Map.of("name", "e", "out", out.toString()), "2", "tester"))));
    assertThat(kit.until(jobs.get("d").id(), JobView::canceled).start()).isNull();
    assertThat(kit.job(jobs.get("c").id()).canceled()).isFalse();
    jobs.put("f", get(kit.runner.schedule(new PipelineApi.ScheduleRequest("partitioned",
        Map.of("name", "f", "out", out.toString()), "1", "tester"))));
    assertThat(kit.until(jobs.get("c").id(), JobView::canceled).start()).isNull();

    // then, once the delay passed, a, b, e and f ran, in the order they were scheduled
    clock.advance(Duration.ofHours(1));
    for (String name : java.util.List.of("a", "b", "e", "f")) {
      clock.advance(Duration.ofHours(1));
      assertThat(kit.completed(jobs.get(name).id()).errored()).isFalse();
    }
    assertThat(java.nio.file.Files.readAllLines(out)).containsExactly("a", "b", "e", "f");
    assertThat(jobs.get("e").queuePartition()).isEqualTo("2");
  }

  @Test
  void aStartDelayIsKeptToTheMillisecondsNotToTheSecond() {
    // given jobs delayed by 300 ms, one after the other
    for (int i = 0; i < 3; i++) {
      JobView job = kit.schedule("exact_delay", Map.of());

      // then each starts once its delay passed, well before the next second's check: the queue
      // sets a timer to the job's start time (as prunner's start_delay is a timer); a one-second
      // check would start three such jobs this early only by chance (1 in 60)
      JobView started = kit.completed(job.id());
      Duration waited = Duration.between(started.created(), started.start());
      assertThat(waited).isGreaterThanOrEqualTo(Duration.ofMillis(300))
          .isLessThan(Duration.ofMillis(550));
    }
  }
}
