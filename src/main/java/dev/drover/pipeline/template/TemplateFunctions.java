package dev.drover.pipeline.template;

import dev.drover.pipeline.template.TemplateNode.Command;
import dev.drover.pipeline.template.TemplateNode.Function;
import dev.drover.pipeline.template.TemplateNode.Pipeline;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The functions a script template can call: Go's {@code printf}, {@code print}, {@code println},
 * {@code eq}, {@code ne}, {@code lt}, {@code le}, {@code gt}, {@code ge}, {@code index}, {@code
 * len}, {@code and}, {@code or}, {@code not}; taskctl's {@code default}; and Drover's guards
 * {@code path} and {@code arg} ({@link ValueGuard}). {@code and} and {@code or} stop at the first
 * argument that decides, so the evaluator calls them itself.
 *
 * <p>Where Go is strict about types this is lenient with numbers: JSON gives prunner float64s
 * and templates write ints, which Go refuses to compare ({@code eq .n 1} fails there); here
 * numbers compare by value. Comparing a number with a string, or ordering lists, is an error as
 * in Go.
 */
final class TemplateFunctions {

  /** A function's refusal of its arguments; the evaluator adds the action. */
  static final class Failure extends RuntimeException {
    Failure(String message) {
      super(message, null, false, false);
    }
  }

  private record Arity(int min, int max) {}

  private static final Map<String, Arity> ARITY = Map.ofEntries(
      Map.entry("printf", new Arity(1, Integer.MAX_VALUE)),
      Map.entry("print", new Arity(0, Integer.MAX_VALUE)),
      Map.entry("println", new Arity(0, Integer.MAX_VALUE)),
      Map.entry("eq", new Arity(2, Integer.MAX_VALUE)),
      Map.entry("ne", new Arity(2, 2)),
      Map.entry("lt", new Arity(2, 2)),
      Map.entry("le", new Arity(2, 2)),
      Map.entry("gt", new Arity(2, 2)),
      Map.entry("ge", new Arity(2, 2)),
      Map.entry("index", new Arity(1, Integer.MAX_VALUE)),
      Map.entry("len", new Arity(1, 1)),
      Map.entry("and", new Arity(1, Integer.MAX_VALUE)),
      Map.entry("or", new Arity(1, Integer.MAX_VALUE)),
      Map.entry("not", new Arity(1, 1)),
      Map.entry("default", new Arity(2, 2)),
      Map.entry("path", new Arity(1, 1)),
      Map.entry("arg", new Arity(1, 1)));

  /** Go's other built-ins, which prunner's scripts have no use for. */
  private static final Set<String> GO_UNSUPPORTED =
      Set.of("html", "js", "urlquery", "call", "slice");

  private TemplateFunctions() {}

  static boolean isDefined(String name) {
    return ARITY.containsKey(name);
  }

  /** Why a name is not a function, beyond "not defined". */
  static String hint(String name) {
    return GO_UNSUPPORTED.contains(name)
        ? " (Go's html, js, urlquery, call and slice are not supported)" : "";
  }

  /**
   * Checks what Go checks when it runs a pipeline, so a template fails when it is loaded: each
   * function gets as many arguments as it takes (a piped value counts as the last), and only a
   * function can follow a {@code |}.
   */
  static void checkArguments(Pipeline pipeline) {
    List<Command> commands = pipeline.commands();
    for (int i = 0; i < commands.size(); i++) {
      Command command = commands.get(i);
      if (!(command.operands().get(0) instanceof Function function)) {
        if (i > 0) {
          throw new InvalidTemplate("non executable command in pipeline stage " + (i + 1)
              + " in " + pipeline.source(), pipeline.offset());
        }
        continue;
      }
      int count = command.operands().size() - 1 + (i > 0 ? 1 : 0);
      Arity arity = ARITY.get(function.name());
      if (count < arity.min() || count > arity.max()) {
        String want = arity.min() == arity.max() ? Integer.toString(arity.min())
            : "at least " + arity.min();
        throw new InvalidTemplate("wrong number of args for " + function.name() + ": want "
            + want + " got " + count + " in " + pipeline.source(), pipeline.offset());
      }
    }
  }

  /** Calls every function but {@code and} and {@code or}. */
  static Object call(String name, List<Object> args) {
    return switch (name) {
      case "printf" -> {
        if (!(args.get(0) instanceof String format)) {
          throw new Failure("wrong type for value; expected string; got "
              + GoFormat.typeName(args.get(0)));
        }
        yield GoFormat.sprintf(format, args.subList(1, args.size()));
      }
      case "print" -> GoFormat.sprint(args);
      case "println" -> GoFormat.sprintln(args);
      case "eq" -> {
        for (Object other : args.subList(1, args.size())) {
          if (compare(args.get(0), other, true) == 0) {
            yield true;
          }
        }
        yield false;
      }
      case "ne" -> compare(args.get(0), args.get(1), true) != 0;
      case "lt" -> compare(args.get(0), args.get(1), false) < 0;
      case "le" -> compare(args.get(0), args.get(1), false) <= 0;
      case "gt" -> compare(args.get(0), args.get(1), false) > 0;
      case "ge" -> compare(args.get(0), args.get(1), false) >= 0;
      case "index" -> index(args.get(0), args.subList(1, args.size()));
      case "len" -> length(args.get(0));
      case "not" -> !isTrue(args.get(0));
      case "default" -> orDefault(args.get(0), args.get(1));
      case "path", "arg" -> {
        String refusal = ValueGuard.named(name).refusal(ValueText.of(args.get(0)));
        if (refusal != null) {
          throw new Refusal(refusal);
        }
        yield args.get(0);
      }
      default -> throw new IllegalStateException("no function " + name);
    };
  }

