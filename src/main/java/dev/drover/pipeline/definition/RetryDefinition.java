package dev.drover.pipeline.definition;

import dev.drover.flow.RetryPolicy;
import java.time.Duration;

/**
 * A task's {@code retry} (a Drover addition to prunner's schema), for example
 * {@code retry: {count: 3, delay: 10s, backoff: 2}}.
 *
 * <p>As in the flow layer's {@link RetryPolicy}, {@code count} is the number of retries after the
 * first attempt, so {@code count: 3} runs the script at most four times; the delay before retry
 * {@code n} is {@code delay * backoff^(n-1)}.
 *
 * @param count retries after the first attempt, at least 0
 * @param delay the wait before the first retry, not negative; zero when not given
 * @param backoff growth of the delay per retry, at least 1; 1 (a fixed delay) when not given
 */
public record RetryDefinition(int count, Duration delay, double backoff) {

  public RetryDefinition {
    if (count < 0) {
      throw new IllegalArgumentException("retry count must not be negative, got " + count);
    }
    if (delay.isNegative()) {
      throw new IllegalArgumentException("retry delay must not be negative, got " + delay);
    }
    if (!(backoff >= 1.0) || Double.isInfinite(backoff)) {
      throw new IllegalArgumentException("retry backoff must be at least 1, got " + backoff);
    }
  }

  /** The flow layer's policy for this definition: its delays grow without a cap. */
  public RetryPolicy toRetryPolicy() {
    return RetryPolicy.backoff(count, delay, backoff, Duration.ZERO);
  }
}
