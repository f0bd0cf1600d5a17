package dev.drover.pipeline;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import dev.drover.pipeline.PipelineApi.ScheduleRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Schedules a job of each pipeline with a {@code schedule} once per due time of its cron
 * expression (five Unix fields, in the schedule's time zone, UTC by default), with user
 * {@code schedule}. It checks the clock every {@code checkEvery}: due times missed while the
 * server was down are not replayed; the next one after the start is the first.
 */
public final class CronScheduler {
  private static final Logger LOG = LoggerFactory.getLogger(CronScheduler.class);
  private static final CronParser PARSER =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

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

  /** The instant after {@code after} when {@code schedule} is next due, if ever. */
  public static Optional<Instant> next(Due schedule, Instant after) {
    ExecutionTime times = ExecutionTime.forCron(PARSER.parse(schedule.cron()));
    return times.nextExecution(ZonedDateTime.ofInstant(after, schedule.zone()))
        .map(ZonedDateTime::toInstant);
  }

  /** Throws {@link IllegalArgumentException} with the parser's reason if {@code cron} is bad. */
  public static void validate(String cron) {
    PARSER.parse(cron).validate();
  }

  private record Check() {}

  /**
   * @param schedules the current schedules (read at every check, so a reload takes effect)
   * @param schedule schedules one job
   */
  public static Behavior<Object> create(Supplier<List<Due>> schedules,
      Consumer<ScheduleRequest> schedule, Clock clock, Duration checkEvery) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(new Check(), checkEvery);
      Map<Due, Instant> due = new HashMap<>();
      return Behaviors.receiveMessage(m -> {
        Instant now = clock.instant();
        List<Due> current = schedules.get();
        due.keySet().retainAll(current);
        for (Due s : current) {
          Instant next = due.computeIfAbsent(s, k -> next(k, now).orElse(null));
          if (next != null && !next.isAfter(now)) {
            LOG.info("schedule of pipeline {} ({}) is due at {}: scheduling a job", s.pipeline(),
                s.cron(), next);
            schedule.accept(new ScheduleRequest(s.pipeline(), Map.of(), null, USER));
            next(s, now).ifPresentOrElse(n -> due.put(s, n), () -> due.remove(s));
          }
        }
        return Behaviors.same();
      });
    }));
  }
}
