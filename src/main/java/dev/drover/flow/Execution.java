package dev.drover.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.drover.flow.CompletionResult.Outcome;
import dev.drover.flow.ExecutionEvent.ExecutionStarted;
import dev.drover.flow.ExecutionEvent.TaskCancelled;
import dev.drover.flow.ExecutionEvent.TaskDelayed;
import dev.drover.flow.ExecutionEvent.TaskRetryScheduled;
import dev.drover.flow.ExecutionEvent.TaskStarted;
import dev.drover.flow.ExecutionEvent.TaskSucceeded;
import dev.drover.node.CborSerializable;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityContext;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One execution of a {@link Flow}: an event-sourced entity, sharded so it has a single writer
 * wherever it lives.
 *
 * <p>Every change is a journaled {@link ExecutionEvent}; the events of one round are written in
 * one atomic write before their side effects (starting attempts, arming watchdogs, telling
 * subscribers) happen. Outcomes of attempts that arrive while a write is in flight are gathered
 * and written together by the next {@link Flush}. Watchdogs and retry delays are durable: their
 * instants are in the journal, re-armed on recovery, and kept by the {@link ExecutionDirectory}
 * while the entity is passivated. After a crash, attempts that were running fail as
 * {@code interrupted} (idempotent tasks simply run again).
 */
