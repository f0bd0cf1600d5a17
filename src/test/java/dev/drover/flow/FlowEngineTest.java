package dev.drover.flow;

import static dev.drover.flow.FlowTestKit.WAIT;
import static dev.drover.flow.FlowTestKit.get;
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
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.drover.flow.CompletionResult.Outcome;
import dev.drover.flow.FlowService.CompletionStatus;
import dev.drover.observe.RunEvents;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The engine's behaviour: batching, retries, watchdogs, delegates, failures, control. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FlowEngineTest {
  @TempDir static Path data;
  private FlowTestKit engine;

  @BeforeAll
  void start() {
    engine = new FlowTestKit(data);
  }

  @AfterAll
  void stop() {
    engine.close();
  }

  private static String id() {
    return "e-" + UUID.randomUUID();
  }

  private static ObjectNode params() {
    return JsonNodeFactory.instance.objectNode();
  }

  private String token(String id, String task) {
    await().atMost(WAIT).until(() -> TestActions.TOKENS.containsKey(id + "/" + task));
    return TestActions.TOKENS.get(id + "/" + task);
  }

  @Test
  void independentBranchesFinishWhileADelegateTaskWaits() {
    // given a delegate task "approve" beside a chain a -> b -> c, joined by "ship"
    Flow flow = Flow.builder("mistral")
        .task("approve", t -> t.delegate(TestActions.Delegate.class))
        .task("a", t -> t.local(TestActions.Echo.class))
        .task("b", t -> t.local(TestActions.Echo.class).dependsOn("a"))
        .task("c", t -> t.local(TestActions.Echo.class).dependsOn("b"))
        .task("ship", t -> t.local(TestActions.Collect.class).dependsOn("approve", "c"))
        .build();
    String id = id();

    // when it starts
    get(engine.flows.start(id, flow, null));

    // then the chain runs to its end while "approve" waits, holding nothing
    ExecutionState waiting = engine.until(id, s -> s.task("c").status() == SUCCEEDED);
    assertThat(waiting.task("approve").status()).isEqualTo(DELAYED);
    assertThat(waiting.task("ship").status()).isEqualTo(PENDING);
    assertThat(waiting.status()).isEqualTo(ExecutionStatus.RUNNING);

    // when a third party completes "approve" with its token
    CompletionResult result = get(engine.flows.completeTask(id, "approve", token(id, "approve"),
        CompletionStatus.SUCCESS, TextNode.valueOf("yes"), null));

    // then "ship" runs with both outputs and the execution succeeds
    assertThat(result.outcome()).isEqualTo(Outcome.ACCEPTED);
    ExecutionState end = engine.awaitEnd(id);
    assertThat(end.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(end.task("ship").output().get("approve").asText()).isEqualTo("yes");
    assertThat(end.task("approve").statuses())
        .containsExactly(PENDING, SCHEDULED, RUNNING, DELAYED, SUCCEEDED);
  }

  @Test
  void retryCountNMeansNRetriesAfterTheFirstAttemptWithGrowingDelays() {
    // given a task that always fails, with 3 retries from 50 ms doubling
    Flow flow = Flow.builder("retry")
        .task("flaky", t -> t.local(TestActions.Flaky.class)
            .retry(RetryPolicy.backoff(3, Duration.ofMillis(50), 2.0, Duration.ofSeconds(5))))
        .build();
    String id = id();

    // when it runs
    get(engine.flows.start(id, flow, null));
    ExecutionState end = engine.awaitEnd(id);

    // then it ran 1 + 3 times, through exactly these states, and the execution failed
    TaskRun run = end.task("flaky");
    assertThat(TestActions.runs(id, "flaky")).isEqualTo(4);
    assertThat(run.statuses()).containsExactly(PENDING,
        SCHEDULED, RUNNING, FAILED, RETRY_WAIT,
        SCHEDULED, RUNNING, FAILED, RETRY_WAIT,
        SCHEDULED, RUNNING, FAILED, RETRY_WAIT,
        SCHEDULED, RUNNING, FAILED);
    assertThat(end.status()).isEqualTo(ExecutionStatus.FAILED);
    // and each retry was due 50, 100, 200 ms after its failure
    List<Duration> delays = run.history().stream()
        .filter(s -> s.status() == RETRY_WAIT)
        .map(s -> Duration.between(s.at(), s.due()))
        .toList();
    assertThat(delays).containsExactly(
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(200));
  }

  @Test
  void aRetryCanSucceed() {
    Flow flow = Flow.builder("retry-ok")
        .task("flaky", t -> t.local(TestActions.Flaky.class)
            .params(params().put("succeedOn", 2))
            .retry(RetryPolicy.fixed(2, Duration.ofMillis(10))))
        .build();
    String id = id();
    get(engine.flows.start(id, flow, null));
    ExecutionState end = engine.awaitEnd(id);
    assertThat(end.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(end.task("flaky").output().asInt()).isEqualTo(2);
    assertThat(end.task("flaky").statuses()).containsExactly(PENDING,
        SCHEDULED, RUNNING, FAILED, RETRY_WAIT, SCHEDULED, RUNNING, SUCCEEDED);
  }

  @Test
  void eachEndedAttemptIsPublishedOnThisNodeWithItsStartAndOutcome() {
    // given a listener on this node's event stream, and a task that fails once, then succeeds
    List<RunEvents.AttemptEnded> ended = new CopyOnWriteArrayList<>();
    var listener = engine.kit.spawn(
        org.apache.pekko.actor.typed.javadsl.Behaviors.<RunEvents.AttemptEnded>receiveMessage(e -> {
          ended.add(e);
          return org.apache.pekko.actor.typed.javadsl.Behaviors.same();
        }));
    engine.kit.system().eventStream().tell(new org.apache.pekko.actor.typed.eventstream
        .EventStream.Subscribe<>(RunEvents.AttemptEnded.class, listener));
    Flow flow = Flow.builder("retry-observed")
        .task("flaky", t -> t.local(TestActions.Flaky.class)
            .params(params().put("succeedOn", 2))
            .retry(RetryPolicy.fixed(2, Duration.ofMillis(10))))
        .build();
    String id = id();

    // when it runs
    get(engine.flows.start(id, flow, null));
    ExecutionState end = engine.awaitEnd(id);

    // then both attempts ended once each, the first in error, from their own RUNNING step
    await().atMost(WAIT).until(() -> ended.stream().filter(e -> e.executionId().equals(id))
        .count() == 2);
    List<RunEvents.AttemptEnded> mine = ended.stream()
        .filter(e -> e.executionId().equals(id)).toList();
    assertThat(mine).extracting(RunEvents.AttemptEnded::attempt, RunEvents.AttemptEnded::outcome)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(1, "error"),
            org.assertj.core.groups.Tuple.tuple(2, "done"));
    assertThat(mine).allSatisfy(e -> {
      assertThat(e.flow()).isEqualTo("retry-observed");
      assertThat(e.ended()).isAfterOrEqualTo(e.started());
    });
    assertThat(mine.get(1).started()).isAfterOrEqualTo(mine.get(0).ended());
    assertThat(mine.get(1).ended()).isEqualTo(end.task("flaky").history().get(
        end.task("flaky").history().size() - 1).at());
    engine.kit.stop(listener);
  }

  @Test
  void breakOnStopsRetrying() {
    // given a task failing with kind "validation", which its policy does not retry
    Flow flow = Flow.builder("break")
        .task("strict", t -> t.local(TestActions.Flaky.class)
            .params(params().put("kind", "validation"))
            .retry(RetryPolicy.fixed(5, Duration.ofMillis(10)).breakingOn("validation")))
        .build();
    String id = id();
    get(engine.flows.start(id, flow, null));
    ExecutionState end = engine.awaitEnd(id);
    // then it ran once
    assertThat(TestActions.runs(id, "strict")).isEqualTo(1);
    assertThat(end.task("strict").statuses()).containsExactly(PENDING, SCHEDULED, RUNNING, FAILED);
    assertThat(end.task("strict").errorKind()).isEqualTo("validation");
  }

  @Test
  void watchdogFiresOnAHungLocalTaskAndEachRetryHasItsOwnTimer() {
    // given a task that hangs, with a 300 ms timeout and one retry
    Flow flow = Flow.builder("hung")
        .task("hang", t -> t.local(TestActions.Gate.class).timeout(Duration.ofMillis(300))
            .retry(RetryPolicy.fixed(1, Duration.ZERO)))
        .build();
    String id = id();
    get(engine.flows.start(id, flow, null));

    // then both attempts time out, each interrupted, and the execution fails
    ExecutionState end = engine.awaitEnd(id);
    TaskRun run = end.task("hang");
    assertThat(run.statuses()).containsExactly(PENDING,
        SCHEDULED, RUNNING, FAILED, RETRY_WAIT, SCHEDULED, RUNNING, FAILED);
    assertThat(run.errorKind()).isEqualTo("timeout");
    assertThat(run.history()).filteredOn(s -> s.status() == FAILED)
        .extracting(TaskRun.Step::note).allMatch(n -> n.startsWith("timeout"));
    await().atMost(WAIT).untilAsserted(() -> assertThat(TestActions.INTERRUPTED)
        .contains(id + "/hang#1", id + "/hang#2"));
  }

  @Test
  void watchdogFiresOnADelegateThatNeverAnswersAndTheRetryTakesANewToken() {
    // given a delegate with a 300 ms watchdog and one retry
    Flow flow = Flow.builder("silent")
        .task("approve", t -> t.delegate(TestActions.Delegate.class)
            .timeout(Duration.ofMillis(300)).retry(RetryPolicy.fixed(1, Duration.ZERO)))
        .build();
    String id = id();
    get(engine.flows.start(id, flow, null));
    String first = token(id, "approve");

    // when the first attempt times out and the second waits
    engine.until(id, s -> s.task("approve").attempt() == 2
        && s.task("approve").status() == DELAYED);

    // then the first token is stale and the second one completes the task
    assertThat(get(engine.flows.completeTask(id, "approve", first, CompletionStatus.SUCCESS,
        null, null)).outcome()).isEqualTo(Outcome.STALE_ATTEMPT);
    String second = engine.state(id).task("approve").token();
    assertThat(second).isNotEqualTo(first);
    assertThat(get(engine.flows.completeTask(id, "approve", second, CompletionStatus.SUCCESS,
        TextNode.valueOf("late yes"), null)).outcome()).isEqualTo(Outcome.ACCEPTED);
    assertThat(engine.awaitEnd(id).status()).isEqualTo(ExecutionStatus.SUCCEEDED);
  }

  @Test
  void delegateWithoutRetryFailsWhenItsWatchdogFires() {
    Flow flow = Flow.builder("silent-once")
        .task("approve", t -> t.delegate(TestActions.Delegate.class)
            .timeout(Duration.ofMillis(200)))
        .build();
    String id = id();
    get(engine.flows.start(id, flow, null));
    ExecutionState end = engine.awaitEnd(id);
    assertThat(end.status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(end.task("approve").statuses())
        .containsExactly(PENDING, SCHEDULED, RUNNING, DELAYED, FAILED);
    assertThat(end.task("approve").errorKind()).isEqualTo("timeout");
  }

  @Test
  void hundredConcurrentCompletionsOfOneAttemptAreAcceptedExactlyOnce() throws Exception {
    // given a delegate task waiting for its callback, and a subscriber counting events
    Flow flow = Flow.builder("race")
        .task("approve", t -> t.delegate(TestActions.Delegate.class))
        .build();
    String id = id();
    List<FlowEvent> events = new CopyOnWriteArrayList<>();
    try (AutoCloseable sub = engine.flows.subscribe(e -> {
      if (e.executionId().equals(id)) {
        events.add(e);
      }
    })) {
      get(engine.flows.start(id, flow, null));
      String token = token(id, "approve");
      engine.awaitTask(id, "approve", DELAYED);

      // when 100 threads complete it at once
      ExecutorService threads = Executors.newFixedThreadPool(16);
      try {
        List<CompletableFuture<CompletionResult>> results = IntStream.range(0, 100)
            .mapToObj(i -> CompletableFuture.supplyAsync(() -> get(engine.flows.completeTask(id,
                "approve", token, CompletionStatus.SUCCESS, TextNode.valueOf("by " + i), null)),
                threads))
            .toList();
        Map<Outcome, Long> outcomes = results.stream().map(CompletableFuture::join)
            .collect(Collectors.groupingBy(CompletionResult::outcome, Collectors.counting()));

        // then exactly one is accepted and 99 are refused as already completed
        assertThat(outcomes).containsExactlyInAnyOrderEntriesOf(
            Map.of(Outcome.ACCEPTED, 1L, Outcome.ALREADY_COMPLETED, 99L));
      } finally {
        threads.shutdownNow();
      }
      // and the task succeeded once
      ExecutionState end = engine.awaitEnd(id);
      assertThat(end.task("approve").statuses()).filteredOn(s -> s == SUCCEEDED).hasSize(1);
      await().atMost(WAIT).untilAsserted(() -> assertThat(events)
          .filteredOn(e -> "approve".equals(e.task()) && e.detail().startsWith("TaskSucceeded"))
          .hasSize(1));
    }
  }

  @Test
  void completionsAreRefusedWithTheirReason() {
    Flow flow = Flow.builder("refusals")
        .task("approve", t -> t.delegate(TestActions.Delegate.class))
        .build();
    String id = id();
    get(engine.flows.start(id, flow, null));
    String token = token(id, "approve");
    Function<String[], Outcome> complete = a -> get(engine.flows.completeTask(a[0], a[1], a[2],
        CompletionStatus.SUCCESS, null, null)).outcome();
    assertThat(complete.apply(new String[] {id, "approve", "forged"}))
        .isEqualTo(Outcome.BAD_TOKEN);
    assertThat(complete.apply(new String[] {id, "nope", token})).isEqualTo(Outcome.UNKNOWN_TASK);
    assertThat(complete.apply(new String[] {"no-such-" + id, "approve", token}))
        .isEqualTo(Outcome.UNKNOWN_EXECUTION);
    assertThat(complete.apply(new String[] {id, "approve", token})).isEqualTo(Outcome.ACCEPTED);
    engine.awaitEnd(id);
    assertThat(complete.apply(new String[] {id, "approve", token}))
        .isEqualTo(Outcome.ALREADY_COMPLETED);
  }

  @Test
  void failFastCancelsARunningSiblingAndRunsOnErrorWithTheFailure() {
    // given a failing task beside a long one, and an on-error task
    Flow flow = Flow.builder("fail-fast")
        .task("long", t -> t.local(TestActions.Gate.class))
        .task("boom", t -> t.local(TestActions.Throws.class).dependsOn("wait"))
        .task("wait", t -> t.local(TestActions.Echo.class))
        .task("after", t -> t.local(TestActions.Echo.class).dependsOn("boom"))
        .onError(t -> t.local(TestActions.RecordFailure.class))
        .build();
    String id = id();
    get(engine.flows.start(id, flow, null));

    // then the long sibling is cancelled (its thread interrupted), the dependent skipped
    ExecutionState end = engine.awaitEnd(id);
    assertThat(end.status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(end.task("long").status()).isEqualTo(CANCELLED);
    assertThat(end.task("after").status()).isEqualTo(SKIPPED);
    await().atMost(WAIT).until(() -> TestActions.INTERRUPTED.contains(id + "/long#1"));
    // and on_error ran with the failed task's name and error, before the execution failed
    assertThat(end.task(Flow.ON_ERROR).status()).isEqualTo(SUCCEEDED);
    assertThat(TestActions.ON_ERROR.get(id).get("failedTaskName").asText()).isEqualTo("boom");
    assertThat(TestActions.ON_ERROR.get(id).get("failedTaskError").asText())
        .contains("exploded in boom");
    assertThat(end.failedTask()).isEqualTo("boom");
    assertThat(end.endedAt()).isAfterOrEqualTo(
        end.task(Flow.ON_ERROR).history().get(end.task(Flow.ON_ERROR).history().size() - 1).at());
  }

  @Test
  void continueAfterFailureLetsARunningSiblingFinish() {
    // given the same failure in a flow that continues after failures
    Flow flow = Flow.builder("continue")
        .continueAfterFailure()
        .task("long", t -> t.local(TestActions.Gate.class))
        .task("boom", t -> t.local(TestActions.Throws.class))
        .task("after", t -> t.local(TestActions.Echo.class).dependsOn("boom"))
        .task("next", t -> t.local(TestActions.Echo.class).dependsOn("long"))
        .build();
    String id = id();
    get(engine.flows.start(id, flow, null));
    engine.until(id, s -> s.task("boom").status() == FAILED
        && s.task("after").status() == SKIPPED);
    assertThat(engine.state(id).task("long").status()).isEqualTo(RUNNING);

    // when the long task finishes
    TestActions.open(id, "long");

    // then it and its dependent succeed, and the execution fails for "boom"
    ExecutionState end = engine.awaitEnd(id);
    assertThat(end.task("long").status()).isEqualTo(SUCCEEDED);
    assertThat(end.task("next").status()).isEqualTo(SUCCEEDED);
    assertThat(end.status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(end.failedTask()).isEqualTo("boom");
  }

  @Test
  void allowFailureLetsDependentsRunAndTheExecutionSucceed() {
    Flow flow = Flow.builder("allowed")
        .task("optional", t -> t.local(TestActions.Throws.class).allowFailure())
        .task("after", t -> t.local(TestActions.Echo.class).dependsOn("optional"))
        .build();
    String id = id();
    get(engine.flows.start(id, flow, null));
    ExecutionState end = engine.awaitEnd(id);
    assertThat(end.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(end.task("optional").status()).isEqualTo(FAILED);
    assertThat(end.task("after").status()).isEqualTo(SUCCEEDED);
  }

  @Test
  void maxParallelLimitsRunningAttempts() {
    // given four independent tasks that wait at their gates, two at a time
    Flow.Builder b = Flow.builder("parallel").maxParallel(2);
    for (String n : List.of("t1", "t2", "t3", "t4")) {
      b.task(n, t -> t.local(TestActions.Gate.class));
    }
    String id = id();
    get(engine.flows.start(id, b.build(), null));
    ExecutionState two = engine.until(id, s -> running(s) == 2);
    assertThat(two.tasks().values()).filteredOn(r -> r.status() == SCHEDULED).hasSize(2);
    // when the running ones finish, the others start
    two.tasks().values().stream().filter(r -> r.status() == RUNNING)
        .forEach(r -> TestActions.open(id, r.name()));
    engine.until(id, s -> s.tasks().values().stream()
        .filter(r -> r.status() == SUCCEEDED).count() == 2 && running(s) == 2);
    List.of("t1", "t2", "t3", "t4").forEach(n -> TestActions.open(id, n));
    assertThat(engine.awaitEnd(id).status()).isEqualTo(ExecutionStatus.SUCCEEDED);
  }

  private static long running(ExecutionState s) {
    return s.tasks().values().stream().filter(r -> r.status() == RUNNING).count();
  }

  @Test
  void pauseStopsNewStartsUntilResume() {
    // given a -> b where a waits at its gate
    Flow flow = Flow.builder("pause")
        .task("a", t -> t.local(TestActions.Gate.class))
        .task("b", t -> t.local(TestActions.Echo.class).dependsOn("a"))
        .build();
    String id = id();
    get(engine.flows.start(id, flow, null));
    engine.awaitTask(id, "a", RUNNING);

    // when paused, a finishes but b does not start
    assertThat(get(engine.flows.pause(id)).done()).isTrue();
    TestActions.open(id, "a");
    ExecutionState paused = engine.until(id, s -> s.task("a").status() == SUCCEEDED);
    assertThat(paused.status()).isEqualTo(ExecutionStatus.PAUSED);
    assertThat(paused.task("b").status()).isEqualTo(PENDING);

    // when resumed, b runs and the execution succeeds
    assertThat(get(engine.flows.resume(id)).done()).isTrue();
    assertThat(engine.awaitEnd(id).status()).isEqualTo(ExecutionStatus.SUCCEEDED);
  }

  @Test
  void cancelStopsRunningTasksAndRunsNoOnError() {
    Flow flow = Flow.builder("cancel")
        .task("a", t -> t.local(TestActions.Gate.class))
        .task("b", t -> t.local(TestActions.Echo.class).dependsOn("a"))
        .onError(t -> t.local(TestActions.RecordFailure.class))
        .build();
    String id = id();
    get(engine.flows.start(id, flow, null));
    engine.awaitTask(id, "a", RUNNING);
    Execution.Reply reply = get(engine.flows.cancel(id, "user asked"));
    assertThat(reply.done()).isTrue();
    ExecutionState end = engine.awaitEnd(id);
    assertThat(end.status()).isEqualTo(ExecutionStatus.CANCELLED);
    assertThat(end.task("a").status()).isEqualTo(CANCELLED);
    assertThat(end.task("b").status()).isEqualTo(SKIPPED);
    assertThat(end.task(Flow.ON_ERROR)).isNull();
    assertThat(get(engine.flows.cancel(id, "again")).done()).isFalse();
  }

  @Test
  void listFiltersByFlowAndStatus() {
    Flow ok = Flow.builder("list-ok").task("a", t -> t.local(TestActions.Echo.class)).build();
    Flow bad = Flow.builder("list-bad").task("a", t -> t.local(TestActions.Throws.class)).build();
    String a = id();
    String b = id();
    get(engine.flows.start(a, ok, null));
    get(engine.flows.start(b, bad, null));
    engine.awaitEnd(a);
    engine.awaitEnd(b);
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(get(engine.flows.list(ExecutionFilter.ALL.withFlow("list-ok"))))
          .extracting(ExecutionSummary::id).containsExactly(a);
      assertThat(get(engine.flows.list(ExecutionFilter.ALL.withStatuses(ExecutionStatus.FAILED))))
          .extracting(ExecutionSummary::id).contains(b).doesNotContain(a);
    });
  }
}
