package dev.drover.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.pipeline.PipelineApi.JobView;
import dev.drover.pipeline.PipelineApi.ScheduleRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal refuses the job queue's writes (Pekko's {@link PersistenceTestKit}): the queue
 * restarts with a backoff instead of stopping, serves again, and a job waiting for its
 * start_delay still starts within 2 s of its due time.
 */
class QueueJournalFailureTest {
  private static final String PIPELINES = """
      pipelines:
        later:
          start_delay: 2s
          tasks:
            echo:
              script: [echo later]
        now:
          tasks:
            echo:
              script: [echo now]
      """;

  @TempDir Path dir;

  @Test
  void theQueueComesBackAfterRefusedWritesAndItsTimersStillFire() throws Exception {
    try (RunnerKit kit = new RunnerKit(dir, RunnerKit.definitions(dir, PIPELINES),
        Clock.systemUTC(), PersistenceTestKitPlugin.config()
            .withFallback(PersistenceTestKitSnapshotPlugin.config()))) {
      PersistenceTestKit journal = PersistenceTestKit.create(kit.kit.system());
      // given a job waiting 2 s for its start
      JobView later = kit.schedule("later", Map.of());

      // when the journal refuses the queue's next write while a job is scheduled
      journal.failNextNPersisted("drover-pipeline-jobs", 1);
      CompletableFuture<JobView> refused = kit.runner.schedule(
          new ScheduleRequest("now", Map.of(), null, "tester")).toCompletableFuture();

      // then the queue serves again: a schedule is accepted and its job runs
      JobView[] accepted = new JobView[1];
      await().atMost(Duration.ofSeconds(20)).until(() -> {
        try {
          accepted[0] = kit.runner.schedule(new ScheduleRequest("now", Map.of(), null,
              "tester")).toCompletableFuture().get();
          return true;
        } catch (Exception notYet) {
          return false;
        }
      });
      assertThat(kit.completed(accepted[0].id()).errored()).isFalse();
      // and the waiting job started within 2 s of its due time
      JobView ran = kit.completed(later.id());
      assertThat(Duration.between(later.created().plusSeconds(2), ran.start()))
          .isLessThan(Duration.ofSeconds(2));
      // and a schedule whose write failed, if it failed, left no job behind
      await().atMost(Duration.ofSeconds(15)).until(refused::isDone);
      if (refused.isCompletedExceptionally()) {
        assertThat(kit.jobs("now")).hasSize(1);
      }
    }
  }
}
