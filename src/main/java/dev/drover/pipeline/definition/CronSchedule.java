package dev.drover.pipeline.definition;

import com.cronutils.model.Cron;
import com.cronutils.model.definition.CronDefinition;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.parser.CronParser;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * When a pipeline runs by itself: its {@code schedule} (a Drover addition to prunner's schema).
 * Either a plain cron expression or a mapping with a time zone:
 *
 * <pre>{@code
 * schedule: "0 3 * * *"
 * schedule: {cron: "*\/5 * * * *", timezone: Europe/Berlin}
 * schedule: "@daily"
 * }</pre>
 *
 * <p>An expression is read by cron-utils with {@link #DEFINITION}, the one definition that both the
 * loader (which reports a bad expression with its line and column) and {@link
 * dev.drover.pipeline.CronScheduler} use: Unix crontab's five fields (minute 0-59, hour 0-23, day
 * of month 1-31, month 1-12 or JAN-DEC, day of week 0-7 or SUN-SAT, 0 and 7 both Sunday) and the
 * nicknames {@code @yearly}, {@code @annually}, {@code @monthly}, {@code @weekly}, {@code @daily},
 * {@code @midnight} and {@code @hourly}.
 *
 * @param cron the cron expression, as written
 * @param timezone an IANA time zone such as {@code Europe/Berlin}, or null for UTC
 */
public record CronSchedule(String cron, String timezone) {

  /** Unix crontab's fields, with its nicknames (cron-utils' UNIX type has none). */
  public static final CronDefinition DEFINITION = CronDefinitionBuilder.defineCron()
      .withMinutes().withValidRange(0, 59).withStrictRange().and()
      .withHours().withValidRange(0, 23).withStrictRange().and()
      .withDayOfMonth().withValidRange(1, 31).withStrictRange().and()
      .withMonth().withValidRange(1, 12).withStrictRange().and()
      .withDayOfWeek().withValidRange(0, 7).withMondayDoWValue(1).withIntMapping(7, 0)
      .withStrictRange().and()
      .withSupportedNicknameYearly()
      .withSupportedNicknameAnnually()
      .withSupportedNicknameMonthly()
      .withSupportedNicknameWeekly()
      .withSupportedNicknameDaily()
      .withSupportedNicknameMidnight()
      .withSupportedNicknameHourly()
      .instance();

  /** The nicknames {@link #DEFINITION} knows, e.g. {@code @daily}. */
  public static final Set<String> NICKNAMES = nicknames();

  private static final CronParser PARSER = new CronParser(DEFINITION);
  private static final List<String> FIELDS =
      List.of("minute", "hour", "day-of-month", "month", "day-of-week");

  public CronSchedule {
    Objects.requireNonNull(cron, "cron");
  }

  /**
   * The expression, parsed and checked.
   *
   * @throws InvalidCron saying which field is wrong and why
   */
  public static Cron parse(String expression) {
    String text = expression.trim();
    try {
      return PARSER.parse(text).validate();
    } catch (IllegalArgumentException e) {
      throw new InvalidCron(why(text, e));
    }
  }

  /** cron-utils' reason, naming the field at fault when there are five. */
  private static String why(String text, IllegalArgumentException failure) {
    String reason = failure.getMessage() == null ? "it cannot be parsed"
        : failure.getMessage().replaceFirst("^Failed to parse cron expression\\. ", "");
    String[] fields = text.split("\\s+");
    if (fields.length != FIELDS.size()) {
      return reason;
    }
    for (int i = 0; i < fields.length; i++) {
      String[] alone = new String[fields.length];
      Arrays.fill(alone, "*");
      alone[i] = fields[i];
      try {
        PARSER.parse(String.join(" ", alone)).validate();
      } catch (IllegalArgumentException e) {
        return "the " + FIELDS.get(i) + " field \"" + fields[i] + "\" is wrong: " + reason;
      }
    }
    return reason;
  }

  private static Set<String> nicknames() {
    Set<String> names = new TreeSet<>();
    DEFINITION.getCronNicknames()
        .forEach(n -> names.add("@" + n.name().toLowerCase(Locale.ROOT)));
    return Set.copyOf(names);
  }

  /** A cron expression cron-utils refuses; the message says which field and why. */
  public static final class InvalidCron extends IllegalArgumentException {
    public InvalidCron(String message) {
      super(message);
    }
  }
}
