package dev.drover.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** How often and after which delay a failed task is tried again. */
class RetryPolicyTest {

  @ParameterizedTest(name = "count {0}")
  @ValueSource(ints = {1, 3, 5})
  void aCountOfNIsNRetriesAfterTheFirstAttempt(int n) {
    // given a policy of n retries
    RetryPolicy policy = RetryPolicy.fixed(n, Duration.ofSeconds(1));

    // then attempts 1..n are retried after failing, attempt n + 1 is the last
    for (int attempt = 1; attempt <= n; attempt++) {
      assertThat(policy.retries(attempt, "boom")).as("attempt %d retried", attempt).isTrue();
    }
    assertThat(policy.retries(n + 1, "boom")).isFalse();
  }

  @Test
  void noneNeverRetries() {
    assertThat(RetryPolicy.NONE.count()).isZero();
    assertThat(RetryPolicy.NONE.retries(1, "boom")).isFalse();
    assertThat(RetryPolicy.fixed(0, Duration.ofSeconds(1)).retries(1, "boom")).isFalse();
  }

  @ParameterizedTest(name = "after attempt {0}: {1} ms")
  @CsvSource({"1, 100", "2, 200", "3, 300", "4, 300", "10, 300"})
  void backoffDelaysGrowByTheMultiplierUpToTheMaximum(int failedAttempt, long millis) {
    // given 100 ms doubling, capped at 300 ms
    RetryPolicy policy =
        RetryPolicy.backoff(10, Duration.ofMillis(100), 2.0, Duration.ofMillis(300));

    // then the delays are 100, 200, then 400 capped to 300, and 300 from then on
    assertThat(policy.delayAfter(failedAttempt)).isEqualTo(Duration.ofMillis(millis));
  }

  @ParameterizedTest(name = "after attempt {0}: {1} ms")
  @CsvSource({"1, 100", "2, 200", "3, 400", "4, 800"})
  void backoffBelowTheMaximumIsNotCapped(int failedAttempt, long millis) {
    RetryPolicy policy = RetryPolicy.backoff(10, Duration.ofMillis(100), 2.0, Duration.ofHours(1));

    assertThat(policy.delayAfter(failedAttempt)).isEqualTo(Duration.ofMillis(millis));
  }

  @Test
  void aFixedPolicyWaitsTheSameBeforeEveryRetry() {
    RetryPolicy policy = RetryPolicy.fixed(3, Duration.ofSeconds(2));

    assertThat(policy.delayAfter(1)).isEqualTo(Duration.ofSeconds(2));
    assertThat(policy.delayAfter(2)).isEqualTo(Duration.ofSeconds(2));
    assertThat(policy.delayAfter(3)).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void anErrorKindInBreakOnIsNotRetried() {
    // given three retries, breaking on validation errors
    RetryPolicy policy = RetryPolicy.fixed(3, Duration.ofSeconds(1)).breakingOn("validation");

    // then a validation error ends the task at once, another error is retried
    assertThat(policy.retries(1, "validation")).isFalse();
    assertThat(policy.retries(1, "boom")).isTrue();
    assertThat(policy.breakOn()).isEqualTo(Set.of("validation"));
    assertThat(policy.count()).isEqualTo(3);
  }

  @Test
  void aNegativeCountIsRejected() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> RetryPolicy.fixed(-1, Duration.ofSeconds(1)))
        .withMessageContaining("-1");
  }

  @Test
  void aNegativeDelayIsRejected() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> RetryPolicy.fixed(1, Duration.ofSeconds(-1)))
        .withMessageContaining("negative");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> RetryPolicy.backoff(1, Duration.ofSeconds(1), 2.0,
            Duration.ofSeconds(-1)))
        .withMessageContaining("negative");
  }

  @Test
  void aMultiplierBelowOneIsRejected() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> RetryPolicy.backoff(1, Duration.ofSeconds(1), 0.5,
            Duration.ofSeconds(10)))
        .withMessageContaining("0.5");
  }
}
