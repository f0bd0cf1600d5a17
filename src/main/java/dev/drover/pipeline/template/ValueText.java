package dev.drover.pipeline.template;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The text a variable's value renders as: the plain form a user expects, close to what Go's
 * templates print, but numbers are written out in full.
 *
 * <p>Values are what Jackson binds JSON to: strings, numbers, booleans, null, lists and maps.
 * Lists and maps render as Go prints them ({@code [a b]}, {@code map[k:v]}, keys sorted), since a
 * script that printed them under prunner expects that form.
 */
final class ValueText {

  private ValueText() {}

  static String of(Object value) {
    if (value == null) {
      // Go prints "<no value>" for nil; an empty string is what a script can use
      return "";
    }
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof Double d) {
      return decimal(d);
    }
    if (value instanceof Float f) {
      // through the float's own shortest text, so 0.1f is "0.1", not 0.100000001490116...
      return f.isNaN() || f.isInfinite()
          ? decimal(f.doubleValue())
          : plain(new BigDecimal(f.toString()));
    }
    if (value instanceof BigDecimal b) {
      return plain(b);
    }
    if (value instanceof Number || value instanceof Boolean) {
      return value.toString();
    }
    if (value instanceof Collection<?> c) {
      return list(c);
    }
    if (value.getClass().isArray()) {
      List<Object> items = new ArrayList<>();
      for (int i = 0; i < Array.getLength(value); i++) {
        items.add(Array.get(value, i));
      }
      return list(items);
    }
    if (value instanceof Map<?, ?> m) {
      Map<String, Object> sorted = new TreeMap<>();
      m.forEach((k, v) -> sorted.put(String.valueOf(k), v));
      StringBuilder text = new StringBuilder("map[");
      sorted.forEach(
          (k, v) -> text.append(text.length() > 4 ? " " : "").append(k).append(':').append(of(v)));
      return text.append(']').toString();
    }
    return value.toString();
  }

  private static String list(Collection<?> items) {
    StringBuilder text = new StringBuilder("[");
    for (Object item : items) {
      text.append(text.length() > 1 ? " " : "").append(of(item));
    }
    return text.append(']').toString();
  }

  /**
   * A double as a person writes it: {@code 3}, {@code 1.5}, {@code 1000000}. prunner decodes every
   * JSON number to a float64 and Go prints large ones as {@code 1e+06}, which no script wants.
   */
  private static String decimal(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "+Inf" : "-Inf";
    }
    return plain(BigDecimal.valueOf(d));
  }

  private static String plain(BigDecimal b) {
    if (b.signum() == 0) {
      return "0";
    }
    return b.stripTrailingZeros().toPlainString();
  }
}
