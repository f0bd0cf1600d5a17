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
import dev.drover.observe.RunEvents;
import dev.drover.serialization.CborSerializable;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.eventstream.EventStream;
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
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerBuilder;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerBuilderByState;
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
          Watchdog, RetryDue, Recovered, Idle, DirectoryAck, AwaitEnd {}

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

  /**
   * Answers {@link Ended} once the execution has ended: at once when it has already ended or
   * never started, else when it ends in this incarnation (a waiter is not kept across
   * passivation; {@code FlowService.result} also listens to the events' topic for that).
   */
  public record AwaitEnd(ActorRef<Ended> replyTo) implements Command {}

  /** The answer to {@link AwaitEnd}: {@code state} has ended, or is empty: no such execution. */
  public record Ended(String executionId, ExecutionState state) implements CborSerializable {}

  /** Starts the entity (after a crash, or when a durable timer is due); changes nothing. */
  public record Wake() implements Command {}

  record AttemptFinished(String task, int attempt, TaskOutcome outcome) implements Command {}

  record Flush() implements Command {}

  record Watchdog(String task, int attempt) implements Command {}

  record RetryDue(String task) implements Command {}

  record Recovered() implements Command {}

  record Idle() implements Command {}

  /** The directory's answer to a start's {@code TrackDurably}; {@code ok} false on a timeout. */
  record DirectoryAck(StartReply reply, ActorRef<StartReply> replyTo, int tries, boolean ok)
      implements Command {}

  /** An outcome waiting for the next write, with whom to tell once it is durable. */
  private record Pending(String task, int attempt, TaskOutcome outcome,
      ActorRef<CompletionResult> replyTo) {}

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final Duration DIRECTORY_TIMEOUT = Duration.ofSeconds(2);
  private static final int DIRECTORY_TRIES = 5;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String executionId;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final EngineRuntime runtime;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  /** Attempts in flight in this incarnation, by task name. */
  private final Map<String, Attempt> running = new HashMap<>();
  /** Outcomes and completions waiting for the next write, in arrival order. */
  private final FlushOnce<Pending> pending;
  /** Who waits for the end, in this incarnation. */
  private final List<ActorRef<Ended>> waiters = new ArrayList<>();
  /** Starts waiting for the directory's confirmation: the entity does not passivate meanwhile. */
  private int confirming;

  /**
   * The sharded entity. A journal failure restarts it after a backoff (the persistence's own
   * {@code onPersistFailure}); any other failure too, so it recovers from its journal and
   * resumes its attempts and timers instead of stopping until its next message.
   */
  public static Behavior<Command> create(EntityContext<Command> entity, EngineRuntime runtime) {
    return Behaviors.supervise(Behaviors.<Command>setup(ctx -> Behaviors.withTimers(timers ->
            new Execution(entity.getEntityId(), ctx, timers, runtime, entity.getShard()))))
        .onFailure(SupervisorStrategy.restartWithBackoff(
            Duration.ofMillis(200), Duration.ofSeconds(10), 0.2));
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
    this.pending = new FlushOnce<>(() -> context.getSelf().tell(new Flush()));
  }

  @Override
  public ExecutionState emptyState() {
    return ExecutionState.EMPTY;
  }

  /**
   * A snapshot every {@code drover.flow.snapshot-every} events, the events before the older of
   * the two kept snapshots deleted: a long execution's journal holds its state, not its history.
   */
  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(runtime.snapshotEvery(), 2)
        .withDeleteEventsOnSnapshot();
  }

  @Override
  public EventHandler<ExecutionState, ExecutionEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(ExecutionState::apply);
  }

  @Override
  public SignalHandler<ExecutionState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          // after a journal failure the persistence restarts the entity in this same object:
          // what waited for the failed write was never journaled, and its askers time out
          pending.reset();
          confirming = 0;
          if (state.isStarted() && !state.status().isFinal()) {
            context.getSelf().tell(new Recovered());
          } else {
            // woken for a read, a refusal or nothing at all: it stops after its idle time
            // whatever the command was, so polling hosts and unknown ids cost no memory
            scheduleIdle();
          }
        })
        .build();
  }

  /**
   * The command handlers, grouped by where the execution is: not started, running, paused,
   * ended. A state's handlers are tried first; what every state does alike comes last. Where a
   * command makes no sense (pausing a paused execution) the state answers why, so no handler
   * repeats the guards of another state.
   */
  @Override
  public CommandHandler<Command, ExecutionEvent, ExecutionState> commandHandler() {
    CommandHandlerBuilder<Command, ExecutionEvent, ExecutionState> handlers =
        newCommandHandlerBuilder();
    notStarted(handlers.forState(s -> !s.isStarted()));
    running(handlers.forState(s -> s.isStarted() && s.status() == ExecutionStatus.RUNNING));
    paused(handlers.forState(s -> s.isStarted() && s.status() == ExecutionStatus.PAUSED));
    active(handlers.forState(s -> s.isStarted() && !s.status().isFinal()));
    ended(handlers.forState(s -> s.isStarted() && s.status().isFinal()));
    anyState(handlers.forAnyState());
    return handlers.build();
  }

  /** No execution with this id (yet): only a start makes one. */
  private void notStarted(
      CommandHandlerBuilderByState<Command, ExecutionEvent, ExecutionState, ExecutionState> h) {
    h.onCommand(Start.class, this::onStart)
        .onCommand(Cancel.class, (s, c) -> refuse(c.replyTo(), notActive(s), s))
        .onCommand(Pause.class, (s, p) -> refuse(p.replyTo(), notActive(s), s))
        .onCommand(Resume.class, (s, r) -> refuse(r.replyTo(), notActive(s), s))
        .onCommand(CompleteTask.class, (s, c) -> {
          c.replyTo().tell(new CompletionResult(Outcome.UNKNOWN_EXECUTION,
              "no execution with id " + executionId));
          return afterIdle(s);
        })
        .onCommand(AwaitEnd.class, (s, a) -> {
          a.replyTo().tell(new Ended(executionId, s));
          return Effect().none();
        });
  }

  /** Running: it may be paused; resuming it is refused. */
  private void running(
      CommandHandlerBuilderByState<Command, ExecutionEvent, ExecutionState, ExecutionState> h) {
    h.onCommand(Pause.class, this::onPause)
        .onCommand(Resume.class, (s, r) -> refuse(r.replyTo(),
            "execution " + executionId + " is " + s.status() + ", not PAUSED", s));
  }

  /** Paused: no new task starts; it may be resumed; pausing it again is refused. */
  private void paused(
      CommandHandlerBuilderByState<Command, ExecutionEvent, ExecutionState, ExecutionState> h) {
    h.onCommand(Resume.class, this::onResume)
        .onCommand(Pause.class, (s, p) -> refuse(p.replyTo(),
            "execution " + executionId + " is " + s.status() + ", not RUNNING", s));
  }

  /** Running or paused: attempts end, time out and retry; it may be cancelled; waiters wait. */
  private void active(
      CommandHandlerBuilderByState<Command, ExecutionEvent, ExecutionState, ExecutionState> h) {
    h.onCommand(Start.class, this::onRetriedStart)
        .onCommand(Cancel.class, this::onCancel)
        .onCommand(CompleteTask.class, this::onCompleteTask)
        .onCommand(Watchdog.class, this::onWatchdog)
        .onCommand(RetryDue.class, (s, r) -> persistRound(s, List.of(), now(), after -> { }))
        .onCommand(Recovered.class, this::onRecovered)
        .onCommand(AwaitEnd.class, (s, a) -> {
          waiters.add(a.replyTo());
          return Effect().none();
        });
  }

  /** Ended: it answers, and tells a directory that lost the report of its end. */
  private void ended(
      CommandHandlerBuilderByState<Command, ExecutionEvent, ExecutionState, ExecutionState> h) {
    h.onCommand(Start.class, this::onRetriedStart)
        .onCommand(Cancel.class, (s, c) -> refuse(c.replyTo(), notActive(s), s))
        .onCommand(Pause.class, (s, p) -> refuse(p.replyTo(),
            "execution " + executionId + " is " + s.status() + ", not RUNNING", s))
        .onCommand(Resume.class, (s, r) -> refuse(r.replyTo(),
            "execution " + executionId + " is " + s.status() + ", not PAUSED", s))
        .onCommand(CompleteTask.class, this::onCompleteTask)
        .onCommand(Wake.class, (s, w) -> {
          // woken by a directory that lost the report of its end in a crash
          runtime.directory().tell(new ExecutionDirectory.Track(executionId,
              s.flow().name(), s.status(), s.startedAt(), s.endedAt(), null));
          return afterIdle(s);
        })
        .onCommand(AwaitEnd.class, (s, a) -> {
          a.replyTo().tell(new Ended(executionId, s));
          return Effect().none();
        });
  }

  /**
   * What every state does alike: reads, the flush of gathered outcomes (which answers those that
   * ended meanwhile), the directory's answers, passivation, and late news of attempts, timers
   * and recovery, which change nothing once the state has moved on.
   */
  private void anyState(
      CommandHandlerBuilderByState<Command, ExecutionEvent, ExecutionState, ExecutionState> h) {
    h.onCommand(Get.class, (s, g) -> {
          g.replyTo().tell(s);
          return afterIdle(s);
        })
        .onCommand(Flush.class, this::onFlush)
        .onCommand(DirectoryAck.class, this::onDirectoryAck)
        .onCommand(Idle.class, this::onIdle)
        .onCommand(AttemptFinished.class, this::onAttemptFinished)
        .onCommand(Wake.class, (s, w) -> afterIdle(s))
        .onCommand(Watchdog.class, (s, w) -> afterIdle(s))
        .onCommand(RetryDue.class, (s, r) -> afterIdle(s))
        .onCommand(Recovered.class, (s, r) -> afterIdle(s));
  }

  private Effect<ExecutionEvent, ExecutionState> refuse(
      ActorRef<Reply> replyTo, String why, ExecutionState s) {
    replyTo.tell(new Reply(false, why, s));
    return afterIdle(s);
  }

  // ---- commands ----

  private Effect<ExecutionEvent, ExecutionState> onStart(ExecutionState s, Start start) {
    Instant now = now();
    confirming++;
    return persistRound(s,
        List.of(new ExecutionStarted(executionId, start.flow(), start.input(), now)), now,
        after -> confirm(new StartReply(after, true), start.replyTo(), 1));
  }

  /** A retried start: its first try may have been cut short before the directory knew. */
  private Effect<ExecutionEvent, ExecutionState> onRetriedStart(ExecutionState s, Start start) {
    confirming++;
    confirm(new StartReply(s, false), start.replyTo(), 1);
    return Effect().none();
  }

  /**
   * Answers a start once the directory's entry of this execution is durable too: an
   * acknowledged execution is then resumed after a crash even if it was passivated or never
   * ran. A directory that does not answer (restarting after a journal failure) is asked again.
   */
  private void confirm(StartReply reply, ActorRef<StartReply> replyTo, int tries) {
    ExecutionState st = reply.state();
    ExecutionDirectory.Track track = new ExecutionDirectory.Track(executionId, st.flow().name(),
        st.status(), st.startedAt(), st.endedAt(), nextDue(st));
    context.ask(Done.class, runtime.directory(), DIRECTORY_TIMEOUT,
        r -> new ExecutionDirectory.TrackDurably(track, r),
        (done, error) -> new DirectoryAck(reply, replyTo, tries, error == null));
  }

  private Effect<ExecutionEvent, ExecutionState> onDirectoryAck(
      ExecutionState s, DirectoryAck ack) {
    if (!ack.ok() && ack.tries() < DIRECTORY_TRIES) {
      confirm(ack.reply(), ack.replyTo(), ack.tries() + 1);
      return Effect().none();
    }
    confirming--;
    if (ack.ok()) {
      ack.replyTo().tell(ack.reply());
    } else {
      context.getLog().warn("the execution directory did not confirm execution {}; its start "
          + "is not acknowledged (a start with the same id confirms it again)", executionId);
    }
    return afterIdle(s);
  }

  private Effect<ExecutionEvent, ExecutionState> onCancel(ExecutionState s, Cancel c) {
    return persist(s, Round.cancel(s, c.reason(), now()),
        after -> c.replyTo().tell(new Reply(true, "cancelled", after)));
  }

  private Effect<ExecutionEvent, ExecutionState> onPause(ExecutionState s, Pause p) {
    return persist(s, List.of(new ExecutionEvent.ExecutionPaused(now())),
        after -> p.replyTo().tell(new Reply(true, "paused", after)));
  }

  private Effect<ExecutionEvent, ExecutionState> onResume(ExecutionState s, Resume r) {
    Instant now = now();
    return persistRound(s, List.of(new ExecutionEvent.ExecutionResumed(now)), now,
        after -> r.replyTo().tell(new Reply(true, "resumed", after)));
  }

  private Effect<ExecutionEvent, ExecutionState> onCompleteTask(ExecutionState s, CompleteTask c) {
    CompletionResult refusal = checkCompletion(s, c);
    if (refusal != null) {
      c.replyTo().tell(refusal);
      return afterIdle(s);
    }
    TaskRun run = s.task(c.task());
    TaskOutcome outcome = c.success()
        ? TaskOutcome.success(c.output())
        : new TaskOutcome.Failure("delegate", c.error() == null ? "failed" : c.error(), c.output());
    return enqueue(new Pending(c.task(), run.attempt(), outcome, c.replyTo()));
  }

  /** Why a completion is refused, or null when it is the first for the current attempt. */
  private CompletionResult checkCompletion(ExecutionState s, CompleteTask c) {
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
    boolean queued = pending.anyMatch(p ->
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
    if (attempt != null) {
      // ended, or a delegate that holds no thread while it waits
      running.remove(f.task());
    }
    return enqueue(new Pending(f.task(), f.attempt(), f.outcome(), null));
  }

  private Effect<ExecutionEvent, ExecutionState> enqueue(Pending p) {
    pending.add(p);
    return Effect().none();
  }

  /** Writes every gathered outcome and the round that follows from them, in one write. */
  private Effect<ExecutionEvent, ExecutionState> onFlush(ExecutionState s, Flush f) {
    List<Pending> batch = pending.take();
    if (batch.isEmpty()) {
      return afterIdle(s);
    }
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
      return afterIdle(s);
    }
    Instant now = now();
    if (run.deadline() != null && run.deadline().isAfter(now)) {
      armWatchdog(run, now);
      return afterIdle(s);
    }
    Attempt attempt = running.remove(w.task());
    if (attempt != null) {
      attempt.cancel().run();
    }
    pending.removeIf(p -> p.task().equals(w.task()) && p.replyTo() == null);
    return persistRound(s, Round.failure(s, w.task(), w.attempt(), "timeout", null, null, now),
        now, after -> { });
  }

  private Effect<ExecutionEvent, ExecutionState> onRecovered(ExecutionState s, Recovered r) {
    Instant now = now();
    for (TaskRun run : s.tasks().values()) {
      if (run.status() == TaskStatus.DELAYED) {
        armWatchdog(run, now);
      } else if (run.status() == TaskStatus.RETRY_WAIT) {
        armRetry(run, now);
      }
    }
    return persistRound(s, Round.interrupted(s, now), now, after -> { });
  }

  private Effect<ExecutionEvent, ExecutionState> onIdle(ExecutionState s, Idle i) {
    if (!running.isEmpty() || !pending.isEmpty() || confirming > 0) {
      return Effect().none();
    }
    // an unknown id is no execution; a finished one told the directory when it ended
    if (s.isStarted() && !s.status().isFinal()) {
      runtime.directory().tell(new ExecutionDirectory.Track(executionId, s.flow().name(),
          s.status(), s.startedAt(), s.endedAt(), nextDue(s)));
    }
    if (shard != null) {
      shard.tell(new ClusterSharding.Passivate<>(context.getSelf()));
    }
    return Effect().none();
  }

  // ---- persisting and its side effects ----

  /**
   * Persists {@code first} and the round that follows from them, in one write: the events are
   * folded into a scratch state so the round decides from where they leave the execution.
   */
  private Effect<ExecutionEvent, ExecutionState> persistRound(
      ExecutionState s, List<ExecutionEvent> first, Instant now,
      java.util.function.Consumer<ExecutionState> reply) {
    List<ExecutionEvent> events = new ArrayList<>(first);
    ExecutionState scratch = s;
    for (ExecutionEvent e : first) {
      scratch = scratch.apply(e);
    }
    events.addAll(Round.advance(scratch, now, Execution::newToken));
    return persist(s, events, reply);
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
    if (running.isEmpty() && pending.isEmpty() && confirming == 0) {
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
      waiters.forEach(w -> w.tell(new Ended(executionId, after)));
      waiters.clear();
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
        attempt = runtime.node().run((ActionSpec.Node) task.action(), ctx, task.timeout());
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

  /**
   * Tells subscribers about {@code e}, with the status, attempt and detail of that event itself,
   * not of the state after the whole round ({@code after} only names the flow and, for a
   * skipped task, its attempt).
   */
  private void publish(ExecutionEvent e, ExecutionState after) {
    runtime.topic().tell(Topic.publish(flowEvent(executionId, e, after)));
    if (e instanceof ExecutionEvent.TaskEvent te) {
      attemptEnded(te, after);
    }
  }

  /**
   * What subscribers see of {@code e}: the status it moves its task or execution to, its
   * attempt and its reason, all from the event; {@code after} is any later state.
   */
  static FlowEvent flowEvent(String executionId, ExecutionEvent e, ExecutionState after) {
    String name = e.getClass().getSimpleName();
    String flow = after.flow().name();
    if (e instanceof ExecutionEvent.TaskEvent te) {
      TaskStatus status;
      int attempt;
      String reason = null;
      if (e instanceof ExecutionEvent.TaskScheduled t) {
        status = TaskStatus.SCHEDULED;
        attempt = t.attempt();
      } else if (e instanceof TaskStarted t) {
        status = TaskStatus.RUNNING;
        attempt = t.attempt();
      } else if (e instanceof TaskSucceeded t) {
        status = TaskStatus.SUCCEEDED;
        attempt = t.attempt();
      } else if (e instanceof ExecutionEvent.TaskFailed t) {
        status = TaskStatus.FAILED;
        attempt = t.attempt();
        reason = t.kind() + ": " + t.message();
      } else if (e instanceof TaskDelayed t) {
        status = TaskStatus.DELAYED;
        attempt = t.attempt();
      } else if (e instanceof TaskRetryScheduled t) {
        status = TaskStatus.RETRY_WAIT;
        attempt = t.nextAttempt();
        reason = "due " + t.dueAt();
      } else if (e instanceof ExecutionEvent.TaskTimedOut t) {
        status = TaskStatus.FAILED;
        attempt = t.attempt();
        reason = "timeout";
      } else if (e instanceof TaskCancelled t) {
        status = TaskStatus.CANCELLED;
        attempt = t.attempt();
        reason = t.reason();
      } else {
        ExecutionEvent.TaskSkipped t = (ExecutionEvent.TaskSkipped) e;
        status = TaskStatus.SKIPPED;
        attempt = after.task(t.task()).attempt();
        reason = t.reason();
      }
      return new FlowEvent(executionId, flow, te.task(), attempt, status.name(),
          reason == null ? name : name + ": " + reason, e.at());
    }
    ExecutionStatus status;
    String reason = null;
    if (e instanceof ExecutionEvent.ExecutionPaused) {
      status = ExecutionStatus.PAUSED;
    } else if (e instanceof ExecutionEvent.ExecutionCompleted) {
      status = ExecutionStatus.SUCCEEDED;
    } else if (e instanceof ExecutionEvent.ExecutionFailed f) {
      status = ExecutionStatus.FAILED;
      reason = f.reason();
    } else if (e instanceof ExecutionEvent.ExecutionCancelled c) {
      status = ExecutionStatus.CANCELLED;
      reason = c.reason();
    } else {
      status = ExecutionStatus.RUNNING; // started, resumed
    }
    return new FlowEvent(executionId, flow, null, 0, status.name(),
        reason == null ? name : name + ": " + reason, e.at());
  }

  /**
   * Publishes the end of an attempt on this node's event stream only, for the metrics: the node
   * that records an outcome is the one node that counts it.
   */
  private void attemptEnded(ExecutionEvent.TaskEvent e, ExecutionState after) {
    String outcome;
    int attempt;
    if (e instanceof TaskSucceeded s) {
      outcome = "done";
      attempt = s.attempt();
    } else if (e instanceof ExecutionEvent.TaskFailed f) {
      outcome = "interrupted".equals(f.kind()) ? "interrupted" : "error";
      attempt = f.attempt();
    } else if (e instanceof ExecutionEvent.TaskTimedOut t) {
      outcome = "timeout";
      attempt = t.attempt();
    } else if (e instanceof TaskCancelled c) {
      outcome = "canceled";
      attempt = c.attempt();
    } else {
      return;
    }
    after.task(e.task()).history().stream()
        .filter(step -> step.status() == TaskStatus.RUNNING && step.attempt() == attempt)
        .findFirst()
        .ifPresent(start -> context.getSystem().eventStream().tell(new EventStream.Publish<>(
            new RunEvents.AttemptEnded(executionId, after.flow().name(), e.task(), attempt,
                outcome, start.at(), e.at()))));
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
