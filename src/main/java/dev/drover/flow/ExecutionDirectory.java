package dev.drover.flow;

import dev.drover.node.CborSerializable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * The journaled index of all executions (a cluster singleton): what {@code FlowService.list}
 * reads, which executions have not ended, and when a passivated one has a durable timer due.
 *
 * <p>This is Drover's equivalent of remember-entities: when it recovers (after a crash, or on
 * another node) it wakes every execution that has not ended, and each resumes from its own
 * journal; while running it wakes passivated executions whose watchdog or retry is due.
 * Reports arriving during a write are gathered and written together.
 */
public final class ExecutionDirectory extends EventSourcedBehavior<
    ExecutionDirectory.Command, ExecutionDirectory.Tracked, ExecutionDirectory.State> {

  /** The messages the directory accepts. */
  public sealed interface Command extends CborSerializable
      permits Track, ListExecutions, Flush, WakeDue, Recovered {}

  /**
   * From an execution: its current summary and when it must be woken ({@code wakeAt}, null for
   * never). Null {@code flow} or {@code startedAt} keep what was known.
   */
  public record Track(String id, String flow, ExecutionStatus status, Instant startedAt,
      Instant endedAt, Instant wakeAt) implements Command {}

  /** Lists executions, newest first. */
  public record ListExecutions(ExecutionFilter filter, ActorRef<Listing> replyTo)
      implements Command {}

  /** The answer to {@link ListExecutions}. */
  public record Listing(List<ExecutionSummary> executions) implements CborSerializable {}

  record Flush() implements Command {}

  record WakeDue() implements Command {}

  record Recovered() implements Command {}

  /** The directory's one event: these entries changed. */
  public record Tracked(List<Track> entries) implements CborSerializable {}

  /**
   * The directory's state. Mutated in place by its event handler, which the persistence
   * plugin calls on the actor's thread only: copying thousands of entries per write would cost
   * more than the writes.
   */
  public static final class State {
    final Map<String, Track> entries = new LinkedHashMap<>();
    /** The open executions that have a wake-up time, earliest first. */
    final NavigableSet<Due> due = new TreeSet<>();

    State apply(Tracked event) {
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
  private final Map<String, Track> pending = new LinkedHashMap<>();
  /** Executions woken for their due time in this incarnation, not to be woken again for it. */
  private final Set<String> woken = new HashSet<>();
  private boolean flushRequested;

  /**
   * @param wake starts the execution with the given id (sends it a {@code Wake})
   */
  public static Behavior<Command> create(Consumer<String> wake, Clock clock) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new ExecutionDirectory(ctx, timers, wake, clock)));
  }

  private ExecutionDirectory(ActorContext<Command> context, TimerScheduler<Command> timers,
      Consumer<String> wake, Clock clock) {
    super(PersistenceId.ofUniqueId("drover-execution-directory"));
    this.context = context;
    this.timers = timers;
    this.wake = wake;
    this.clock = clock;
  }

  @Override
  public State emptyState() {
    return new State();
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
        .onCommand(Track.class, (s, t) -> {
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
        })
        .onCommand(Flush.class, (s, f) -> {
          flushRequested = false;
          if (pending.isEmpty()) {
            return Effect().none();
          }
          Tracked event = new Tracked(List.copyOf(pending.values()));
          pending.clear();
          return Effect().persist(event).thenRun(this::armWake);
        })
        .onCommand(ListExecutions.class, (s, l) -> {
          l.replyTo().tell(new Listing(list(s, l.filter())));
          return Effect().none();
        })
        .onCommand(Recovered.class, (s, r) -> {
          int n = 0;
          for (Track t : s.entries.values()) {
            if (t.status() == null || !t.status().isFinal()) {
              wake.accept(t.id());
              n++;
            }
          }
          if (n > 0) {
            context.getLog().info("resuming {} unfinished executions", n);
          }
          armWake(s);
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
