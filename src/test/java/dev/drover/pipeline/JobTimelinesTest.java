package dev.drover.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.flow.TaskRun;
import dev.drover.flow.TaskRun.Step;
import dev.drover.flow.TaskStatus;
import dev.drover.pipeline.PipelineApi.AttemptSpan;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A task's attempts as the job page's timeline draws them, from the statuses it went through. */
class JobTimelinesTest {
  private static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");

  private static Instant at(int seconds) {
    return T0.plusSeconds(seconds);
  }

  private static TaskRun run(TaskStatus status, Step... steps) {
    return new TaskRun("t", status, 1, 0, null, List.of(), null, null, null, null, null,
        List.of(steps));
  }

  @Test
  void aFailedAttemptThenItsRetryAreTwoSpansWithTheRetrysDueTime() {
    TaskRun run = run(TaskStatus.SUCCEEDED,
        new Step(TaskStatus.PENDING, 0, at(0), null, null),
        new Step(TaskStatus.SCHEDULED, 1, at(0), null, null),
        new Step(TaskStatus.RUNNING, 1, at(1), null, null),
        new Step(TaskStatus.FAILED, 1, at(3), "exit-code: exit code 2", null),
        new Step(TaskStatus.RETRY_WAIT, 2, at(3), "retry", at(13)),
        new Step(TaskStatus.SCHEDULED, 2, at(13), null, null),
        new Step(TaskStatus.RUNNING, 2, at(13), null, null),
        new Step(TaskStatus.SUCCEEDED, 2, at(14), null, null));

    assertThat(JobTimelines.attempts(run)).containsExactly(
        new AttemptSpan(1, at(1), at(3), null, "error", "exit code 2", at(13)),
        new AttemptSpan(2, at(13), at(14), null, "done", null, null));
  }

  @Test
  void aTaskWaitingForItsCallbackShowsWhenItsScriptEnded() {
    TaskRun run = run(TaskStatus.DELAYED,
        new Step(TaskStatus.SCHEDULED, 1, at(0), null, null),
        new Step(TaskStatus.RUNNING, 1, at(1), null, null),
        new Step(TaskStatus.DELAYED, 1, at(2), null, null));

    assertThat(JobTimelines.attempts(run)).containsExactly(
        new AttemptSpan(1, at(1), null, at(2), "waiting for callback", null, null));
  }

  @Test
  void timeoutsInterruptionsAndCancelsKeepTheirOwnOutcome() {
    TaskRun timedOut = run(TaskStatus.FAILED,
        new Step(TaskStatus.RUNNING, 1, at(0), null, null),
        new Step(TaskStatus.FAILED, 1, at(5), "timeout: attempt 1 timed out", null));
    TaskRun interrupted = run(TaskStatus.FAILED,
        new Step(TaskStatus.RUNNING, 1, at(0), null, null),
        new Step(TaskStatus.FAILED, 1, at(5), "interrupted: the engine restarted", null));
    TaskRun cancelled = run(TaskStatus.CANCELLED,
        new Step(TaskStatus.RUNNING, 1, at(0), null, null),
        new Step(TaskStatus.CANCELLED, 1, at(5), "canceled by user", null));

    assertThat(JobTimelines.attempts(timedOut)).extracting(AttemptSpan::outcome)
        .containsExactly("timeout");
    assertThat(JobTimelines.attempts(interrupted)).extracting(AttemptSpan::outcome)
        .containsExactly("interrupted");
    assertThat(JobTimelines.attempts(cancelled)).extracting(AttemptSpan::outcome,
        AttemptSpan::error).containsExactly(org.assertj.core.groups.Tuple.tuple("canceled",
            "canceled by user"));
  }

  @Test
  void aTaskThatNeverRanHasNoAttempts() {
    TaskRun skipped = run(TaskStatus.SKIPPED,
        new Step(TaskStatus.PENDING, 0, at(0), null, null),
        new Step(TaskStatus.SKIPPED, 0, at(1), "dependency failed", null));

    assertThat(JobTimelines.attempts(skipped)).isEmpty();
  }
}
