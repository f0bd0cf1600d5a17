package dev.drover.pipeline.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Go's {@code fmt.Sprintf}, {@code Sprint} and {@code Sprintln} for the values a template sees
 * (strings, numbers, booleans, null, lists and maps), as {@code printf}, {@code print} and
 * {@code println} in a template use them: the verbs {@code %v %s %q %d %b %o %x %X %c %e %E %f
 * %F %g %G %t %%}, the flags {@code + - # 0} and space, width and precision (also {@code *}), and
 * Go's {@code %!verb(type=value)}, {@code %!verb(MISSING)} and {@code %!(EXTRA ...)} for
 * mismatches. One difference on purpose: a whole number that JSON gave as a float prints with
 * {@code %d} (prunner's Go sees every JSON number as a float64 and prints {@code %!d(float64=3)}).
 */
final class GoFormat {

  private GoFormat() {}

  static String sprintf(String format, List<Object> args) {
    StringBuilder out = new StringBuilder();
    int arg = 0;
    int i = 0;
    while (i < format.length()) {
      char c = format.charAt(i);
      if (c != '%') {
        out.append(c);
        i++;
        continue;
      }
      i++;
      if (i >= format.length()) {
        out.append("%!(NOVERB)");
        break;
      }
      Spec spec = new Spec();
      // flags
      while (i < format.length() && "+-# 0".indexOf(format.charAt(i)) >= 0) {
        switch (format.charAt(i)) {
          case '+' -> spec.plus = true;
          case '-' -> spec.minus = true;
          case '#' -> spec.sharp = true;
          case ' ' -> spec.space = true;
          default -> spec.zero = true;
        }
        i++;
      }
      // width
      if (i < format.length() && format.charAt(i) == '*') {
        i++;
        if (arg < args.size() && integer(args.get(arg)) != null) {
          spec.width = integer(args.get(arg++)).intValue();
          if (spec.width < 0) {
            spec.minus = true;
            spec.width = -spec.width;
          }
        } else {
          out.append("%!(BADWIDTH)");
          arg++;
        }
      } else {
        int start = i;
        while (i < format.length() && Character.isDigit(format.charAt(i))) {
          i++;
        }
        if (i > start) {
          spec.width = Integer.parseInt(format.substring(start, i));
        }
      }
      // precision
      if (i < format.length() && format.charAt(i) == '.') {
        i++;
        if (i < format.length() && format.charAt(i) == '*') {
          i++;
          if (arg < args.size() && integer(args.get(arg)) != null) {
            spec.precision = Math.max(0, integer(args.get(arg++)).intValue());
          } else {
            out.append("%!(BADPREC)");
            arg++;
          }
        } else {
          int start = i;
          while (i < format.length() && Character.isDigit(format.charAt(i))) {
            i++;
          }
          spec.precision = i > start ? Integer.parseInt(format.substring(start, i)) : 0;
        }
      }
      if (i >= format.length()) {
        out.append("%!(NOVERB)");
        break;
      }
      char verb = format.charAt(i++);
      if (verb == '%') {
        out.append('%');
        continue;
      }
      if (arg >= args.size()) {
        out.append("%!").append(verb).append("(MISSING)");
        continue;
      }
      out.append(pad(spec, verb, args.get(arg++)));
    }
    if (arg < args.size()) {
      out.append("%!(EXTRA ");
      for (int k = arg; k < args.size(); k++) {
        out.append(k > arg ? ", " : "").append(typeName(args.get(k))).append('=')
            .append(ValueText.of(args.get(k)));
      }
      out.append(')');
    }
    return out.toString();
  }

  /** Go's Sprint: a space between two operands when neither is a string. */
  static String sprint(List<Object> args) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < args.size(); i++) {
      if (i > 0 && !(args.get(i) instanceof String) && !(args.get(i - 1) instanceof String)) {
        out.append(' ');
      }
      out.append(ValueText.of(args.get(i)));
    }
    return out.toString();
  }

  /** Go's Sprintln: spaces between all operands, and a newline. */
  static String sprintln(List<Object> args) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < args.size(); i++) {
      out.append(i > 0 ? " " : "").append(ValueText.of(args.get(i)));
    }
    return out.append('\n').toString();
  }

  private static final class Spec {
    boolean plus;
    boolean minus;
    boolean sharp;
    boolean space;
    boolean zero;
    int width = -1;
    int precision = -1;
  }

  private static String pad(Spec spec, char verb, Object value) {
    String text = format(spec, verb, value);
    if (spec.width < 0 || text.codePointCount(0, text.length()) >= spec.width) {
      return text;
    }
    int missing = spec.width - text.codePointCount(0, text.length());
    if (spec.minus) {
      return text + " ".repeat(missing);
    }
    boolean numeric = "dboxXeEfFgG".indexOf(verb) >= 0 && value instanceof Number;
    if (spec.zero && numeric) {
      int sign = !text.isEmpty() && "+- ".indexOf(text.charAt(0)) >= 0 ? 1 : 0;
      return text.substring(0, sign) + "0".repeat(missing) + text.substring(sign);
    }
    return " ".repeat(missing) + text;
  }

  private static String format(Spec spec, char verb, Object value) {
    switch (verb) {
      case 'v' -> {
        return value instanceof Number n ? signed(spec, ValueText.of(n)) : ValueText.of(value);
      }
      case 's' -> {
        String text = value instanceof Number || value instanceof String || value == null
            || value instanceof Boolean || value instanceof Collection<?> || value instanceof Map
            ? ValueText.of(value) : null;
        if (text == null) {
          return bad(verb, value);
        }
        return spec.precision >= 0 ? truncate(text, spec.precision) : text;
      }
      case 'q' -> {
        if (value instanceof String s) {
          return spec.sharp && s.indexOf('`') < 0 ? "`" + s + "`" : quote(s);
        }
        BigInteger n = integer(value);
        return n != null ? "'" + new String(Character.toChars(n.intValue())) + "'"
            : bad(verb, value);
      }
      case 't' -> {
        return value instanceof Boolean ? value.toString() : bad(verb, value);
      }
      case 'd', 'b', 'o', 'O', 'x', 'X', 'c' -> {
        if ((verb == 'x' || verb == 'X') && value instanceof String s) {
          StringBuilder hex = new StringBuilder();
          for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            hex.append(String.format(verb == 'x' ? "%02x" : "%02X", b & 0xff));
          }
          return hex.toString();
        }
        BigInteger n = integer(value);
        if (n == null) {
          if ((verb == 'x' || verb == 'X') && value instanceof Number) {
            return floating(spec, verb, value);
          }
          return bad(verb, value);
        }
        if (verb == 'c') {
          return new String(Character.toChars(n.intValue()));
        }
        int radix = switch (verb) {
          case 'b' -> 2;
          case 'o', 'O' -> 8;
          case 'x', 'X' -> 16;
          default -> 10;
        };
        String digits = n.abs().toString(radix);
        if (verb == 'X') {
          digits = digits.toUpperCase();
        }
        if (spec.precision >= 0 && digits.length() < spec.precision) {
          digits = "0".repeat(spec.precision - digits.length()) + digits;
        }
        String prefix = "";
        if (verb == 'O' || (spec.sharp && verb == 'o')) {
          prefix = verb == 'O' ? "0o" : "0";
        } else if (spec.sharp && verb == 'x') {
          prefix = "0x";
        } else if (spec.sharp && verb == 'X') {
          prefix = "0X";
        } else if (spec.sharp && verb == 'b') {
          prefix = "0b";
        }
        String sign = n.signum() < 0 ? "-" : spec.plus ? "+" : spec.space ? " " : "";
        return sign + prefix + digits;
      }
      case 'e', 'E', 'f', 'F', 'g', 'G' -> {
        return value instanceof Number ? floating(spec, verb, value) : bad(verb, value);
      }
      default -> {
        return "%!" + verb + "(" + typeName(value) + "=" + ValueText.of(value) + ")";
      }
    }
  }

  private static String floating(Spec spec, char verb, Object value) {
    double d = ((Number) value).doubleValue();
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? (spec.plus ? "+Inf" : "+Inf") : "-Inf";
    }
    String sign = d < 0 || (d == 0 && 1 / d < 0) ? "-" : spec.plus ? "+" : spec.space ? " " : "";
    double abs = Math.abs(d);
    String body;
    switch (verb) {
      case 'f', 'F' -> body = new BigDecimal(abs).setScale(
          spec.precision < 0 ? 6 : spec.precision, RoundingMode.HALF_EVEN).toPlainString();
      case 'e', 'E' -> body = exponent(abs, spec.precision < 0 ? 6 : spec.precision);
      case 'x', 'X' -> body = Double.toHexString(abs);
      default -> body = general(abs, spec.precision);
    }
    if (Character.isUpperCase(verb)) {
      body = body.toUpperCase();
    }
    return sign + body;
  }

  /** d.dddde+XX with {@code digits} digits after the point. */
  private static String exponent(double abs, int digits) {
    String java = String.format("%." + digits + "e", abs);
    int e = java.indexOf('e');
    String mantissa = java.substring(0, e);
    int exp = Integer.parseInt(java.substring(e + 1));
    return mantissa + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "")
        + Math.abs(exp);
  }

  /** %g: the shortest representation (or {@code precision} significant digits). */
  private static String general(double abs, int precision) {
    if (abs == 0) {
      return "0";
    }
    BigDecimal shortest = new BigDecimal(Double.toString(abs));
    if (precision >= 0) {
      shortest = shortest.round(new java.math.MathContext(Math.max(precision, 1),
          RoundingMode.HALF_EVEN));
    }
    BigDecimal stripped = shortest.stripTrailingZeros();
    int exp = stripped.precision() - stripped.scale() - 1;
    int limit = precision < 0 ? 21 : Math.max(precision, 1);
    if (exp < -4 || exp >= limit) {
      int digits = stripped.precision() - 1;
      return exponent(stripped.doubleValue(), digits);
    }
    return stripped.toPlainString();
  }

  private static String signed(Spec spec, String text) {
    if (!text.startsWith("-") && spec.plus) {
      return "+" + text;
    }
    return text;
  }

  private static String truncate(String text, int runes) {
    int count = text.codePointCount(0, text.length());
    return count <= runes ? text : text.substring(0, text.offsetByCodePoints(0, runes));
  }

  /** Go's strconv.Quote. */
  static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    s.codePoints().forEach(cp -> {
      switch (cp) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case 7 -> out.append("\\a");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case 11 -> out.append("\\v");
        default -> {
          if (cp < 0x20 || cp == 0x7f) {
            out.append(String.format("\\x%02x", cp));
          } else if (!Character.isDefined(cp) || Character.getType(cp) == Character.FORMAT
              || Character.getType(cp) == Character.PRIVATE_USE
              || Character.getType(cp) == Character.SURROGATE) {
            out.append(cp > 0xffff ? String.format("\\U%08x", cp) : String.format("\\u%04x", cp));
          } else {
            out.appendCodePoint(cp);
          }
        }
      }
    });
    return out.append('"').toString();
  }

  private static String bad(char verb, Object value) {
    return "%!" + verb + "(" + typeName(value) + "=" + ValueText.of(value) + ")";
  }

  /** The whole number a value stands for, or null. */
  static BigInteger integer(Object value) {
    if (value instanceof Integer || value instanceof Long || value instanceof Short
        || value instanceof Byte) {
      return BigInteger.valueOf(((Number) value).longValue());
    }
    if (value instanceof BigInteger b) {
      return b;
    }
    if (value instanceof BigDecimal b) {
      try {
        return b.toBigIntegerExact();
      } catch (ArithmeticException e) {
        return null;
      }
    }
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (!Double.isInfinite(d) && !Double.isNaN(d) && d == Math.rint(d)) {
        return new BigDecimal(d).toBigInteger();
      }
    }
    return null;
  }

  /** The Go type a value has in prunner's templates, for fmt's error forms. */
  static String typeName(Object value) {
    if (value == null) {
      return "<nil>";
    }
    if (value instanceof String) {
      return "string";
    }
    if (value instanceof Boolean) {
      return "bool";
    }
    if (value instanceof Double || value instanceof Float || value instanceof BigDecimal) {
      return "float64";
    }
    if (value instanceof Number) {
      return "int";
    }
    if (value instanceof Map) {
      return "map[string]interface {}";
    }
    return "[]interface {}";
  }
}
