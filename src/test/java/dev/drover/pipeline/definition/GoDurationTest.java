package dev.drover.pipeline.definition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Go durations as prunner's files hold them, read the way Go's time.ParseDuration reads them. */
class GoDurationTest {

  static Stream<Arguments> accepted() {
    return Stream.of(
        Arguments.of("10s", Duration.ofSeconds(10)),
        Arguments.of("1m30s", Duration.ofSeconds(90)),
        Arguments.of("500ms", Duration.ofMillis(500)),
        Arguments.of("2h", Duration.ofHours(2)),
        Arguments.of("1.5h", Duration.ofMinutes(90)),
        Arguments.of("0", Duration.ZERO),
        Arguments.of("+0", Duration.ZERO),
        Arguments.of("0s", Duration.ZERO),
        Arguments.of("-5m", Duration.ofMinutes(-5)),
        Arguments.of("+3s", Duration.ofSeconds(3)),
        Arguments.of("1h2m3s4ms5us6ns", Duration.ofHours(1).plusMinutes(2).plusSeconds(3)
            .plusMillis(4).plusNanos(5_006)),
        Arguments.of("3\u00b5s", Duration.ofNanos(3_000)),
        Arguments.of("3\u03bcs", Duration.ofNanos(3_000)),
        Arguments.of(".5s", Duration.ofMillis(500)),
        Arguments.of("1.s", Duration.ofSeconds(1)),
        Arguments.of("1.0000000009s", Duration.ofSeconds(1)),
        Arguments.of("2562047h47m16.854775807s", Duration.ofNanos(Long.MAX_VALUE)),
        Arguments.of("-2562047h47m16.854775808s", Duration.ofNanos(Long.MIN_VALUE)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("accepted")
  void readsWhatGoReads(String text, Duration expected) {
    // given a duration as Go writes it
    // when it is parsed
    // then it is that java.time.Duration
    assertThat(GoDuration.parse(text)).isEqualTo(expected);
  }

  static Stream<Arguments> refused() {
    return Stream.of(
        Arguments.of("", "invalid duration \"\""),
        Arguments.of("-", "invalid duration \"-\""),
        Arguments.of("s", "invalid duration \"s\""),
        Arguments.of(".s", "invalid duration \".s\""),
        Arguments.of("abc", "invalid duration \"abc\""),
        Arguments.of("5", "missing unit in duration \"5\" (units: ns, us, ms, s, m, h, e.g. \"5s\")"),
        Arguments.of("1h30", "missing unit in duration \"1h30\""),
        Arguments.of("2d", "unknown unit \"d\" in duration \"2d\" (units: ns, us, ms, s, m, h)"),
        Arguments.of("1h 30m", "unknown unit \"h \" in duration \"1h 30m\""),
        Arguments.of("10S", "unknown unit \"S\" in duration \"10S\""),
        Arguments.of(" 1s", "invalid duration \" 1s\""),
        Arguments.of("2562047h47m16.854775808s", "is out of range"),
        Arguments.of("9999999999999999999h", "is out of range"));
  }

  @ParameterizedTest(name = "\"{0}\"")
  @MethodSource("refused")
  void refusesWhatGoRefusesSayingWhy(String text, String message) {
    // given text that is no Go duration
    // when it is parsed
    // then it is refused, the message saying what is wrong
    assertThatThrownBy(() -> GoDuration.parse(text))
        .isInstanceOf(GoDuration.InvalidDurationException.class)
        .hasMessageContaining(message);
  }
}
