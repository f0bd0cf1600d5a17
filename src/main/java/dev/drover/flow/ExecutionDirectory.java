package dev.drover.flow;

import dev.drover.serialization.CborSerializable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * The journaled index of all executions (a cluster singleton): what {@code FlowService.list}
 * reads, which executions have not ended, and when a passivated one has a durable timer due.
 *
 * <p>This is Drover's equivalent of remember-entities: when it recovers (after a crash, or on
 * another node) it wakes every execution that has not ended, 200 every 200 ms so that their
 * recoveries don't swamp the journal, and each resumes from its own journal; while running
 * it wakes passivated executions whose watchdog or retry is due.
 * Reports arriving during a write are gathered and written together.
 */
public final class ExecutionDirectory extends EventSourcedBehavior<
    ExecutionDirectory.Command, ExecutionDirectory.Tracked, ExecutionDirectory.State> {

  /** The messages the directory accepts. */
  public sealed interface Command extends CborSerializable
      permits Track, TrackDurably, ListExecutions, Flush, WakeDue, Recovered, ResumeMore {}

  /**
   * From an execution: its current summary and when it must be woken ({@code wakeAt}, null for
   * never). Null {@code flow} or {@code startedAt} keep what was known.
   */
  public record Track(String id, String flow, ExecutionStatus status, Instant startedAt,
      Instant endedAt, Instant wakeAt) implements Command {}

  /**
   * As {@link Track}, answered with {@code Done} once the entry is durable: an execution's start
   * is acknowledged only then, so a crash can't leave an acknowledged execution that the
   * directory doesn't know (and would never resume).
   */
  public record TrackDurably(Track track, ActorRef<Done> replyTo) implements Command {}

  /** Lists executions, newest first. */
  public record ListExecutions(ExecutionFilter filter, ActorRef<Listing> replyTo)
      implements Command {}

  /** The answer to {@link ListExecutions}. */
  public record Listing(List<ExecutionSummary> executions) implements CborSerializable {}

  record Flush() implements Command {}

  record WakeDue() implements Command {}

  record Recovered() implements Command {}

  record ResumeMore() implements Command {}

  /**
   * How many unfinished executions are woken at once after a recovery, and how long before the
   * next ones: each recovers from the journal, and ten thousand recoveries at once would queue
   * past the journal's timeouts (and open its circuit breaker).
   */
  private static final int RESUME_BATCH = 200;
  private static final Duration RESUME_PAUSE = Duration.ofMillis(200);

  /** The directory's one event: these entries changed. */
  public record Tracked(List<Track> entries) implements CborSerializable {}

  /** What the directory snapshots: its entries, oldest first. */
  public record Snapshot(List<Track> entries) implements CborSerializable {}

  /**
   * The directory's state. Mutated in place by its event handler, which the persistence
   * plugin calls on the actor's thread only: copying thousands of entries per write would cost
   * more than the writes.
   */
  public static final class State {
    final Map<String, Track> entries = new LinkedHashMap<>();
    /** The open executions that have a wake-up time, earliest first. */
    final NavigableSet<Due> due = new TreeSet<>();
    /** The ended executions, in the order they ended: the first are trimmed first. */
    final Set<String> ended = new LinkedHashSet<>();
    /** The most ended executions kept; 0 for all. */
    final int keepEnded;
    /**
     * Whether this is the state before any event, never mutated: the persistence keeps the one
     * {@link #emptyState()} object across its restarts after a journal failure, so a restart
     * recovers from a clean state, not from one holding the entries of the failed write.
     */
    private final boolean pristine;

    State(int keepEnded, boolean pristine) {
      this.keepEnded = keepEnded;
      this.pristine = pristine;
    }

    State apply(Tracked event) {
      if (pristine) {
        return new State(keepEnded, false).apply(event);
      }
      for (Track t : event.entries()) {
        Track old = entries.get(t.id());
        Track now = old == null ? t : new Track(t.id(),
            t.flow() == null ? old.flow() : t.flow(),
            t.status() == null ? old.status() : t.status(),
            t.startedAt() == null ? old.startedAt() : t.startedAt(),
            t.endedAt(), t.wakeAt());
        entries.put(t.id(), now);
        if (old != null && old.wakeAt() != null) {
          due.remove(new Due(old.wakeAt(), old.id()));
        }
        if (isOpen(now) && now.wakeAt() != null) {
          due.add(new Due(now.wakeAt(), now.id()));
        }
        if (!isOpen(now)) {
          ended.add(now.id());
        }
      }
      // the history of ended executions is trimmed, oldest end first
      if (keepEnded > 0) {
        for (var it = ended.iterator(); ended.size() > keepEnded && it.hasNext(); ) {
          entries.remove(it.next());
          it.remove();
        }
      }
      return this;
    }
  }

  /** An execution's wake-up time, ordered by time. */
  record Due(Instant at, String id) implements Comparable<Due> {
    @Override
    public int compareTo(Due o) {
      int c = at.compareTo(o.at);
      return c != 0 ? c : id.compareTo(o.id);
    }
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final Consumer<String> wake;
  private final Clock clock;
  private final int snapshotEvery;
  /** The state before any event; see {@link State#pristine}. */
  private final State empty;
  private final Map<String, Track> pending = new LinkedHashMap<>();
  /** Executions woken for their due time in this incarnation, not to be woken again for it. */
  private final Set<String> woken = new HashSet<>();
  /** Unfinished executions not yet woken after the recovery, oldest first. */
  private final java.util.ArrayDeque<String> toResume = new java.util.ArrayDeque<>();
  /** Who waits for the entries of {@link #pending} to be durable. */
  private final List<ActorRef<Done>> acks = new ArrayList<>();
  private boolean flushRequested;

  /**
   * The directory, restarted with a backoff after any failure (a journal write refused, a
   * recovery that fails): it comes back, wakes the executions that have not ended and re-arms
   * their durable timers. Reports lost with the failed incarnation come again: an execution
   * re-sends its summary when it passivates, and a start waits for its {@link TrackDurably}.
   *
   * @param wake starts the execution with the given id (sends it a {@code Wake})
   */
  public static Behavior<Command> create(Consumer<String> wake, Clock clock) {
    return create(wake, clock, 200, 0);
  }

  /**
   * As {@link #create(Consumer, Clock)}.
   *
   * @param snapshotEvery a snapshot every this many writes, the events before it deleted
   * @param keepEnded the most ended executions listed (the oldest ends are trimmed); 0 for all
   */
  public static Behavior<Command> create(Consumer<String> wake, Clock clock, int snapshotEvery,
      int keepEnded) {
    return Behaviors.supervise(Behaviors.<Command>setup(ctx -> Behaviors.withTimers(timers ->
            new ExecutionDirectory(ctx, timers, wake, clock, snapshotEvery, keepEnded))))
        .onFailure(SupervisorStrategy.restartWithBackoff(
            Duration.ofMillis(200), Duration.ofSeconds(10), 0.2));
  }

  private ExecutionDirectory(ActorContext<Command> context, TimerScheduler<Command> timers,
      Consumer<String> wake, Clock clock, int snapshotEvery, int keepEnded) {
    super(PersistenceId.ofUniqueId("drover-execution-directory"),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2));
    this.context = context;
    this.timers = timers;
    this.wake = wake;
    this.clock = clock;
    this.snapshotEvery = snapshotEvery;
    this.empty = new State(keepEnded, true);
  }

  @Override
  public State emptyState() {
    return empty;
  }

  /** A snapshot every {@code snapshotEvery} writes; the events before it are deleted. */
  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(snapshotEvery, 2).withDeleteEventsOnSnapshot();
  }

  @Override
  public SnapshotAdapter<State> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(State state) {
        return new Snapshot(List.copyOf(state.entries.values()));
      }

      @Override
      public State fromJournal(Object from) {
        return empty.apply(new Tracked(((Snapshot) from).entries()));
      }
    };
  }

  @Override
  public EventHandler<State, Tracked> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), s -> context.getSelf().tell(new Recovered()))
        .build();
  }

  @Override
  public CommandHandler<Command, Tracked, State> commandHandler() {
    return newCommandHandlerBuilder().forAnyState()
        .onCommand(Track.class, (s, t) -> track(t))
        .onCommand(TrackDurably.class, (s, t) -> {
          acks.add(t.replyTo());
          return track(t.track());
        })
        .onCommand(Flush.class, (s, f) -> {
          flushRequested = false;
          if (pending.isEmpty()) {
            return Effect().none();
          }
          Tracked event = new Tracked(List.copyOf(pending.values()));
          List<ActorRef<Done>> durable = List.copyOf(acks);
          pending.clear();
          acks.clear();
          return Effect().persist(event).thenRun(after -> {
            armWake(after);
            durable.forEach(r -> r.tell(Done.getInstance()));
          });
        })
        .onCommand(ListExecutions.class, (s, l) -> {
          l.replyTo().tell(new Listing(list(s, l.filter())));
          return Effect().none();
        })
        .onCommand(Recovered.class, (s, r) -> {
          toResume.clear();
          for (Track t : s.entries.values()) {
            if (isOpen(t)) {
              toResume.add(t.id());
            }
          }
          if (!toResume.isEmpty()) {
            context.getLog().info("resuming {} unfinished executions", toResume.size());
          }
          resumeSome();
          armWake(s);
          return Effect().none();
        })
        .onCommand(ResumeMore.class, (s, r) -> {
          resumeSome();
          return Effect().none();
        })
        .onCommand(WakeDue.class, (s, w) -> {
          Instant now = clock.instant();
          for (Due d : s.due) {
            if (d.at().isAfter(now)) {
              break;
            }
            if (woken.add(d.id())) {
              wake.accept(d.id());
            }
          }
          armWake(s);
          return Effect().none();
        })
        .build();
  }

  private Effect<Tracked, State> track(Track t) {
    Track before = pending.get(t.id());
    pending.put(t.id(), before == null ? t : new Track(t.id(),
        t.flow() == null ? before.flow() : t.flow(), t.status(),
        t.startedAt() == null ? before.startedAt() : t.startedAt(), t.endedAt(),
        t.wakeAt()));
    if (t.wakeAt() != null) {
      woken.remove(t.id());
    }
    if (!flushRequested) {
      flushRequested = true;
      context.getSelf().tell(new Flush());
    }
    return Effect().none();
  }

  /** Wakes the next batch of executions to resume, and arms the timer of the one after. */
  private void resumeSome() {
    for (int i = 0; i < RESUME_BATCH && !toResume.isEmpty(); i++) {
      wake.accept(toResume.poll());
    }
    if (!toResume.isEmpty()) {
      timers.startSingleTimer("resume", new ResumeMore(), RESUME_PAUSE);
    }
  }

  private static boolean isOpen(Track t) {
    return t.status() == null || !t.status().isFinal();
  }

  /** Arms one timer for the earliest wake-up not yet done. */
  private void armWake(State s) {
    Instant next = null;
    for (Due d : s.due) {
      if (!woken.contains(d.id())) {
        next = d.at();
        break;
      }
    }
    if (next == null) {
      timers.cancel("wake");
      return;
    }
    Duration left = Duration.between(clock.instant(), next);
    timers.startSingleTimer("wake", new WakeDue(), left.isNegative() ? Duration.ZERO : left);
  }

  private static List<ExecutionSummary> list(State s, ExecutionFilter filter) {
    List<ExecutionSummary> out = new ArrayList<>();
    for (Track t : s.entries.values()) {
      ExecutionSummary summary =
          new ExecutionSummary(t.id(), t.flow(), t.status(), t.startedAt(), t.endedAt());
      if (filter.matches(summary)) {
        out.add(summary);
      }
    }
    out.sort(Comparator.comparing(ExecutionSummary::startedAt,
        Comparator.nullsLast(Comparator.reverseOrder())));
    return filter.limit() > 0 && out.size() > filter.limit()
        ? List.copyOf(out.subList(0, filter.limit())) : out;
  }
}
