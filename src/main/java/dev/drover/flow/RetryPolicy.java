package dev.drover.flow;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.time.Duration;
import java.util.Set;

/**
 * How often and when a failed task is tried again.
 *
 * <p>Convention: {@code count} is the number of <em>retries after the first attempt</em>, so a
 * task with {@code count = 3} runs at most four times. The delay before retry {@code n} (1-based)
 * is {@code delay * multiplier^(n-1)}, capped at {@code maxDelay}. A failure whose error kind is
 * in {@code breakOn} is not retried.
 *
 * @param count retries after the first attempt; 0 for none
 * @param delay the delay before the first retry
 * @param multiplier growth of the delay per retry, at least 1
 * @param maxDelay the longest delay
 * @param breakOn error kinds that end the task at once, e.g. {@code "validation"}
 */
public record RetryPolicy(
    int count, Duration delay, double multiplier, Duration maxDelay, Set<String> breakOn) {

  /** No retries. */
  public static final RetryPolicy NONE =
      new RetryPolicy(0, Duration.ZERO, 1.0, Duration.ZERO, Set.of());

  @JsonCreator
  public RetryPolicy {
    if (count < 0) {
      throw new IllegalArgumentException("retry count must not be negative, got " + count);
    }
    if (delay.isNegative() || maxDelay.isNegative()) {
      throw new IllegalArgumentException("retry delays must not be negative");
    }
    if (multiplier < 1.0) {
      throw new IllegalArgumentException("retry multiplier must be at least 1, got " + multiplier);
    }
    breakOn = Set.copyOf(breakOn);
  }

  /** {@code count} retries, each {@code delay} after the failure. */
  public static RetryPolicy fixed(int count, Duration delay) {
    return new RetryPolicy(count, delay, 1.0, delay, Set.of());
  }

  /** {@code count} retries, the delays growing from {@code delay} by {@code multiplier}. */
  public static RetryPolicy backoff(int count, Duration delay, double multiplier, Duration max) {
    return new RetryPolicy(count, delay, multiplier, max, Set.of());
  }

  /** The same policy, not retrying errors of these kinds. */
  public RetryPolicy breakingOn(String... kinds) {
    return new RetryPolicy(count, delay, multiplier, maxDelay, Set.of(kinds));
  }

  /** Whether attempt {@code failedAttempt} (1-based) that failed with {@code kind} is retried. */
  public boolean retries(int failedAttempt, String kind) {
    return failedAttempt <= count && !breakOn.contains(kind);
  }

  /** The longest delay ever waited, whatever the policy says: a year. */
  static final Duration LONGEST = Duration.ofDays(365);

  /** The delay before attempt {@code failedAttempt + 1}; a zero {@code maxDelay} caps nothing. */
  public Duration delayAfter(int failedAttempt) {
    double factor = Math.pow(multiplier, Math.max(0, failedAttempt - 1));
    double millis = delay.toMillis() * factor;
    double cap = maxDelay.isZero() ? LONGEST.toMillis() : Math.min(maxDelay.toMillis(), LONGEST.toMillis());
    return Duration.ofMillis((long) Math.min(millis, cap));
  }
}
