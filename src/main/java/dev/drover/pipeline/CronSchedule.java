package dev.drover.pipeline;

import java.util.Objects;

/**
 * When a pipeline runs by itself: its {@code schedule} (a Drover addition to prunner's schema).
 * Either a plain cron expression or a mapping with a time zone:
 *
 * <pre>{@code
 * schedule: "0 3 * * *"
 * schedule: {cron: "*\/5 * * * *", timezone: Europe/Berlin}
 * }</pre>
 *
 * <p>The expression is kept as written. The loader checks only its shape: five fields (minute,
 * hour, day of month, month, day of week) or one of {@code @yearly}, {@code @annually},
 * {@code @monthly}, {@code @weekly}, {@code @daily}, {@code @midnight}, {@code @hourly}; the
 * scheduler reads the fields.
 *
 * @param cron the cron expression, as written
 * @param timezone an IANA time zone such as {@code Europe/Berlin}, or null for the server's zone
 */
public record CronSchedule(String cron, String timezone) {

  public CronSchedule {
    Objects.requireNonNull(cron, "cron");
  }
}
