package dev.drover.pipeline;

import com.cronutils.model.time.ExecutionTime;
import dev.drover.pipeline.PipelineApi.ScheduleRequest;
import dev.drover.pipeline.definition.CronSchedule;
import dev.drover.pipeline.definition.PipelineDefinition;
import dev.drover.serialization.CborSerializable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Schedules a job of each pipeline with a {@code schedule} once per due time of its cron
 * expression ({@link CronSchedule#DEFINITION}, in the schedule's time zone, UTC by default), with
 * user {@code schedule}. It checks the clock every {@code checkEvery}. One scheduler runs in the
 * cluster (a singleton on the engine nodes) and journals each due time it fires, so a due time
 * fires once in the whole cluster; due times missed while no node ran are not replayed, except
 * one at most {@code catchUp} old (a hand-over between nodes).
 */
public final class CronScheduler {
  private static final Logger LOG = LoggerFactory.getLogger(CronScheduler.class);

  /** The user of jobs started by a schedule. */
  public static final String USER = "schedule";

  /** A pipeline's schedule, resolved. */
  public record Due(String pipeline, String cron, ZoneId zone) {

    /** The schedule of {@code def}, or null when it has none. */
    public static Due of(PipelineDefinition def) {
      CronSchedule s = def.schedule();
      return s == null ? null : new Due(def.name(), s.cron(),
          s.timezone() == null ? ZoneId.of("UTC") : ZoneId.of(s.timezone()));
    }
  }

  private CronScheduler() {}

  /**
   * The instant after {@code after} when {@code schedule} is next due, if ever.
   *
   * @throws CronSchedule.InvalidCron when its expression is bad (the loader refuses those)
   */
  public static Optional<Instant> next(Due schedule, Instant after) {
    ExecutionTime times = ExecutionTime.forCron(CronSchedule.parse(schedule.cron()));
    return times.nextExecution(ZonedDateTime.ofInstant(after, schedule.zone()))
        .map(ZonedDateTime::toInstant);
  }

  /** The scheduler's timer. */
  public record Check() implements CborSerializable {}

  /** What the scheduler journals: the job of {@code pipeline}'s due time {@code due} was scheduled. */
  public record Fired(String pipeline, Instant due) implements CborSerializable {}

  /** The last due time fired per pipeline. */
  public record State(Map<String, Instant> lastFired) {
    State apply(Fired f) {
      Map<String, Instant> next = new HashMap<>(lastFired);
      next.put(f.pipeline(), f.due());
      return new State(Map.copyOf(next));
    }
  }

  /** The persistence id of the cluster's one scheduler. */
  public static final String PERSISTENCE_ID = "drover-pipeline-cron";

  /**
   * A scheduler with a catch-up window of one minute.
   *
   * @param schedules the current schedules (read at every check, so a reload takes effect)
   * @param schedule schedules one job
   */
  public static Behavior<Check> create(Supplier<List<Due>> schedules,
      Consumer<ScheduleRequest> schedule, Clock clock, Duration checkEvery) {
    return create(schedules, schedule, clock, checkEvery, Duration.ofMinutes(1));
  }

  /**
   * The cluster's scheduler, journaled: each due time is recorded as fired before its job is
   * scheduled, so a due time fires at most once however often the scheduler moves between nodes
   * (a cluster singleton) or restarts. A due time missed while no scheduler ran is fired late
   * when it is at most {@code catchUp} old (the gap of a hand-over), and skipped otherwise.
   */
  public static Behavior<Check> create(Supplier<List<Due>> schedules,
      Consumer<ScheduleRequest> schedule, Clock clock, Duration checkEvery, Duration catchUp) {
    // supervised: a failure restarts it after a backoff instead of stopping every schedule with
    // it (a journal failure restarts it through the persistence's own backoff)
    return Behaviors.supervise(Behaviors.<Check>setup(ctx -> Behaviors.withTimers(timers ->
            new Journaled(timers, schedules, schedule, clock, checkEvery, catchUp))))
        .onFailure(SupervisorStrategy.restartWithBackoff(
            Duration.ofMillis(200), Duration.ofSeconds(30), 0.2));
  }

  private static final class Journaled extends EventSourcedBehavior<Check, Fired, State> {
    private final TimerScheduler<Check> timers;
    private final Supplier<List<Due>> schedules;
    private final Consumer<ScheduleRequest> schedule;
    private final Clock clock;
    private final Duration checkEvery;
    private final Duration catchUp;
    /** When this incarnation started: a schedule never fired is due from catchUp before. */
    private final Instant started;
    /** Schedules whose expression can't be read, each logged once and skipped. */
    private final Set<Due> broken = new HashSet<>();

    Journaled(TimerScheduler<Check> timers, Supplier<List<Due>> schedules,
        Consumer<ScheduleRequest> schedule, Clock clock, Duration checkEvery, Duration catchUp) {
      super(PersistenceId.ofUniqueId(PERSISTENCE_ID),
          SupervisorStrategy.restartWithBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2));
      this.timers = timers;
      this.schedules = schedules;
      this.schedule = schedule;
      this.clock = clock;
      this.checkEvery = checkEvery;
      this.catchUp = catchUp;
      this.started = clock.instant();
    }

    @Override
    public State emptyState() {
      return new State(Map.of());
    }

    @Override
    public EventHandler<State, Fired> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
    }

    @Override
    public SignalHandler<State> signalHandler() {
      return newSignalHandlerBuilder()
          .onSignal(RecoveryCompleted.instance(),
              s -> timers.startTimerWithFixedDelay(new Check(), checkEvery))
          .build();
    }

    @Override
    public CommandHandler<Check, Fired, State> commandHandler() {
      return newCommandHandlerBuilder().forAnyState().onCommand(Check.class, this::onCheck)
          .build();
    }

    private Effect<Fired, State> onCheck(State state, Check check) {
      Instant now = clock.instant();
      List<Fired> due = new ArrayList<>();
      List<Due> current = schedules.get();
      broken.retainAll(current);
      for (Due s : current) {
        if (broken.contains(s)) {
          continue;
        }
        // never fired: the due time may have passed while the scheduler moved to this node
        Instant last = state.lastFired().get(s.pipeline());
        Instant from = last == null ? started.minus(catchUp)
            : last.isBefore(now.minus(catchUp)) ? now.minus(catchUp) : last;
        try {
          next(s, from).filter(n -> !n.isAfter(now))
              .ifPresent(n -> due.add(new Fired(s.pipeline(), n)));
        } catch (IllegalArgumentException e) {
          // a schedule built in code, which no loader checked: the others go on
          broken.add(s);
          LOG.error("schedule of pipeline {} ({}) is skipped: {}", s.pipeline(), s.cron(),
              e.getMessage());
        }
      }
      if (due.isEmpty()) {
        return Effect().none();
      }
      return Effect().persist(due).thenRun(after -> due.forEach(f -> {
        LOG.info("schedule of pipeline {} is due at {}: scheduling a job", f.pipeline(), f.due());
        schedule.accept(new ScheduleRequest(f.pipeline(), Map.of(), null, USER));
      }));
    }
  }
}
