package dev.drover.pipeline.definition;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Map;

/**
 * Durations written the way Go's {@code time.ParseDuration} reads them, because prunner's
 * {@code pipelines.yml} files hold them: {@code "10s"}, {@code "1m30s"}, {@code "500ms"},
 * {@code "2h"}, {@code "1.5h"}, {@code "-5m"} and {@code "0"}.
 *
 * <p>A duration is an optional sign and one or more decimal numbers, each with a unit: {@code ns},
 * {@code us} (or {@code µs}), {@code ms}, {@code s}, {@code m}, {@code h}. Only the bare {@code 0}
 * may go without a unit; there are no days, and no spaces. Like Go, the value must fit in a signed
 * 64-bit count of nanoseconds (about 292 years); fractions finer than a nanosecond are dropped.
 */
public final class GoDuration {

  /** Nanoseconds per unit; Go accepts both the micro sign and the Greek mu for microseconds. */
  private static final Map<String, Long> UNITS = Map.of(
      "ns", 1L,
      "us", 1_000L,
      "\u00b5s", 1_000L,
      "\u03bcs", 1_000L,
      "ms", 1_000_000L,
      "s", 1_000_000_000L,
      "m", 60_000_000_000L,
      "h", 3_600_000_000_000L);

  private static final String UNIT_LIST = "ns, us, ms, s, m, h";
  private static final BigInteger MAX_NANOS = BigInteger.valueOf(Long.MAX_VALUE);
  private static final BigInteger MIN_NANOS = BigInteger.valueOf(Long.MIN_VALUE);

  private GoDuration() {}

  /** A string that is not a Go duration; the message says what is wrong with it. */
  public static final class InvalidDurationException extends IllegalArgumentException {
    InvalidDurationException(String message) {
      super(message);
    }
  }

  /**
   * The duration {@code text} denotes.
   *
   * @throws InvalidDurationException when {@code text} is not a Go duration, e.g. {@code "5"}
   *     (missing unit), {@code "2d"} (unknown unit) or {@code "1h 30m"} (a space)
   */
  public static Duration parse(String text) {
    String s = text;
    boolean negative = false;
    if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
      negative = s.charAt(0) == '-';
      s = s.substring(1);
    }
    // Go's one exception to "every number has a unit"
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    if (s.isEmpty()) {
      throw invalid(text);
    }
    BigDecimal nanos = BigDecimal.ZERO;
    int i = 0;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && isDigit(s.charAt(i))) {
        i++;
      }
      boolean integerDigits = i > start;
      boolean fractionDigits = false;
      if (i < s.length() && s.charAt(i) == '.') {
        i++;
        int fractionStart = i;
        while (i < s.length() && isDigit(s.charAt(i))) {
          i++;
        }
        fractionDigits = i > fractionStart;
      }
      if (!integerDigits && !fractionDigits) {
        throw invalid(text);
      }
      String number = s.substring(start, i);
      int unitStart = i;
      while (i < s.length() && !isDigit(s.charAt(i)) && s.charAt(i) != '.') {
        i++;
      }
      if (i == unitStart) {
        throw new InvalidDurationException("missing unit in duration " + quote(text)
            + " (units: " + UNIT_LIST + ", e.g. \"" + number + "s\")");
      }
      String unit = s.substring(unitStart, i);
      Long unitNanos = UNITS.get(unit);
      if (unitNanos == null) {
        throw new InvalidDurationException("unknown unit " + quote(unit) + " in duration "
            + quote(text) + " (units: " + UNIT_LIST + ")");
      }
      // "1." and ".5" are numbers to Go; BigDecimal wants a digit on both sides
      String decimal = (integerDigits ? "" : "0") + number + (number.endsWith(".") ? "0" : "");
      nanos = nanos.add(new BigDecimal(decimal).multiply(BigDecimal.valueOf(unitNanos)));
    }
    BigInteger whole = nanos.toBigInteger();
    if (negative) {
      whole = whole.negate();
    }
    if (whole.compareTo(MAX_NANOS) > 0 || whole.compareTo(MIN_NANOS) < 0) {
      throw new InvalidDurationException("duration " + quote(text)
          + " is out of range (at most about 292 years)");
    }
    return Duration.ofNanos(whole.longValueExact());
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static InvalidDurationException invalid(String text) {
    return new InvalidDurationException("invalid duration " + quote(text)
        + " (expected a number with a unit, e.g. \"10s\", \"1m30s\", \"1.5h\")");
  }

  private static String quote(String s) {
    return '"' + s + '"';
  }
}
