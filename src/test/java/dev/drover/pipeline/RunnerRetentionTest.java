package dev.drover.pipeline;

import static dev.drover.pipeline.RunnerKit.WAIT;
import static dev.drover.pipeline.RunnerKit.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import dev.drover.pipeline.PipelineApi.JobView;
import dev.drover.pipeline.definition.PipelineDefinition;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which finished jobs the runner keeps: retention_count and retention_period, as prunner decides
 * it (jobs counted newest first by creation, all of them; age from creation), and the jobs of a
 * pipeline no longer defined. Ports of prunner's prunner_test.go. prunner applies retention only
 * when it saves its store (the tests call SaveToStore); Drover applies it on a timer and whenever
 * a job is scheduled or ends, so these tests wait for it instead of triggering it. The runner's
 * clock runs with real time and a test can move it ahead. Every pipeline belongs to one test, so
 * they share a runner.
 */
class RunnerRetentionTest {
  private static final String PIPELINES = """
      pipelines:
        retention_count_one:
          retention_count: 1
          tasks:
            echo:
              script: [echo a]

        retention_count_running:
          retention_count: 1
          concurrency: 100
          tasks:
            echo:
              script:
                - while [ ! -f {{ .gate }} ]; do sleep 0.05; done

        retention_count_two:
          retention_count: 2
          tasks:
            echo:
              script:
                - while [ ! -f {{ .gate }} ]; do sleep 0.05; done

        retention_one_hour:
          retention_period: 1h
          concurrency: 100
          tasks:
            echo:
              script: [echo Test]

        retention_one_hour_long:
          retention_period: 1h
          tasks:
            echo:
              script:
                - while [ ! -f {{ .gate }} ]; do sleep 0.05; done

        removed_later:
          tasks:
            echo:
              script:
                - if [ -z "{{ .skip | default "" }}" ]; then while [ ! -f {{ .gate }} ]; do sleep 0.05; done; fi

        retention_one_second:
          retention_period: 1s
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

  private Path logsOf(UUID job) {
    return kit.data.resolve("drover").resolve("logs").resolve(job.toString());
  }

  private List<UUID> idsOf(String pipeline) {
    return kit.jobs(pipeline).stream().map(JobView::id).toList();
  }

  // port of TestPipelineRunner_ShouldRemoveOldJobsWhenRetentionPeriodIsConfigured (which, despite
  // its name, sets retention_count 1); that the removal is durable is in RunnerRestartTest
  @Test
  void retentionCountOfOneKeepsOnlyTheNewestFinishedJob() throws Exception {
    // given a finished job with its logs
    JobView job1 = kit.completed(kit.schedule("retention_count_one", Map.of()).id());
    assertThat(logsOf(job1.id())).isDirectory();

    // when a second job is scheduled and finishes
    JobView job2 = kit.schedule("retention_count_one", Map.of());
    kit.completed(job2.id());

    // then only the second is kept, and the first one's logs are gone with it
    await().atMost(WAIT).until(() -> idsOf("retention_count_one").equals(List.of(job2.id())));
    assertThat(logsOf(job1.id())).doesNotExist();
    assertThat(kit.runner.job(job1.id())).isEmpty();
    // and so are its execution's events in the journal, while the second one's stay
    await().atMost(WAIT).until(() -> journalRows(job1.id()) == 0);
    assertThat(journalRows(job2.id())).isPositive();
  }

  /** The journal's events of the job's execution. */
  private static long journalRows(UUID job) throws Exception {
    Config db = kit.kit.system().settings().config()
        .getConfig("pekko-persistence-jdbc.shared-databases.slick.db");
    try (Connection c = DriverManager.getConnection(db.getString("url"), db.getString("user"),
        db.getString("password"));
        PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM \"event_journal\""
            + " WHERE \"persistence_id\" = ?")) {
      s.setString(1, "drover-execution|" + job);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    }
  }

  // port of TestPipelineRunner_ShouldNotRemoveStillRunningJobsEvenIfRetentionPeriodIsViolated
  @Test
  void retentionCountNeverRemovesRunningJobs() {
    // given two running jobs of a pipeline that keeps one finished job
    Path gate1 = gates.gate();
    Path gate2 = gates.gate();
    JobView job1 = kit.schedule("retention_count_running", Map.of("gate", gate1.toString()));
    JobView job2 = kit.schedule("retention_count_running", Map.of("gate", gate2.toString()));
    kit.until(job2.id(), j -> j.start() != null);

    // then both are kept while they run, through the next retention pass
    await().during(Duration.ofMillis(1500)).atMost(WAIT)
        .until(() -> idsOf("retention_count_running").size() == 2);

    // when both finish, the first one first
    Gates.open(gate1);
    kit.completed(job1.id());
    Gates.open(gate2);
    kit.completed(job2.id());

    // then only the second is kept
    await().atMost(WAIT).until(() -> idsOf("retention_count_running").equals(List.of(job2.id())));
  }

  @Test
  void retentionCountCountsEveryJobNewestFirstAndRemovesOnlyFinishedOnes() {
    // given three finished jobs of a pipeline that keeps two
    Path opened = gates.gate();
    Gates.open(opened);
    Map<String, Object> open = Map.of("gate", opened.toString());
    JobView done1 = kit.completed(kit.schedule("retention_count_two", open).id());
    JobView done2 = kit.completed(kit.schedule("retention_count_two", open).id());
    JobView done3 = kit.completed(kit.schedule("retention_count_two", open).id());

    // when one more runs and two wait behind it (concurrency 1)
    Path gate = gates.gate();
    Map<String, Object> closed = Map.of("gate", gate.toString());
    JobView running = kit.schedule("retention_count_two", closed);
    JobView waiting1 = kit.schedule("retention_count_two", closed);
    JobView waiting2 = kit.schedule("retention_count_two", closed);
    kit.until(running.id(), j -> task(j, "echo").status().equals("running"));

    // then every finished job is removed, as the two newest jobs are the waiting ones (prunner
    // counts them all), and the running and waiting ones all stay
    await().atMost(WAIT).until(() -> !idsOf("retention_count_two").contains(done3.id()));
    await().during(Duration.ofMillis(1500)).atMost(WAIT)
        .until(() -> idsOf("retention_count_two").equals(List.of(waiting2.id(), waiting1.id(),
            running.id())));
    assertThat(List.of(done1, done2, done3)).allSatisfy(done ->
        assertThat(kit.runner.job(done.id())).isEmpty());

    // when they have all finished
    Gates.open(gate);
    kit.completed(waiting2.id());

    // then the two newest are kept
    await().atMost(WAIT).until(() -> idsOf("retention_count_two")
        .equals(List.of(waiting2.id(), waiting1.id())));
  }

  // port of TestPipelineRunner_TimeBasedRetentionPolicyCalculatesCorrectly, which asks
  // determineIfJobShouldBeRemoved about a job created now and one created two hours ago; here a
  // real job ends now and the clock then moves two hours ahead
  @Test
  void retentionPeriodKeepsAJobWithinItAndRemovesItOncePassed() {
    // given a finished job of a pipeline that keeps jobs for an hour
    JobView job = kit.completed(kit.schedule("retention_one_hour", Map.of()).id());

    // then it is kept through the next retention pass
    await().during(Duration.ofMillis(1500)).atMost(WAIT)
        .until(() -> kit.runner.job(job.id()).isPresent());

    // when two hours have passed
    clock.advance(Duration.ofHours(2));

    // then it is removed with its logs
    await().atMost(WAIT).until(() -> kit.runner.job(job.id()).isEmpty());
    assertThat(logsOf(job.id())).doesNotExist();
  }

  @Test
  void retentionPeriodCountsFromCreationNotFromTheEnd() {
    // given a job of a pipeline that keeps jobs for an hour, which runs longer than that
    Path gate = gates.gate();
    JobView job = kit.schedule("retention_one_hour_long", Map.of("gate", gate.toString()));
    kit.until(job.id(), j -> j.start() != null);
    clock.advance(Duration.ofHours(2));

    // then it is kept while it runs
    await().during(Duration.ofMillis(1500)).atMost(WAIT)
        .until(() -> kit.runner.job(job.id()).isPresent());

    // when it ends, two hours after its creation
    Gates.open(gate);

    // then it is removed at once, with its logs, as prunner does
    await().atMost(WAIT).until(() -> kit.runner.job(job.id()).isEmpty());
    assertThat(logsOf(job.id())).doesNotExist();
  }

  @Test
  void theJobsOfAPipelineNoLongerDefinedAreRemovedWithTheirLogsOnceEnded() {
    // given a finished job, a running one and a waiting one of a pipeline
    JobView done = kit.completed(kit.schedule("removed_later", Map.of("gate", "/nonexistent",
        "skip", "yes")).id());
    Path gate = gates.gate();
    JobView running = kit.schedule("removed_later", Map.of("gate", gate.toString()));
    JobView waiting = kit.schedule("removed_later", Map.of("gate", gate.toString()));
    kit.until(running.id(), j -> task(j, "echo").status().equals("running"));

    // when the pipeline is no longer defined
    Map<String, PipelineDefinition> without = new java.util.LinkedHashMap<>(
        kit.runner.definitions());
    PipelineDefinition removed = without.remove("removed_later");
    kit.runner.reload(without);
    try {
      // then the finished job is removed with its logs, the waiting one is canceled and removed,
      // and the running one goes on
      await().atMost(WAIT).until(() -> kit.runner.job(done.id()).isEmpty()
          && kit.runner.job(waiting.id()).isEmpty());
      assertThat(logsOf(done.id())).doesNotExist();
      assertThat(kit.runner.job(running.id())).hasValueSatisfying(j ->
          assertThat(j.completed()).isFalse());

      // and once it ended, it is removed too
      Gates.open(gate);
      await().atMost(WAIT).until(() -> kit.runner.job(running.id()).isEmpty());
    } finally {
      Map<String, PipelineDefinition> back = new java.util.LinkedHashMap<>(without);
      back.put(removed.name(), removed);
      kit.runner.reload(back);
    }
  }

  @Test
  void retentionPeriodOfOneSecondRemovesFinishedJobsAndTheirLogsWithinSeconds() {
    // given two finished jobs of a pipeline that keeps jobs for a second, with their logs
    JobView job1 = kit.completed(kit.schedule("retention_one_second", Map.of()).id());
    assertThat(logsOf(job1.id())).isDirectory();
    JobView job2 = kit.completed(kit.schedule("retention_one_second", Map.of()).id());
    assertThat(logsOf(job2.id())).isDirectory();

    // when nothing else happens
    // then both disappear within a few seconds, and their log directories with them
    await().atMost(Duration.ofSeconds(5))
        .until(() -> kit.jobs("retention_one_second").isEmpty());
    assertThat(logsOf(job1.id())).doesNotExist();
    assertThat(logsOf(job2.id())).doesNotExist();
  }
}
