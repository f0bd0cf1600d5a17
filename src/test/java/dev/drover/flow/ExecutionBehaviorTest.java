package dev.drover.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.TextNode;
import com.typesafe.config.ConfigFactory;
import dev.drover.config.DroverConfig;
import dev.drover.flow.CompletionResult.Outcome;
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
import dev.drover.flow.ExecutionEvent.TaskStarted;
import dev.drover.flow.ExecutionEvent.TaskSucceeded;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The {@link Execution} entity alone, on the in-memory journal of {@link
 * EventSourcedBehaviorTestKit}, which also checks that its commands, replies, events and state
 * round-trip through Jackson CBOR.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExecutionBehaviorTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private ActorTestKit kit;
  private ExecutorService executor;
  private SerializationTestKit serialization;

  private String id;
  private TestProbe<ExecutionDirectory.Command> directory;
  private TestProbe<Topic.Command<FlowEvent>> topic;
  private EventSourcedBehaviorTestKit<Execution.Command, ExecutionEvent, ExecutionState> execution;

  @BeforeAll
  void startKit() {
    // the project's application.conf asks for a cluster; the entity without sharding needs none
    kit = ActorTestKit.create("ExecutionBehaviorTest",
        ConfigFactory.parseString("pekko.actor.provider = local")
            .withFallback(EventSourcedBehaviorTestKit.config())
            .withFallback(DroverConfig.load()));
    executor = Executors.newCachedThreadPool();
    serialization = new SerializationTestKit(kit.system());
  }

  @AfterAll
  void stopKit() {
    // interrupts the gates still waiting
    executor.shutdownNow();
    kit.shutdownTestKit();
  }

  @BeforeEach
  void newExecution() {
    id = "e-" + UUID.randomUUID();
    directory = kit.createTestProbe();
    topic = kit.createTestProbe();
    EngineRuntime runtime = new EngineRuntime(new LocalActions(executor), null,
        TaskContext.OutputSink.DISCARD, confirming(directory), topic.ref(), Duration.ofHours(1),
        100, Clock.systemUTC());
    execution = EventSourcedBehaviorTestKit.create(kit.system(), Execution.create(id, runtime));
  }

  @AfterEach
  void everythingJournaledRoundTrips() {
    // events written by the entity's own Flush are not seen by runCommand's checks: check them
    // and the last state here
    persisted().forEach(e -> serialization.verifySerialization(e, false));
    serialization.verifySerialization(execution.getState(), false);
  }

  // ---- helpers ----

  /** A directory that confirms each durable report at once; the reports go to {@code probe}. */
  private ActorRef<ExecutionDirectory.Command> confirming(
      TestProbe<ExecutionDirectory.Command> probe) {
    return kit.spawn(Behaviors.<ExecutionDirectory.Command>receiveMessage(c -> {
      if (c instanceof ExecutionDirectory.TrackDurably t) {
        probe.ref().tell(t.track());
        t.replyTo().tell(Done.getInstance());
      } else {
        probe.ref().tell(c);
      }
      return Behaviors.same();
    }));
  }

  private static Flow oneDelegate() {
    return Flow.builder("approval")
        .task("approve", t -> t.delegate(TestActions.Delegate.class))
        .build();
  }

  private CommandResultWithReply<Execution.Command, ExecutionEvent, ExecutionState,
      Execution.StartReply> start(Flow flow) {
    return execution.runCommand(
        replyTo -> new Execution.Start(flow, TextNode.valueOf("in"), replyTo));
  }

  private ExecutionState until(Predicate<ExecutionState> condition) {
    ExecutionState[] last = new ExecutionState[1];
    await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> {
      last[0] = execution.getState();
      return condition.test(last[0]);
    });
    return last[0];
  }

  private ExecutionState untilTask(String task, TaskStatus status) {
    return until(s -> s.task(task) != null && s.task(task).status() == status);
  }

  private List<Object> persisted() {
    return execution.persistenceTestKit()
        .persistedInStorage(Execution.TYPE_KEY.name() + "|" + id);
  }

  /** The types of the journaled facts, rounds unfolded. */
  private List<Class<?>> persistedTypes() {
    return types(persisted().stream().map(ExecutionEvent.class::cast).toList());
  }

  private static List<Class<?>> types(List<ExecutionEvent> events) {
    return facts(events).stream().<Class<?>>map(Object::getClass).toList();
  }

  /** The facts of the journaled entries, rounds unfolded. */
  private static List<ExecutionEvent> facts(List<ExecutionEvent> events) {
    return events.stream().flatMap(e -> e instanceof ExecutionEvent.Round r
        ? r.facts().stream() : java.util.stream.Stream.of(e)).toList();
  }

  private CommandResultWithReply<Execution.Command, ExecutionEvent, ExecutionState,
      CompletionResult> complete(String task, String token) {
    return execution.runCommand(replyTo -> new Execution.CompleteTask(task, token, true,
        TextNode.valueOf("approved"), null, replyTo));
  }

  // ---- starting ----

  @Test
  void startJournalsTheStartAndTheFirstRoundAndRepliesCreated() {
    // given a fresh entity and a flow of one delegate task
    // when it is started
    var result = start(oneDelegate());

    // then the start and the first round are journaled in that order, and the reply says created
    assertThat(types(result.events())).startsWith(
        ExecutionStarted.class, TaskScheduled.class, TaskStarted.class);
    assertThat(result.reply().created()).isTrue();
    assertThat(result.reply().state().id()).isEqualTo(id);
    assertThat(result.reply().state().task("approve").token()).isNotBlank();
    ExecutionStarted started = (ExecutionStarted) facts(result.events()).get(0);
    assertThat(started.executionId()).isEqualTo(id);
    assertThat(started.flow()).isEqualTo(oneDelegate());

    // and the delegate, handing its token out, leaves the task waiting for its callback
    ExecutionState waiting = untilTask("approve", TaskStatus.DELAYED);
    assertThat(TestActions.TOKENS.get(id + "/approve"))
        .isEqualTo(waiting.task("approve").token());
    assertThat(persistedTypes()).containsExactly(ExecutionStarted.class, TaskScheduled.class,
        TaskStarted.class, TaskDelayed.class);
  }

  @Test
  void aSecondStartJournalsNothingAndRepliesNotCreated() {
    // given a started execution
    var first = start(oneDelegate());
    untilTask("approve", TaskStatus.DELAYED);

    // when it is started again
    var second = start(oneDelegate());

    // then nothing is journaled and the reply carries the existing execution
    assertThat(second.hasNoEvents()).isTrue();
    assertThat(second.reply().created()).isFalse();
    assertThat(second.reply().state().startedAt()).isEqualTo(first.reply().state().startedAt());
    assertThat(TestActions.runs(id, "approve")).isEqualTo(1);
  }

  // ---- completing a delegate ----

  @Test
  void aCompletionWithAWrongTokenIsRefusedAndJournalsNothing() {
    // given a delegate waiting for its callback
    start(oneDelegate());
    untilTask("approve", TaskStatus.DELAYED);

    // when it is completed with a token it never handed out
    var result = complete("approve", "not-a-token");

    // then the completion is refused as BAD_TOKEN and nothing changes
    assertThat(result.reply().outcome()).isEqualTo(Outcome.BAD_TOKEN);
    assertThat(result.reply().message()).contains("'approve'");
    assertThat(result.hasNoEvents()).isTrue();
    assertThat(result.state().task("approve").status()).isEqualTo(TaskStatus.DELAYED);
  }

  @Test
  void aCompletionOfAnUnknownTaskIsRefused() {
    start(oneDelegate());
    untilTask("approve", TaskStatus.DELAYED);

    var result = complete("reject", "whatever");

    assertThat(result.reply().outcome()).isEqualTo(Outcome.UNKNOWN_TASK);
    assertThat(result.hasNoEvents()).isTrue();
  }

  @Test
  void theFirstCompletionWithTheRightTokenIsAcceptedAndEndsTheExecution() {
    // given a delegate waiting for its callback
    start(oneDelegate());
    String token = untilTask("approve", TaskStatus.DELAYED).task("approve").token();

    // when it is completed with its token
    var result = complete("approve", token);

    // then it is accepted once durable: the task succeeded with the given output, and the
    // execution completed
    assertThat(result.reply().outcome()).isEqualTo(Outcome.ACCEPTED);
    assertThat(types(result.events()))
        .containsExactly(TaskSucceeded.class, ExecutionCompleted.class);
    ExecutionState end = result.state();
    assertThat(end.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(end.task("approve").output()).isEqualTo(TextNode.valueOf("approved"));
    assertThat(end.output().get("approve")).isEqualTo(TextNode.valueOf("approved"));

    // and a second completion with the same token is refused as already completed
    var again = complete("approve", token);
    assertThat(again.reply().outcome()).isEqualTo(Outcome.ALREADY_COMPLETED);
    assertThat(again.hasNoEvents()).isTrue();
  }

  @Test
  void aCompletionWithAnErrorFailsTheTask() {
    start(oneDelegate());
    String token = untilTask("approve", TaskStatus.DELAYED).task("approve").token();

    var result = execution.<CompletionResult>runCommand(replyTo -> new Execution.CompleteTask(
        "approve", token, false, null, "rejected by the approver", replyTo));

    assertThat(result.reply().outcome()).isEqualTo(Outcome.ACCEPTED);
    assertThat(types(result.events())).containsExactly(TaskFailed.class, ExecutionFailed.class);
    assertThat(result.state().status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(result.state().task("approve").errorKind()).isEqualTo("delegate");
    assertThat(result.state().error()).contains("rejected by the approver");
  }

  // ---- pause, resume, cancel ----

  @Test
  void aPausedExecutionStartsNoTaskUntilResumed() {
    // given approve -> publish, approve waiting for its callback
    Flow flow = Flow.builder("review")
        .task("approve", t -> t.delegate(TestActions.Delegate.class))
        .task("publish", t -> t.local(TestActions.Echo.class).dependsOn("approve"))
        .build();
    start(flow);
    String token = untilTask("approve", TaskStatus.DELAYED).task("approve").token();

    // when it is paused and approve is completed
    var paused = execution.<Execution.Reply>runCommand(Execution.Pause::new);
    assertThat(paused.reply().done()).isTrue();
    assertThat(types(paused.events())).containsExactly(ExecutionPaused.class);
    assertThat(paused.state().status()).isEqualTo(ExecutionStatus.PAUSED);
    var completed = complete("approve", token);

    // then approve succeeded but publish did not start
    assertThat(completed.reply().accepted()).isTrue();
    assertThat(types(completed.events())).containsExactly(TaskSucceeded.class);
    assertThat(completed.state().task("publish").status()).isEqualTo(TaskStatus.PENDING);

    // and a second pause is refused
    var pausedAgain = execution.<Execution.Reply>runCommand(Execution.Pause::new);
    assertThat(pausedAgain.reply().done()).isFalse();
    assertThat(pausedAgain.reply().message()).contains("PAUSED");

    // when it is resumed, publish starts and the execution completes
    var resumed = execution.<Execution.Reply>runCommand(Execution.Resume::new);
    assertThat(resumed.reply().done()).isTrue();
    assertThat(types(resumed.events()))
        .startsWith(ExecutionResumed.class, TaskScheduled.class, TaskStarted.class);
    ExecutionState end = until(s -> s.status().isFinal());
    assertThat(end.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(end.task("publish").output()).isEqualTo(TextNode.valueOf("publish"));
  }

  @Test
  void cancellingARunningExecutionCancelsItsTaskAndInterruptsTheAttempt() {
    // given a task running in a gate that stays closed
    Flow flow = Flow.builder("long")
        .task("wait", t -> t.local(TestActions.Gate.class))
        .task("after", t -> t.local(TestActions.Echo.class).dependsOn("wait"))
        .build();
    start(flow);
    await().atMost(WAIT).until(() -> TestActions.runs(id, "wait") == 1);

    // when the execution is cancelled
    var result = execution.<Execution.Reply>runCommand(
        replyTo -> new Execution.Cancel("not needed", replyTo));

    // then the running task is cancelled, the pending one skipped, and the attempt interrupted
    assertThat(result.reply().done()).isTrue();
    assertThat(types(result.events())).containsExactly(
        TaskCancelled.class, ExecutionEvent.TaskSkipped.class, ExecutionCancelled.class);
    assertThat(result.state().status()).isEqualTo(ExecutionStatus.CANCELLED);
    assertThat(result.state().error()).isEqualTo("not needed");
    await().atMost(WAIT).until(() -> TestActions.INTERRUPTED.contains(id + "/wait#1"));

    // and the attempt ending afterwards changes nothing; a second cancel is refused
    var again = execution.<Execution.Reply>runCommand(
        replyTo -> new Execution.Cancel("again", replyTo));
    assertThat(again.reply().done()).isFalse();
    assertThat(again.hasNoEvents()).isTrue();
    assertThat(execution.getState().status()).isEqualTo(ExecutionStatus.CANCELLED);
  }

  // ---- recovery ----

  @Test
  void recoversFromASnapshotAndTheEventsAfterIt() {
    // given an entity that snapshots every 2 events and deletes the events before the older
    // of its two kept snapshots
    EngineRuntime runtime = new EngineRuntime(new LocalActions(executor), null,
        TaskContext.OutputSink.DISCARD, confirming(directory), topic.ref(), Duration.ofHours(1), 2,
        Clock.systemUTC());
    execution = EventSourcedBehaviorTestKit.create(kit.system(), Execution.create(id, runtime));
    // and a chain of five tasks before a delegate: a round each, then the delegate's delay
    Flow flow = Flow.builder("long")
        .task("a", t -> t.local(TestActions.Echo.class))
        .task("b", t -> t.local(TestActions.Echo.class).dependsOn("a"))
        .task("c", t -> t.local(TestActions.Echo.class).dependsOn("b"))
        .task("d", t -> t.local(TestActions.Echo.class).dependsOn("c"))
        .task("e", t -> t.local(TestActions.Echo.class).dependsOn("d"))
        .task("approve", t -> t.delegate(TestActions.Delegate.class).dependsOn("e"))
        .build();
    start(flow);
    ExecutionState before = untilTask("approve", TaskStatus.DELAYED);
    String pid = Execution.TYPE_KEY.name() + "|" + id;
    await().atMost(WAIT).until(() -> persisted().size() < 7);

    // then the journal holds snapshots and the events after them, not the first events
    assertThat(execution.snapshotTestKit().orElseThrow().persistedInStorage(pid)).isNotEmpty();
    assertThat(persisted()).noneMatch(e -> facts(List.of((ExecutionEvent) e)).stream()
        .anyMatch(ExecutionStarted.class::isInstance));

    // when the entity restarts, then it recovers the state it had, from a snapshot and the
    // delegate's delay after it
    ExecutionState recovered = execution.restart().state();
    assertThat(recovered).isEqualTo(before);

    // and it goes on: the delegate's completion ends the execution
    assertThat(complete("approve", TestActions.TOKENS.get(id + "/approve")).reply().outcome())
        .isEqualTo(Outcome.ACCEPTED);
    assertThat(until(st -> st.status().isFinal()).status()).isEqualTo(ExecutionStatus.SUCCEEDED);
  }

  @Test
  void aTaskRunningWhenTheEntityRestartsFailsAsInterrupted() {
    // given a non-idempotent task running in a gate that stays closed
    Flow flow = Flow.builder("crash")
        .task("wait", t -> t.local(TestActions.Gate.class))
        .build();
    start(flow);
    await().atMost(WAIT).until(() -> TestActions.runs(id, "wait") == 1);

    // when the entity restarts and recovers from its journal
    ExecutionState recovered = execution.restart().state();
    assertThat(recovered.id()).isEqualTo(id);

    // then the attempt failed as interrupted, and with no retry the execution failed
    ExecutionState end = until(s -> s.status().isFinal());
    assertThat(end.status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(end.task("wait").status()).isEqualTo(TaskStatus.FAILED);
    assertThat(end.task("wait").errorKind()).isEqualTo("interrupted");
    assertThat(end.failedTask()).isEqualTo("wait");
    assertThat(persistedTypes()).containsExactly(ExecutionStarted.class, TaskScheduled.class,
        TaskStarted.class, TaskFailed.class, ExecutionFailed.class);
    TestActions.open(id, "wait");
  }

  @Test
  void anIdempotentTaskRunningWhenTheEntityRestartsRunsAgain() {
    // given an idempotent task running in a gate
    Flow flow = Flow.builder("rerun")
        .task("wait", t -> t.local(TestActions.Gate.class).idempotent())
        .build();
    start(flow);
    await().atMost(WAIT).until(() -> TestActions.runs(id, "wait") == 1);

    // when the entity restarts
    execution.restart();

    // then attempt 2 runs as a re-run, and succeeds once the gate opens
    ExecutionState rerunning = until(s -> s.task("wait").attempt() == 2
        && s.task("wait").status() == TaskStatus.RUNNING);
    assertThat(rerunning.task("wait").reruns()).isEqualTo(1);
    assertThat(persistedTypes()).containsSubsequence(TaskFailed.class, TaskRetryScheduled.class,
        TaskScheduled.class, TaskStarted.class);
    await().atMost(WAIT).until(() -> TestActions.runs(id, "wait") == 2);
    TestActions.open(id, "wait");
    ExecutionState end = until(s -> s.status().isFinal());
    assertThat(end.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(end.output().get("wait")).isEqualTo(TextNode.valueOf("opened"));
  }

  @Test
  void theDirectoryIsToldOfTheStartAndTheEnd() {
    // given a started execution of one delegate
    start(oneDelegate());

    // then the directory was told it runs

    ExecutionDirectory.Track started =
        (ExecutionDirectory.Track) directory.receiveMessage(WAIT);
    assertThat(started.id()).isEqualTo(id);
    assertThat(started.status()).isEqualTo(ExecutionStatus.RUNNING);

    // when the delegate is completed
    String token = untilTask("approve", TaskStatus.DELAYED).task("approve").token();
    complete("approve", token);

    // then the directory is told it succeeded, with its end
    ExecutionDirectory.Track ended = (ExecutionDirectory.Track) directory.fishForMessage(WAIT,
        m -> m instanceof ExecutionDirectory.Track t && t.status() == ExecutionStatus.SUCCEEDED
            ? FishingOutcomes.complete()
            : FishingOutcomes.continueAndIgnore())
        .get(0);
    assertThat(ended.endedAt()).isNotNull();
  }

  // ---- events for subscribers ----

  @Test
  void everyFlowEventOfARetryThenTimeoutCarriesItsOwnStatusAndAttempt() {
    // given a delegate that nobody completes, timing out twice (one retry)
    Flow flow = Flow.builder("late")
        .task("approve", t -> t.delegate(TestActions.Delegate.class)
            .timeout(Duration.ofMillis(300)).retry(RetryPolicy.fixed(1, Duration.ofMillis(50))))
        .build();

    // when it runs to its end
    start(flow);
    until(s -> s.status() == ExecutionStatus.FAILED);

    // then subscribers saw each event with the status and attempt right after it
    List<String> seen = new java.util.ArrayList<>();
    while (seen.isEmpty() || !seen.get(seen.size() - 1).startsWith("ExecutionFailed")) {
      FlowEvent e = ((org.apache.pekko.actor.typed.internal.pubsub.TopicImpl.Publish<FlowEvent>)
          topic.receiveMessage(WAIT)).message();
      String detail = e.detail().contains(":") ? e.detail().substring(0, e.detail().indexOf(':'))
          : e.detail();
      seen.add(detail + " " + (e.task() == null ? "" : e.task() + " #" + e.attempt() + " ")
          + e.status());
    }
    assertThat(seen).containsExactly(
        "ExecutionStarted RUNNING",
        "TaskScheduled approve #1 SCHEDULED",
        "TaskStarted approve #1 RUNNING",
        "TaskDelayed approve #1 DELAYED",
        "TaskTimedOut approve #1 FAILED",
        "TaskRetryScheduled approve #2 RETRY_WAIT",
        "TaskScheduled approve #2 SCHEDULED",
        "TaskStarted approve #2 RUNNING",
        "TaskDelayed approve #2 DELAYED",
        "TaskTimedOut approve #2 FAILED",
        "ExecutionFailed FAILED");
  }
}
