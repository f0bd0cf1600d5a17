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

import com.fasterxml.jackson.databind.node.TextNode;
import dev.drover.flow.ExecutionEvent.ExecutionCancelled;
import dev.drover.flow.ExecutionEvent.ExecutionCompleted;
import dev.drover.flow.ExecutionEvent.ExecutionFailed;
import dev.drover.flow.ExecutionEvent.ExecutionPaused;
import dev.drover.flow.ExecutionEvent.ExecutionResumed;
import dev.drover.flow.ExecutionEvent.ExecutionStarted;
import dev.drover.flow.ExecutionEvent.TaskCancelled;
import dev.drover.flow.ExecutionEvent.TaskDelayed;
import dev.drover.flow.ExecutionEvent.TaskFailed;
import dev.drover.flow.ExecutionEvent.TaskRetryScheduled;
import dev.drover.flow.ExecutionEvent.TaskScheduled;
import dev.drover.flow.ExecutionEvent.TaskSkipped;
import dev.drover.flow.ExecutionEvent.TaskStarted;
import dev.drover.flow.ExecutionEvent.TaskSucceeded;
import dev.drover.flow.ExecutionEvent.TaskTimedOut;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The engine's decisions as a pure function of an execution's state. */
class RoundTest {
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
  private static final Instant T1 = T0.plusSeconds(1);
  private static final Instant T2 = T0.plusSeconds(2);
  private static final Instant T3 = T0.plusSeconds(3);

  private final AtomicInteger counter = new AtomicInteger();
  private final Supplier<String> tokens = () -> "t" + counter.incrementAndGet();

  // ---- helpers: a state is built only by applying events, as the entity does ----

  private static ExecutionState started(Flow flow) {
    return ExecutionState.EMPTY.apply(new ExecutionStarted("e1", flow, null, T0));
  }

  private static ExecutionState apply(ExecutionState s, List<ExecutionEvent> events) {
    for (ExecutionEvent e : events) {
      s = s.apply(e);
    }
    return s;
  }

  /** The state after one round at {@code now}. */
  private ExecutionState advanced(ExecutionState s, Instant now) {
    return apply(s, Round.advance(s, now, tokens));
  }

  private static ExecutionState succeeded(ExecutionState s, String task, Instant at) {
    return s.apply(new TaskSucceeded(task, s.task(task).attempt(), TextNode.valueOf(task), at));
  }

  private static ExecutionState failed(ExecutionState s, String task, String kind, Instant at) {
    return apply(s, Round.failure(s, task, s.task(task).attempt(), kind, "it broke", null, at));
  }

  private static List<String> names(List<ExecutionEvent> events) {
    return events.stream().map(e -> e.getClass().getSimpleName()
        + (e instanceof ExecutionEvent.TaskEvent te ? "(" + te.task() + ")" : "")).toList();
  }

  private static Flow.Builder flow() {
    return Flow.builder("round");
  }

  // ---- scheduling ----

  @Test
  void theFirstRoundStartsEveryTaskWithoutDependencyTogether() {
    // given a and b on their own, and c after both
    Flow flow = flow()
        .task("a", t -> t.local(TestActions.Echo.class))
        .task("b", t -> t.local(TestActions.Echo.class).timeout(Duration.ofMinutes(1)))
        .task("c", t -> t.local(TestActions.Echo.class).dependsOn("a", "b"))
        .build();

    // when the first round runs
    List<ExecutionEvent> events = Round.advance(started(flow), T0, tokens);

    // then a and b are scheduled and started in one round, each with its own token, and c waits
    assertThat(events).containsExactly(
        new TaskScheduled("a", 1, T0),
        new TaskScheduled("b", 1, T0),
        new TaskStarted("a", 1, "t1", null, T0),
        new TaskStarted("b", 1, "t2", T0.plus(Duration.ofMinutes(1)), T0));
    ExecutionState s = apply(started(flow), events);
    assertThat(s.task("a").status()).isEqualTo(RUNNING);
    assertThat(s.task("a").token()).isEqualTo("t1");
    assertThat(s.task("b").deadline()).isEqualTo(T0.plus(Duration.ofMinutes(1)));
    assertThat(s.task("c").status()).isEqualTo(PENDING);
  }

