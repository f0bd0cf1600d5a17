package dev.drover.flow;

import static dev.drover.flow.TaskStatus.CANCELLED;
import static dev.drover.flow.TaskStatus.DELAYED;
import static dev.drover.flow.TaskStatus.FAILED;
import static dev.drover.flow.TaskStatus.PENDING;
import static dev.drover.flow.TaskStatus.RETRY_WAIT;
import static dev.drover.flow.TaskStatus.RUNNING;
import static dev.drover.flow.TaskStatus.SCHEDULED;
import static dev.drover.flow.TaskStatus.SKIPPED;
import static dev.drover.flow.TaskStatus.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The allowed-transition tables of {@link TaskStatus} and {@link ExecutionStatus}, pair by pair
 * (like JobRunr's {@code AllowedJobStateStateChangesTest}).
 */
class TaskStatusTest {
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

  /** The task table as specified; every pair not listed is forbidden. */
  private static final Map<TaskStatus, Set<TaskStatus>> TASK_MOVES = Map.of(
      PENDING, EnumSet.of(SCHEDULED, SKIPPED, CANCELLED),
      SCHEDULED, EnumSet.of(RUNNING, CANCELLED, SKIPPED),
      RUNNING, EnumSet.of(SUCCEEDED, FAILED, DELAYED, CANCELLED),
      DELAYED, EnumSet.of(SUCCEEDED, FAILED, CANCELLED),
      RETRY_WAIT, EnumSet.of(SCHEDULED, CANCELLED),
      FAILED, EnumSet.of(RETRY_WAIT),
      SUCCEEDED, EnumSet.noneOf(TaskStatus.class),
      CANCELLED, EnumSet.noneOf(TaskStatus.class),
      SKIPPED, EnumSet.noneOf(TaskStatus.class));

  private static final Map<ExecutionStatus, Set<ExecutionStatus>> EXECUTION_MOVES = Map.of(
      ExecutionStatus.RUNNING, EnumSet.of(ExecutionStatus.PAUSED, ExecutionStatus.SUCCEEDED,
          ExecutionStatus.FAILED, ExecutionStatus.CANCELLED),
      ExecutionStatus.PAUSED, EnumSet.of(ExecutionStatus.RUNNING, ExecutionStatus.SUCCEEDED,
          ExecutionStatus.FAILED, ExecutionStatus.CANCELLED),
      ExecutionStatus.SUCCEEDED, EnumSet.noneOf(ExecutionStatus.class),
      ExecutionStatus.FAILED, EnumSet.noneOf(ExecutionStatus.class),
      ExecutionStatus.CANCELLED, EnumSet.noneOf(ExecutionStatus.class));

  static Stream<Arguments> everyTaskMove() {
    return Arrays.stream(TaskStatus.values()).flatMap(from -> Arrays.stream(TaskStatus.values())
        .map(to -> Arguments.of(from, to, TASK_MOVES.get(from).contains(to))));
  }

  static Stream<Arguments> everyExecutionMove() {
    return Arrays.stream(ExecutionStatus.values()).flatMap(from ->
        Arrays.stream(ExecutionStatus.values())
            .map(to -> Arguments.of(from, to, EXECUTION_MOVES.get(from).contains(to))));
  }

  @Test
  void theTablesCoverEveryStatus() {
    assertThat(TASK_MOVES).containsOnlyKeys(TaskStatus.values());
    assertThat(EXECUTION_MOVES).containsOnlyKeys(ExecutionStatus.values());
  }

  @ParameterizedTest(name = "task {0} -> {1} allowed: {2}")
  @MethodSource("everyTaskMove")
  void aTaskMovesOnlyAlongTheTable(TaskStatus from, TaskStatus to, boolean allowed) {
    assertThat(from.canMoveTo(to)).isEqualTo(allowed);
    assertThat(from.allowedNext().contains(to)).isEqualTo(allowed);
  }

  @ParameterizedTest(name = "execution {0} -> {1} allowed: {2}")
  @MethodSource("everyExecutionMove")
  void anExecutionMovesOnlyAlongTheTable(
      ExecutionStatus from, ExecutionStatus to, boolean allowed) {
    assertThat(from.canMoveTo(to)).isEqualTo(allowed);
    assertThat(from.allowedNext().contains(to)).isEqualTo(allowed);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(TaskStatus.class)
  void aFinalTaskStatusHasNoWayOutButARetryOfAFailure(TaskStatus status) {
    if (!status.isFinal()) {
      assertThat(status.allowedNext()).isNotEmpty();
    } else if (status == FAILED) {
      assertThat(status.allowedNext()).containsExactly(RETRY_WAIT);
    } else {
      assertThat(status.allowedNext()).isEmpty();
    }
  }

  @Test
  void theFinalTaskStatusesAreTheEndsAndTheActiveOnesHoldAnAttempt() {
    assertThat(EnumSet.allOf(TaskStatus.class).stream().filter(TaskStatus::isFinal))
        .containsExactlyInAnyOrder(SUCCEEDED, FAILED, CANCELLED, SKIPPED);
    assertThat(EnumSet.allOf(TaskStatus.class).stream().filter(TaskStatus::isActive))
        .containsExactlyInAnyOrder(SCHEDULED, RUNNING, DELAYED);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(ExecutionStatus.class)
  void aFinalExecutionStatusHasNoWayOut(ExecutionStatus status) {
    assertThat(status.allowedNext().isEmpty()).isEqualTo(status.isFinal());
  }

  @Test
  void aLegalMoveIsAppendedToTheTaskHistory() {
    // given a pending task
    TaskRun run = TaskRun.pending("build", T0);

    // when it is scheduled and started
    TaskRun running = run.moveTo(SCHEDULED, 1, T0.plusSeconds(1), null)
        .moveTo(RUNNING, 1, T0.plusSeconds(2), null);

    // then it is running and its history holds every step in order
    assertThat(running.status()).isEqualTo(RUNNING);
    assertThat(running.attempt()).isEqualTo(1);
    assertThat(running.statuses()).containsExactly(PENDING, SCHEDULED, RUNNING);
    assertThat(running.history()).extracting(TaskRun.Step::at)
        .containsExactly(T0, T0.plusSeconds(1), T0.plusSeconds(2));
  }

  @Test
  void anIllegalMoveThrowsNamingTheTaskAndBothStatuses() {
    // given a pending task
    TaskRun run = TaskRun.pending("build", T0);

    // when it is moved straight to SUCCEEDED
    // then the engine bug is an IllegalStateException that names the task and the move
    assertThatIllegalStateException()
        .isThrownBy(() -> run.moveTo(SUCCEEDED, 1, T0, null))
        .withMessageContaining("'build'")
        .withMessageContaining("PENDING")
        .withMessageContaining("SUCCEEDED");
  }

  @Test
  void aSucceededTaskCannotBeRetried() {
    TaskRun done = TaskRun.pending("build", T0).moveTo(SCHEDULED, 1, T0, null)
        .moveTo(RUNNING, 1, T0, null).moveTo(SUCCEEDED, 1, T0, null);

    assertThatIllegalStateException()
        .isThrownBy(() -> done.moveTo(RETRY_WAIT, 2, T0, "retry", T0))
        .withMessageContaining("'build'");
  }
}