public final class Execution
    extends EventSourcedBehavior<Execution.Command, ExecutionEvent, ExecutionState> {

  /** The sharded entity type of executions. */
  public static final EntityTypeKey<Command> TYPE_KEY =
      EntityTypeKey.create(Command.class, "drover-execution");

  /** The messages an execution accepts. */
  public sealed interface Command extends CborSerializable
      permits Start, Get, Cancel, Pause, Resume, CompleteTask, Wake, AttemptFinished, Flush,
          Watchdog, RetryDue, Recovered, Idle {}

  /** Starts the execution; idempotent: a second Start answers with the existing execution. */
  public record Start(Flow flow, JsonNode input, ActorRef<StartReply> replyTo)
      implements Command {}

  /** The answer to {@link Start}; {@code created} is false when it had already started. */
  public record StartReply(ExecutionState state, boolean created) implements CborSerializable {}

  /** Asks for the execution's state ({@link ExecutionState#EMPTY} when it never started). */
  public record Get(ActorRef<ExecutionState> replyTo) implements Command {}

  /** Cancels every task that has not ended and the execution; no on-error task runs. */
  public record Cancel(String reason, ActorRef<Reply> replyTo) implements Command {}

  /** Starts no new attempt until {@link Resume}; running attempts finish. */
  public record Pause(ActorRef<Reply> replyTo) implements Command {}

  public record Resume(ActorRef<Reply> replyTo) implements Command {}

  /** A yes or no to Cancel, Pause and Resume, with the state after it. */
  public record Reply(boolean done, String message, ExecutionState state)
      implements CborSerializable {}

  /**
   * A third party completes a delegate attempt: {@code success} with {@code output}, or an
   * error with {@code error}. Exactly one completion per attempt is accepted.
   */
  public record CompleteTask(
      String task, String token, boolean success, JsonNode output, String error,
      ActorRef<CompletionResult> replyTo) implements Command {}

  /** Starts the entity (after a crash, or when a durable timer is due); changes nothing. */
  public record Wake() implements Command {}

  record AttemptFinished(String task, int attempt, TaskOutcome outcome) implements Command {}

  record Flush() implements Command {}

  record Watchdog(String task, int attempt) implements Command {}

  record RetryDue(String task) implements Command {}

  record Recovered() implements Command {}

  record Idle() implements Command {}

  /** An outcome waiting for the next write, with whom to tell once it is durable. */
  private record Pending(String task, int attempt, TaskOutcome outcome,
      ActorRef<CompletionResult> replyTo) {}

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String executionId;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final EngineRuntime runtime;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  /** Attempts in flight in this incarnation, by task name. */
  private final Map<String, Attempt> running = new HashMap<>();
  /** Outcomes and completions waiting for the next write, in arrival order. */
  private final List<Pending> pending = new ArrayList<>();
  private boolean flushRequested;

  /** The sharded entity. */
  public static Behavior<Command> create(EntityContext<Command> entity, EngineRuntime runtime) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new Execution(entity.getEntityId(), ctx, timers, runtime, entity.getShard())));
  }

  /** An execution outside sharding, e.g. in {@code EventSourcedBehaviorTestKit}. */
  static Behavior<Command> create(String executionId, EngineRuntime runtime) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new Execution(executionId, ctx, timers, runtime, null)));
  }

  private Execution(
      String executionId, ActorContext<Command> context, TimerScheduler<Command> timers,
      EngineRuntime runtime, ActorRef<ClusterSharding.ShardCommand> shard) {
    super(PersistenceId.of(TYPE_KEY.name(), executionId),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2));
    this.executionId = executionId;
    this.context = context;
    this.timers = timers;
    this.runtime = runtime;
    this.shard = shard;
  }

  @Override
  public ExecutionState emptyState() {
    return ExecutionState.EMPTY;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(runtime.snapshotEvery(), 2);
  }

  @Override
  public EventHandler<ExecutionState, ExecutionEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(ExecutionState::apply);
  }

  @Override
  public SignalHandler<ExecutionState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          if (state.isStarted() && !state.status().isFinal()) {
            context.getSelf().tell(new Recovered());
          }
        })
        .build();
  }

  @Override
  public CommandHandler<Command, ExecutionEvent, ExecutionState> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Start.class, this::onStart)
        .onCommand(Get.class, (s, g) -> {
          g.replyTo().tell(s);
          return Effect().none();
        })
        .onCommand(Cancel.class, this::onCancel)
        .onCommand(Pause.class, this::onPause)
        .onCommand(Resume.class, this::onResume)
        .onCommand(CompleteTask.class, this::onCompleteTask)
        .onCommand(Wake.class, (s, w) -> afterIdle(s))
        .onCommand(AttemptFinished.class, this::onAttemptFinished)
        .onCommand(Flush.class, this::onFlush)
        .onCommand(Watchdog.class, this::onWatchdog)
        .onCommand(RetryDue.class, (s, r) -> advance(s, List.of()))
        .onCommand(Recovered.class, this::onRecovered)
        .onCommand(Idle.class, this::onIdle)
        .build();
  }

  // ---- commands ----

  private Effect<ExecutionEvent, ExecutionState> onStart(ExecutionState s, Start start) {
    if (s.isStarted()) {
      start.replyTo().tell(new StartReply(s, false));
      return Effect().none();
    }
    Instant now = now();
    ExecutionStarted started = new ExecutionStarted(executionId, start.flow(), start.input(), now);
    List<ExecutionEvent> events = new ArrayList<>();
    events.add(started);
    events.addAll(Round.advance(s.apply(started), now, Execution::newToken));
    runtime.directory().tell(new ExecutionDirectory.Track(
        executionId, start.flow().name(), ExecutionStatus.RUNNING, now, null, null));
    return persist(s, events, (after) -> start.replyTo().tell(new StartReply(after, true)));
  }

  private Effect<ExecutionEvent, ExecutionState> onCancel(ExecutionState s, Cancel c) {
    if (!s.isStarted() || s.status().isFinal()) {
      c.replyTo().tell(new Reply(false, notActive(s), s));
      return Effect().none();
    }
    return persist(s, Round.cancel(s, c.reason(), now()),
        after -> c.replyTo().tell(new Reply(true, "cancelled", after)));
  }

  private Effect<ExecutionEvent, ExecutionState> onPause(ExecutionState s, Pause p) {
    if (!s.isStarted() || s.status() != ExecutionStatus.RUNNING) {
      p.replyTo().tell(new Reply(false, s.isStarted() ? "execution " + executionId + " is "
          + s.status() + ", not RUNNING" : notActive(s), s));
      return Effect().none();
    }
    return persist(s, List.of(new ExecutionEvent.ExecutionPaused(now())),
        after -> p.replyTo().tell(new Reply(true, "paused", after)));
  }

  private Effect<ExecutionEvent, ExecutionState> onResume(ExecutionState s, Resume r) {
    if (!s.isStarted() || s.status() != ExecutionStatus.PAUSED) {
      r.replyTo().tell(new Reply(false, s.isStarted() ? "execution " + executionId + " is "
          + s.status() + ", not PAUSED" : notActive(s), s));
      return Effect().none();
    }
    ExecutionEvent resumed = new ExecutionEvent.ExecutionResumed(now());
    List<ExecutionEvent> events = new ArrayList<>(List.of(resumed));
    events.addAll(Round.advance(s.apply(resumed), now(), Execution::newToken));
    return persist(s, events, after -> r.replyTo().tell(new Reply(true, "resumed", after)));
  }

  private Effect<ExecutionEvent, ExecutionState> onCompleteTask(ExecutionState s, CompleteTask c) {
    CompletionResult refusal = checkCompletion(s, c);
    if (refusal != null) {
      c.replyTo().tell(refusal);
      return Effect().none();
    }
    TaskRun run = s.task(c.task());
    TaskOutcome outcome = c.success()
        ? TaskOutcome.success(c.output())
        : new TaskOutcome.Failure("delegate", c.error() == null ? "failed" : c.error(), c.output());
    return enqueue(new Pending(c.task(), run.attempt(), outcome, c.replyTo()));
  }

  /** Why a completion is refused, or null when it is the first for the current attempt. */
  private CompletionResult checkCompletion(ExecutionState s, CompleteTask c) {
    if (!s.isStarted()) {
      return new CompletionResult(Outcome.UNKNOWN_EXECUTION,
          "no execution with id " + executionId);
    }
    TaskRun run = s.task(c.task());
    if (run == null) {
      return new CompletionResult(Outcome.UNKNOWN_TASK,
          "execution " + executionId + " has no task '" + c.task() + "'");
    }
    if (c.token() == null || !run.tokens().contains(c.token())) {
      return new CompletionResult(Outcome.BAD_TOKEN,
          "the token does not belong to task '" + c.task() + "' of execution " + executionId);
    }
    if (!c.token().equals(run.token())) {
      return new CompletionResult(Outcome.STALE_ATTEMPT, "the token belongs to an earlier attempt "
          + "of task '" + c.task() + "'; attempt " + run.attempt() + " is current");
    }
    boolean waiting = run.status() == TaskStatus.DELAYED || run.status() == TaskStatus.RUNNING;
    boolean queued = pending.stream().anyMatch(p ->
        p.task().equals(c.task()) && p.attempt() == run.attempt() && p.replyTo() != null);
    if (!waiting || queued) {
      return new CompletionResult(Outcome.ALREADY_COMPLETED, "attempt " + run.attempt()
          + " of task '" + c.task() + "' is already completed (" + run.status() + ")");
    }
    return null;
  }

  private Effect<ExecutionEvent, ExecutionState> onAttemptFinished(
      ExecutionState s, AttemptFinished f) {
    Attempt attempt = running.get(f.task());
    TaskRun run = s.task(f.task());
    if (run == null || run.attempt() != f.attempt() || run.status() != TaskStatus.RUNNING) {
      // cancelled, timed out or completed through the API meanwhile
      if (run != null && run.attempt() == f.attempt() && attempt != null) {
        running.remove(f.task());
      }
      return afterIdle(s);
    }
    if (attempt != null && !(f.outcome() instanceof TaskOutcome.Delayed)) {
      running.remove(f.task());
    } else if (attempt != null) {
      // a delegate holds no thread while it waits
      running.remove(f.task());
    }
    return enqueue(new Pending(f.task(), f.attempt(), f.outcome(), null));
  }

  private Effect<ExecutionEvent, ExecutionState> enqueue(Pending p) {
    pending.add(p);
    if (!flushRequested) {
      flushRequested = true;
      context.getSelf().tell(new Flush());
    }
    return Effect().none();
  }

  /** Writes every gathered outcome and the round that follows from them, in one write. */
  private Effect<ExecutionEvent, ExecutionState> onFlush(ExecutionState s, Flush f) {
    flushRequested = false;
    if (pending.isEmpty()) {
      return Effect().none();
    }
    List<Pending> batch = List.copyOf(pending);
    pending.clear();
    Instant now = now();
    List<ExecutionEvent> events = new ArrayList<>();
    ExecutionState scratch = s;
    List<ActorRef<CompletionResult>> accepted = new ArrayList<>();
    for (Pending p : batch) {
      TaskRun run = scratch.task(p.task());
      boolean current = run != null && run.attempt() == p.attempt()
          && (run.status() == TaskStatus.RUNNING || run.status() == TaskStatus.DELAYED);
      if (!current) {
        if (p.replyTo() != null) {
          p.replyTo().tell(new CompletionResult(Outcome.ALREADY_COMPLETED, "attempt "
              + p.attempt() + " of task '" + p.task() + "' ended meanwhile (" + (run == null
              ? "unknown" : run.status()) + ")"));
        }
        continue;
      }
      List<ExecutionEvent> step = outcomeEvents(scratch, run, p.outcome(), now);
      for (ExecutionEvent e : step) {
        scratch = scratch.apply(e);
      }
      events.addAll(step);
      if (p.replyTo() != null) {
        accepted.add(p.replyTo());
      }
    }
    events.addAll(Round.advance(scratch, now, Execution::newToken));
    return persist(s, events, after -> accepted.forEach(r -> r.tell(new CompletionResult(
        Outcome.ACCEPTED, "completion recorded"))));
  }

  private static List<ExecutionEvent> outcomeEvents(
      ExecutionState s, TaskRun run, TaskOutcome outcome, Instant now) {
    if (outcome instanceof TaskOutcome.Success ok) {
      return List.of(new TaskSucceeded(run.name(), run.attempt(), ok.output(), now));
    }
    if (outcome instanceof TaskOutcome.Failure f) {
      return Round.failure(s, run.name(), run.attempt(), f.kind(), f.message(), f.output(), now);
    }
    if (run.status() == TaskStatus.RUNNING) {
      return List.of(new TaskDelayed(run.name(), run.attempt(), now));
    }
    return List.of();
  }

  private Effect<ExecutionEvent, ExecutionState> onWatchdog(ExecutionState s, Watchdog w) {
    TaskRun run = s.task(w.task());
    if (run == null || run.attempt() != w.attempt()
        || !(run.status() == TaskStatus.RUNNING || run.status() == TaskStatus.DELAYED)) {
      return Effect().none();
    }
    Instant now = now();
    if (run.deadline() != null && run.deadline().isAfter(now)) {
      armWatchdog(run, now);
      return Effect().none();
    }
    Attempt attempt = running.remove(w.task());
    if (attempt != null) {
      attempt.cancel().run();
    }
    pending.removeIf(p -> p.task().equals(w.task()) && p.replyTo() == null);
    List<ExecutionEvent> events = new ArrayList<>(
        Round.failure(s, w.task(), w.attempt(), "timeout", null, null, now));
    ExecutionState scratch = s;
    for (ExecutionEvent e : events) {
      scratch = scratch.apply(e);
    }
    events.addAll(Round.advance(scratch, now, Execution::newToken));
    return persist(s, events, after -> { });
  }

  private Effect<ExecutionEvent, ExecutionState> onRecovered(ExecutionState s, Recovered r) {
    if (!s.isStarted() || s.status().isFinal()) {
      return Effect().none();
    }
    Instant now = now();
    List<ExecutionEvent> events = new ArrayList<>(Round.interrupted(s, now));
    ExecutionState scratch = s;
    for (ExecutionEvent e : events) {
      scratch = scratch.apply(e);
    }
    events.addAll(Round.advance(scratch, now, Execution::newToken));
    for (TaskRun run : s.tasks().values()) {
      if (run.status() == TaskStatus.DELAYED) {
        armWatchdog(run, now);
      } else if (run.status() == TaskStatus.RETRY_WAIT) {
        armRetry(run, now);
      }
    }
    if (events.isEmpty()) {
      return afterIdle(s);
    }
    return persist(s, events, after -> { });
  }

  private Effect<ExecutionEvent, ExecutionState> onIdle(ExecutionState s, Idle i) {
    if (!running.isEmpty() || !pending.isEmpty()) {
      return Effect().none();
    }
    runtime.directory().tell(new ExecutionDirectory.Track(executionId,
        s.isStarted() ? s.flow().name() : null, s.status(), s.startedAt(), s.endedAt(),
        nextDue(s)));
    if (shard != null) {
      shard.tell(new ClusterSharding.Passivate<>(context.getSelf()));
    }
    return Effect().none();
  }

  // ---- persisting and its side effects ----

  private Effect<ExecutionEvent, ExecutionState> advance(ExecutionState s, List<ExecutionEvent> first) {
    if (!s.isStarted()) {
      return Effect().none();
    }
    List<ExecutionEvent> events = new ArrayList<>(first);
    events.addAll(Round.advance(s, now(), Execution::newToken));
    return persist(s, events, after -> { });
  }

  private Effect<ExecutionEvent, ExecutionState> persist(
      ExecutionState before, List<ExecutionEvent> events,
      java.util.function.Consumer<ExecutionState> reply) {
    if (events.isEmpty()) {
      reply.accept(before);
      return afterIdle(before);
    }
    ExecutionEvent entry = events.size() == 1 ? events.get(0)
        : new ExecutionEvent.Round(events, events.get(events.size() - 1).at());
    return Effect().persist(entry).thenRun(after -> {
      carryOut(events, after);
      reply.accept(after);
      scheduleIdle();
    });
  }

  private Effect<ExecutionEvent, ExecutionState> afterIdle(ExecutionState s) {
    scheduleIdle();
    return Effect().none();
  }

  private void scheduleIdle() {
    if (running.isEmpty() && pending.isEmpty()) {
      timers.startSingleTimer("idle", new Idle(), runtime.passivateAfter());
    } else {
      timers.cancel("idle");
    }
  }

  /** The side effects of events that are now durable. */
  private void carryOut(List<ExecutionEvent> events, ExecutionState after) {
    Instant now = now();
    for (ExecutionEvent e : events) {
      publish(e, after);
      if (e instanceof TaskStarted started) {
        TaskRun run = after.task(started.task());
        if (run.status() == TaskStatus.RUNNING && run.attempt() == started.attempt()) {
          dispatch(started, after);
          armWatchdog(run, now);
        }
      } else if (e instanceof TaskDelayed delayed) {
        timers.cancel("retry-" + delayed.task());
      } else if (e instanceof TaskRetryScheduled retry) {
        TaskRun run = after.task(retry.task());
        // a retry due at once was already started by the same round
        if (run.status() == TaskStatus.RETRY_WAIT) {
          armRetry(run, now);
        }
      } else if (e instanceof TaskCancelled cancelled) {
        Attempt attempt = running.remove(cancelled.task());
        if (attempt != null) {
          attempt.cancel().run();
        }
        timers.cancel("watchdog-" + cancelled.task());
        timers.cancel("retry-" + cancelled.task());
      } else if (e instanceof ExecutionEvent.TaskEvent te) {
        TaskRun run = after.task(te.task());
        if (run.status().isFinal()) {
          timers.cancel("watchdog-" + te.task());
        }
      }
    }
    if (after.status().isFinal()) {
      runtime.directory().tell(new ExecutionDirectory.Track(executionId, after.flow().name(),
          after.status(), after.startedAt(), after.endedAt(), null));
    }
  }

  private void dispatch(TaskStarted started, ExecutionState s) {
    Task task = s.flow().task(started.task());
    TaskContext ctx = new TaskContext(executionId, task.name(), started.attempt(), s.input(),
        upstream(s, task), params(s, task), started.token(), runtime.output());
    Attempt attempt;
    try {
      if (task.action() instanceof ActionSpec.Local l) {
        attempt = runtime.local().run(l.className(), ctx);
      } else if (task.action() instanceof ActionSpec.Delegate d) {
        attempt = runtime.local().run(d.className(), ctx);
      } else {
        attempt = runtime.node().run((ActionSpec.Node) task.action(), ctx);
      }
    } catch (RuntimeException e) {
      attempt = new Attempt(java.util.concurrent.CompletableFuture.completedFuture(
          TaskOutcome.failure("exception", e.toString())), () -> { });
    }
    running.put(task.name(), attempt);
    String name = task.name();
    int number = started.attempt();
    context.pipeToSelf(attempt.outcome(), (outcome, error) -> new AttemptFinished(name, number,
        error == null ? outcome : TaskOutcome.failure("exception", String.valueOf(error))));
  }

  private static Map<String, JsonNode> upstream(ExecutionState s, Task task) {
    Map<String, JsonNode> up = new LinkedHashMap<>();
    task.dependsOn().forEach(d -> up.put(d, s.task(d).output()));
    return up;
  }

  /** The task's params; the on-error task also gets the failed task's name, error and output. */
  private static JsonNode params(ExecutionState s, Task task) {
    if (!task.name().equals(Flow.ON_ERROR)) {
      return task.params();
    }
    ObjectNode p = task.params().isObject() ? ((ObjectNode) task.params()).deepCopy()
        : JSON.objectNode();
    TaskRun failed = Round.blockingFailure(s);
    if (failed != null) {
      p.put("failedTaskName", failed.name());
      p.put("failedTaskError", failed.error());
      p.put("failedTaskErrorKind", failed.errorKind());
      p.set("failedTaskOutput", failed.output());
    }
    return p;
  }

  private void armWatchdog(TaskRun run, Instant now) {
    if (run.deadline() == null) {
      return;
    }
    Duration left = Duration.between(now, run.deadline());
    timers.startSingleTimer("watchdog-" + run.name(), new Watchdog(run.name(), run.attempt()),
        left.isNegative() ? Duration.ZERO : left);
  }

  private void armRetry(TaskRun run, Instant now) {
    Duration left = Duration.between(now, run.retryDue());
    timers.startSingleTimer("retry-" + run.name(), new RetryDue(run.name()),
        left.isNegative() ? Duration.ZERO : left);
  }

  /** The next instant a durable timer of {@code s} is due, or null. */
  private static Instant nextDue(ExecutionState s) {
    if (!s.isStarted() || s.status().isFinal()) {
      return null;
    }
    Instant due = null;
    for (TaskRun run : s.tasks().values()) {
      Instant t = run.status() == TaskStatus.RETRY_WAIT ? run.retryDue()
          : run.status() == TaskStatus.DELAYED ? run.deadline() : null;
      if (t != null && (due == null || t.isBefore(due))) {
        due = t;
      }
    }
    return due;
  }

  private void publish(ExecutionEvent e, ExecutionState after) {
    FlowEvent event;
    if (e instanceof ExecutionEvent.TaskEvent te) {
      TaskRun run = after.task(te.task());
      String detail = e.getClass().getSimpleName()
          + (run.error() != null && run.status() != TaskStatus.SUCCEEDED
              ? ": " + run.errorKind() + ": " + run.error() : "");
      event = new FlowEvent(executionId, after.flow().name(), te.task(), run.attempt(),
          run.status().name(), detail, e.at());
    } else {
      event = new FlowEvent(executionId, after.flow().name(), null, 0, after.status().name(),
          e.getClass().getSimpleName() + (after.error() == null ? "" : ": " + after.error()),
          e.at());
    }
    runtime.topic().tell(Topic.publish(event));
  }

  private Instant now() {
    return runtime.clock().instant();
  }

  private String notActive(ExecutionState s) {
    return s.isStarted() ? "execution " + executionId + " already ended " + s.status()
        : "no execution with id " + executionId;
  }

  private static String newToken() {
    byte[] bytes = new byte[18];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