  @Test
  void aTaskStartsOnceAllItsDependenciesSucceededAndTheLastSinkCompletesTheExecution() {
    // given a and b running, and c after both
    Flow flow = flow()
        .task("a", t -> t.local(TestActions.Echo.class))
        .task("b", t -> t.local(TestActions.Echo.class))
        .task("c", t -> t.local(TestActions.Echo.class).dependsOn("a", "b"))
        .build();
    ExecutionState s = advanced(started(flow), T0);

    // when a succeeds, c still waits for b
    s = succeeded(s, "a", T1);
    assertThat(Round.advance(s, T1, tokens)).isEmpty();

    // when b succeeds, c starts
    s = succeeded(s, "b", T2);
    List<ExecutionEvent> events = Round.advance(s, T2, tokens);
    assertThat(events).containsExactly(
        new TaskScheduled("c", 1, T2), new TaskStarted("c", 1, "t3", null, T2));

    // when c succeeds, the execution completes with the output of its sink c
    s = succeeded(apply(s, events), "c", T3);
    List<ExecutionEvent> end = Round.advance(s, T3, tokens);
    assertThat(end).hasSize(1).first().isInstanceOf(ExecutionCompleted.class);
    s = apply(s, end);
    assertThat(s.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(s.output().get("c").asText()).isEqualTo("c");
    assertThat(s.endedAt()).isEqualTo(T3);
  }

  @Test
  void maxParallelLimitsHowManyAttemptsStart() {
    // given three independent tasks and at most two running at once
    Flow flow = flow()
        .task("a", t -> t.local(TestActions.Echo.class))
        .task("b", t -> t.local(TestActions.Echo.class))
        .task("c", t -> t.local(TestActions.Echo.class))
        .maxParallel(2)
        .build();

    // when the first round runs
    List<ExecutionEvent> events = Round.advance(started(flow), T0, tokens);

    // then all three are ready but only two start
    assertThat(names(events)).containsExactly("TaskScheduled(a)", "TaskScheduled(b)",
        "TaskScheduled(c)", "TaskStarted(a)", "TaskStarted(b)");
    ExecutionState s = apply(started(flow), events);
    assertThat(s.task("c").status()).isEqualTo(SCHEDULED);

    // and when one ends, the third starts
    s = succeeded(s, "a", T1);
    assertThat(Round.advance(s, T1, tokens)).containsExactly(new TaskStarted("c", 1, "t3", null,
        T1));
  }

  @Test
  void aDelegateWaitingForItsCallbackDoesNotCountAgainstMaxParallel() {
    // given two tasks and one running at a time
    Flow flow = flow()
        .task("a", t -> t.delegate(TestActions.Delegate.class))
        .task("b", t -> t.local(TestActions.Echo.class))
        .maxParallel(1)
        .build();
    ExecutionState s = advanced(started(flow), T0);
    assertThat(s.task("b").status()).isEqualTo(SCHEDULED);

    // when a waits for its third party
    s = s.apply(new TaskDelayed("a", 1, T1));

    // then b starts
    assertThat(Round.advance(s, T1, tokens)).containsExactly(new TaskStarted("b", 1, "t2", null,
        T1));
  }

  @Test
  void aPausedExecutionStartsNothingUntilResumed() {
    // given a -> b, a running, and the execution paused
    Flow flow = flow()
        .task("a", t -> t.local(TestActions.Echo.class))
        .task("b", t -> t.local(TestActions.Echo.class).dependsOn("a"))
        .build();
    ExecutionState s = advanced(started(flow), T0).apply(new ExecutionPaused(T1));

    // when a succeeds
    s = succeeded(s, "a", T2);

    // then b does not start while paused, and starts once resumed
    assertThat(Round.advance(s, T2, tokens)).isEmpty();
    s = s.apply(new ExecutionResumed(T3));
    assertThat(names(Round.advance(s, T3, tokens)))
        .containsExactly("TaskScheduled(b)", "TaskStarted(b)");
  }

  // ---- failures ----

  @Test
  void aFailureWithFailFastCancelsRunningSiblingsSkipsPendingTasksAndFailsTheExecution() {
    // given a and b running, c after a, and fail-fast (the default)
    Flow flow = flow()
        .task("a", t -> t.local(TestActions.Echo.class))
        .task("b", t -> t.local(TestActions.Echo.class))
        .task("c", t -> t.local(TestActions.Echo.class).dependsOn("a"))
        .build();
    ExecutionState s = advanced(started(flow), T0);

    // when a fails without retry
    s = failed(s, "a", "boom", T1);
    List<ExecutionEvent> events = Round.advance(s, T1, tokens);

    // then b is cancelled, c skipped, and the execution fails because of a
    String reason = "fail-fast: task 'a' failed";
    assertThat(events).containsExactly(
        new TaskCancelled("b", 1, reason, T1),
        new TaskSkipped("c", reason, T1),
        new ExecutionFailed("a", "task 'a' failed: it broke", T1));
    s = apply(s, events);
    assertThat(s.status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(s.failedTask()).isEqualTo("a");
    assertThat(s.task("b").status()).isEqualTo(CANCELLED);
    assertThat(s.task("c").status()).isEqualTo(SKIPPED);
  }

  @Test
  void withContinueAfterFailureDependentsAreSkippedAndIndependentTasksGoOn() {
    // given a and b running, c after a, d after b, and continue-after-failure
    Flow flow = flow()
        .task("a", t -> t.local(TestActions.Echo.class))
        .task("b", t -> t.local(TestActions.Echo.class))
        .task("c", t -> t.local(TestActions.Echo.class).dependsOn("a"))
        .task("d", t -> t.local(TestActions.Echo.class).dependsOn("b"))
        .continueAfterFailure()
        .build();
    ExecutionState s = advanced(started(flow), T0);

    // when a fails
    s = failed(s, "a", "boom", T1);
    List<ExecutionEvent> events = Round.advance(s, T1, tokens);

    // then only c, which depends on a, is skipped; b keeps running
    assertThat(events).containsExactly(new TaskSkipped("c", "task 'a' it depends on failed", T1));
    s = apply(s, events);
    assertThat(s.task("b").status()).isEqualTo(RUNNING);
    assertThat(s.status()).isEqualTo(ExecutionStatus.RUNNING);

    // when b succeeds, d still starts
    s = succeeded(s, "b", T2);
    assertThat(names(Round.advance(s, T2, tokens)))
        .containsExactly("TaskScheduled(d)", "TaskStarted(d)");

    // and once d ended, the execution fails because of a
    s = succeeded(advanced(s, T2), "d", T3);
    List<ExecutionEvent> end = Round.advance(s, T3, tokens);
    assertThat(end).containsExactly(new ExecutionFailed("a", "task 'a' failed: it broke", T3));
  }

  @Test
  void aTaskAllowedToFailLetsItsDependentsRunAndTheExecutionSucceed() {
    // given a allowed to fail, and b after it
    Flow flow = flow()
        .task("a", t -> t.local(TestActions.Echo.class).allowFailure())
        .task("b", t -> t.local(TestActions.Echo.class).dependsOn("a"))
        .build();
    ExecutionState s = advanced(started(flow), T0);

    // when a fails
    s = failed(s, "a", "boom", T1);
    List<ExecutionEvent> events = Round.advance(s, T1, tokens);

    // then b runs anyway
    assertThat(names(events)).containsExactly("TaskScheduled(b)", "TaskStarted(b)");

    // and when b succeeds, the execution succeeds
    s = succeeded(apply(s, events), "b", T2);
    s = advanced(s, T2);
    assertThat(s.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(s.task("a").status()).isEqualTo(FAILED);
  }

  @Test
  void aFailureWithRetriesLeftWaitsAndSchedulesTheNextAttemptWhenDue() {
    // given a with two retries five seconds apart
    Flow flow = flow()
        .task("a", t -> t.local(TestActions.Echo.class)
            .retry(RetryPolicy.fixed(2, Duration.ofSeconds(5))))
        .build();
    ExecutionState s = advanced(started(flow), T0);

    // when its first attempt fails
    List<ExecutionEvent> failure = Round.failure(s, "a", 1, "boom", "it broke", null, T1);

    // then a retry of attempt 2 is due five seconds later
    assertThat(failure).containsExactly(
        new TaskFailed("a", 1, "boom", "it broke", null, T1),
        new TaskRetryScheduled("a", 2, T1.plusSeconds(5), false, T1));
    s = apply(s, failure);
    assertThat(s.task("a").status()).isEqualTo(RETRY_WAIT);

    // and nothing happens before it is due; when due, attempt 2 starts
    assertThat(Round.advance(s, T2, tokens)).isEmpty();
    assertThat(Round.advance(s, T1.plusSeconds(5), tokens)).containsExactly(
        new TaskScheduled("a", 2, T1.plusSeconds(5)),
        new TaskStarted("a", 2, "t2", null, T1.plusSeconds(5)));
  }

  @Test
  void aTimeoutIsJournaledAsTaskTimedOutAndRetriedUnlessTheKindBreaks() {
    Flow flow = flow()
        .task("a", t -> t.local(TestActions.Echo.class)
            .retry(RetryPolicy.fixed(2, Duration.ofSeconds(5)).breakingOn("timeout")))
        .build();
    ExecutionState s = advanced(started(flow), T0);

    assertThat(Round.failure(s, "a", 1, "timeout", null, null, T1))
        .containsExactly(new TaskTimedOut("a", 1, T1));
  }

  // ---- the on-error task ----

  @Test
  void theOnErrorTaskRunsAfterAllTasksEndedAndTheExecutionFailsOnlyAfterIt() {
    // given a and b running, continue-after-failure, and an on-error task
    Flow flow = flow()
        .task("a", t -> t.local(TestActions.Echo.class))
        .task("b", t -> t.local(TestActions.Echo.class))
        .continueAfterFailure()
        .onError(t -> t.local(TestActions.RecordFailure.class))
        .build();
    ExecutionState s = advanced(started(flow), T0);

    // when a fails while b still runs, nothing happens yet
    s = failed(s, "a", "boom", T1);
    assertThat(Round.advance(s, T1, tokens)).isEmpty();

    // when b ends, the on-error task is scheduled and started, and the execution still runs
    s = succeeded(s, "b", T2);
    List<ExecutionEvent> events = Round.advance(s, T2, tokens);
    assertThat(events).containsExactly(
        new TaskScheduled(Flow.ON_ERROR, 1, T2),
        new TaskStarted(Flow.ON_ERROR, 1, "t3", null, T2));
    s = apply(s, events);
    assertThat(s.status()).isEqualTo(ExecutionStatus.RUNNING);
    assertThat(s.tasks().keySet()).containsExactly("a", "b", Flow.ON_ERROR);

    // when the on-error task ends, the execution fails because of a
    s = succeeded(s, Flow.ON_ERROR, T3);
    assertThat(Round.advance(s, T3, tokens))
        .containsExactly(new ExecutionFailed("a", "task 'a' failed: it broke", T3));
  }

  @Test
  void withFailFastTheOnErrorTaskStartsOnceTheSiblingsAreCancelled() {
    Flow flow = flow()
        .task("a", t -> t.local(TestActions.Echo.class))
        .task("b", t -> t.local(TestActions.Echo.class))
        .onError(t -> t.local(TestActions.RecordFailure.class))
        .build();
    ExecutionState s = failed(advanced(started(flow), T0), "a", "boom", T1);

    List<ExecutionEvent> events = Round.advance(s, T1, tokens);

    assertThat(names(events)).containsExactly("TaskCancelled(b)",
        "TaskScheduled(on_error)", "TaskStarted(on_error)");
    s = apply(s, events);
    assertThat(s.status()).isEqualTo(ExecutionStatus.RUNNING);

    // a failing on-error task ends the execution all the same
    s = failed(s, Flow.ON_ERROR, "boom", T2);
    assertThat(advanced(s, T2).status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(advanced(s, T2).failedTask()).isEqualTo("a");
  }

  // ---- after a restart ----

  @Test
  void aRunningNonIdempotentTaskIsInterruptedAndRetriedPerItsPolicy() {
    // given a running with one retry ten seconds later, b waiting for a callback, c pending
    Flow flow = flow()
        .task("a", t -> t.local(TestActions.Echo.class)
            .retry(RetryPolicy.fixed(1, Duration.ofSeconds(10))))
        .task("b", t -> t.delegate(TestActions.Delegate.class))
        .task("c", t -> t.local(TestActions.Echo.class).dependsOn("a"))
        .build();
    ExecutionState s = advanced(started(flow), T0).apply(new TaskDelayed("b", 1, T0));

    // when the engine restarts
    List<ExecutionEvent> events = Round.interrupted(s, T1);

    // then a's attempt failed as interrupted and its retry is due per the policy; b still waits
    assertThat(events).containsExactly(
        new TaskFailed("a", 1, "interrupted", TaskRun.INTERRUPTED, null, T1),
        new TaskRetryScheduled("a", 2, T1.plusSeconds(10), false, T1));
    s = apply(s, events);
    assertThat(s.task("a").status()).isEqualTo(RETRY_WAIT);
    assertThat(s.task("a").reruns()).isZero();
    assertThat(s.task("b").status()).isEqualTo(DELAYED);
    assertThat(s.task("c").status()).isEqualTo(PENDING);
  }

  @Test
  void aRunningNonIdempotentTaskWithoutRetriesFailsTheExecutionAfterARestart() {
    Flow flow = flow().task("a", t -> t.local(TestActions.Echo.class)).build();
    ExecutionState s = advanced(started(flow), T0);

    List<ExecutionEvent> events = Round.interrupted(s, T1);

    assertThat(events).containsExactly(
        new TaskFailed("a", 1, "interrupted", TaskRun.INTERRUPTED, null, T1));
    s = advanced(apply(s, events), T1);
    assertThat(s.status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(s.task("a").errorKind()).isEqualTo("interrupted");
  }

  @Test
  void anIdempotentTaskIsRerunAfterARestartWithoutUsingUpItsRetries() {
    // given an idempotent task with one retry, running
    Flow flow = flow()
        .task("a", t -> t.local(TestActions.Echo.class).idempotent()
            .retry(RetryPolicy.fixed(1, Duration.ofSeconds(10))))
        .build();
    ExecutionState s = advanced(started(flow), T0);

    // when the engine restarts
    List<ExecutionEvent> events = Round.interrupted(s, T1);

    // then it is re-run at once, marked as a re-run
    assertThat(events).containsExactly(
        new TaskFailed("a", 1, "interrupted", TaskRun.INTERRUPTED, null, T1),
        new TaskRetryScheduled("a", 2, T1, true, T1));
    s = apply(s, events);
    assertThat(s.task("a").reruns()).isEqualTo(1);
    List<ExecutionEvent> rerun = Round.advance(s, T1, tokens);
    assertThat(rerun).containsExactly(
        new TaskScheduled("a", 2, T1), new TaskStarted("a", 2, "t2", null, T1));
    s = apply(s, rerun);

    // when the re-run fails, its one retry is still there
    List<ExecutionEvent> failure = Round.failure(s, "a", 2, "boom", "it broke", null, T2);
    assertThat(failure).containsExactly(
        new TaskFailed("a", 2, "boom", "it broke", null, T2),
        new TaskRetryScheduled("a", 3, T2.plusSeconds(10), false, T2));

    // and when the retry fails too, the task has used up its retries
    s = advanced(apply(s, failure), T2.plusSeconds(10));
    assertThat(s.task("a").attempt()).isEqualTo(3);
    assertThat(Round.failure(s, "a", 3, "boom", "it broke", null, T3))
        .containsExactly(new TaskFailed("a", 3, "boom", "it broke", null, T3));
  }

  // ---- cancelling ----

  @Test
  void cancelCancelsActiveTasksSkipsPendingOnesAndEndsCancelled() {
    // given a running, b waiting for a callback, c pending on a, d waiting for a retry
    Flow flow = flow()
        .task("a", t -> t.local(TestActions.Echo.class))
        .task("b", t -> t.delegate(TestActions.Delegate.class))
        .task("c", t -> t.local(TestActions.Echo.class).dependsOn("a"))
        .task("d", t -> t.local(TestActions.Echo.class)
            .retry(RetryPolicy.fixed(1, Duration.ofMinutes(1))))
        .build();
    ExecutionState s = advanced(started(flow), T0).apply(new TaskDelayed("b", 1, T0));
    s = failed(s, "d", "boom", T1);
    assertThat(s.task("d").status()).isEqualTo(RETRY_WAIT);

    // when it is cancelled
    List<ExecutionEvent> events = Round.cancel(s, "no longer needed", T2);

    // then what is in flight or waiting is cancelled, what never ran skipped, and it ends
    assertThat(names(events)).containsExactly("TaskCancelled(a)", "TaskCancelled(b)",
        "TaskSkipped(c)", "TaskCancelled(d)", "ExecutionCancelled");
    assertThat(events.get(events.size() - 1))
        .isEqualTo(new ExecutionCancelled("no longer needed", T2));
    s = apply(s, events);
    assertThat(s.status()).isEqualTo(ExecutionStatus.CANCELLED);
    assertThat(s.error()).isEqualTo("no longer needed");
    assertThat(s.tasks().values()).extracting(TaskRun::status)
        .containsExactly(CANCELLED, CANCELLED, SKIPPED, CANCELLED);

    // and nothing follows a cancelled execution
    assertThat(Round.advance(s, T3, tokens)).isEmpty();
  }

  @Test
  void aSucceededTaskIsLeftAsItIsByCancel() {
    Flow flow = flow()
        .task("a", t -> t.local(TestActions.Echo.class))
        .task("b", t -> t.local(TestActions.Echo.class))
        .build();
    ExecutionState s = succeeded(advanced(started(flow), T0), "a", T1);

    ExecutionState after = apply(s, Round.cancel(s, "stop", T2));

    assertThat(after.task("a").status()).isEqualTo(SUCCEEDED);
    assertThat(after.task("b").status()).isEqualTo(CANCELLED);
  }
}