  /** A guard refused its value. */
  static final class Refusal extends RuntimeException {
    Refusal(String reason) {
      super(reason, null, false, false);
    }
  }

  /** Go's truth: false, 0, nil and empty strings, lists and maps are false. */
  static boolean isTrue(Object value) {
    if (value == null || Boolean.FALSE.equals(value)) {
      return false;
    }
    if (value instanceof String s) {
      return !s.isEmpty();
    }
    if (value instanceof Number n) {
      return decimal(n).signum() != 0;
    }
    if (value instanceof Collection<?> c) {
      return !c.isEmpty();
    }
    if (value instanceof Map<?, ?> m) {
      return !m.isEmpty();
    }
    if (value.getClass().isArray()) {
      return Array.getLength(value) > 0;
    }
    return true;
  }

  /**
   * taskctl's {@code default FALLBACK VALUE}: the fallback when the value is an empty string,
   * list or map, or false; numbers, even 0, are kept. A missing or null value takes the fallback
   * too (prunner fails on the missing key first, and prints null as {@code <no value>}).
   */
  static Object orDefault(Object fallback, Object value) {
    boolean empty = value == null
        || value instanceof String s && s.isEmpty()
        || value instanceof Collection<?> c && c.isEmpty()
        || value instanceof Map<?, ?> m && m.isEmpty()
        || value.getClass().isArray() && Array.getLength(value) == 0
        || Boolean.FALSE.equals(value);
    return empty ? fallback : value;
  }

  /** Compares for eq/ne ({@code equality}) or the orderings; 0 means equal. */
  private static int compare(Object a, Object b, boolean equality) {
    if (a instanceof Number x && b instanceof Number y) {
      return decimal(x).compareTo(decimal(y));
    }
    if (a instanceof String x && b instanceof String y) {
      return Integer.signum(x.compareTo(y));
    }
    if (equality) {
      if (a instanceof Boolean x && b instanceof Boolean y) {
        return x.equals(y) ? 0 : 1;
      }
      if (a == null || b == null) {
        return a == b ? 0 : 1;
      }
      if (a instanceof Collection || a instanceof Map || b instanceof Collection
          || b instanceof Map) {
        throw new Failure("non-comparable type " + GoFormat.typeName(
            a instanceof Collection || a instanceof Map ? a : b));
      }
      throw new Failure("incompatible types for comparison");
    }
    if (a == null || b == null || a.getClass() == b.getClass()
        || a instanceof Boolean && b instanceof Boolean) {
      throw new Failure("invalid type for comparison");
    }
    throw new Failure("incompatible types for comparison");
  }

  static BigDecimal decimal(Number n) {
    if (n instanceof BigDecimal b) {
      return b;
    }
    if (n instanceof BigInteger b) {
      return new BigDecimal(b);
    }
    if (n instanceof Double || n instanceof Float) {
      double d = n.doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new Failure("cannot compare " + d);
      }
      return BigDecimal.valueOf(d);
    }
    return BigDecimal.valueOf(n.longValue());
  }

  private static Object index(Object item, List<Object> indices) {
    Object current = item;
    for (Object index : indices) {
      if (current == null) {
        throw new Failure("index of untyped nil");
      }
      if (current instanceof Map<?, ?> map) {
        if (!(index instanceof String)) {
          throw new Failure("value has type " + GoFormat.typeName(index)
              + "; should be string");
        }
        current = map.get(index);
      } else if (current instanceof List<?> || current.getClass().isArray()
          || current instanceof String) {
        BigInteger i = index instanceof Number n ? GoFormat.integer(n) : null;
        if (i == null) {
          throw new Failure("cannot index slice/array with type " + GoFormat.typeName(index));
        }
        int size = current instanceof List<?> list ? list.size()
            : current instanceof String s ? s.getBytes(StandardCharsets.UTF_8).length
            : Array.getLength(current);
        if (i.signum() < 0 || i.compareTo(BigInteger.valueOf(size)) >= 0) {
          throw new Failure("index out of range: " + i);
        }
        int at = i.intValue();
        current = current instanceof List<?> list ? list.get(at)
            : current instanceof String s
                ? BigInteger.valueOf(s.getBytes(StandardCharsets.UTF_8)[at] & 0xff)
                : Array.get(current, at);
      } else {
        throw new Failure("can't index item of type " + GoFormat.typeName(current));
      }
    }
    return current;
  }

  private static Object length(Object value) {
    if (value instanceof String s) {
      // Go counts bytes
      return BigInteger.valueOf(s.getBytes(StandardCharsets.UTF_8).length);
    }
    if (value instanceof Collection<?> c) {
      return BigInteger.valueOf(c.size());
    }
    if (value instanceof Map<?, ?> m) {
      return BigInteger.valueOf(m.size());
    }
    if (value != null && value.getClass().isArray()) {
      return BigInteger.valueOf(Array.getLength(value));
    }
    throw new Failure("len of " + (value == null ? "nil pointer" : "type "
        + GoFormat.typeName(value)));
  }
}
