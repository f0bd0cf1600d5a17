package dev.drover.pipeline;

import java.lang.reflect.Array;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * One {@code {{ ... }}} action of a script line: a value, or a value passed through {@code
 * default}, as prunner's templates write them:
 *
 * <pre>
 * {{ .name }}   {{ .a.b }}   {{ .name | default "x" }}   {{ default "x" .name }}
 * </pre>
 *
 * @param source the action as written, for messages
 * @param first the first command of the pipeline
 * @param defaults the fallbacks of the {@code | default X} commands that follow, in order
 */
record Placeholder(String source, Command first, List<Operand> defaults) {

  /** What an action starts with: a value, or {@code default FALLBACK TESTED}. */
  sealed interface Command permits Value, Default {}

  /** An operand on its own: {@code .name} or a literal. */
  record Value(Operand operand) implements Command {}

  /** {@code default FALLBACK TESTED}: FALLBACK when TESTED is empty. */
  record Default(Operand fallback, Operand tested) implements Command {}

  /** An argument: a variable or a literal. */
  sealed interface Operand permits Field, Literal {}

  /** {@code .a.b}: the path of keys into the variables. */
  record Field(List<String> path) implements Operand {
    String key() {
      return String.join(".", path);
    }
  }

  /** A string, number or boolean written in the template. */
  record Literal(Object value) implements Operand {}

  /** Marks a field that is not there, which only {@code default} may receive. */
  private static final Object MISSING = new Object();

  Placeholder {
    defaults = List.copyOf(defaults);
  }

  /**
   * The value this action renders, before it is turned into text.
   *
   * @throws MissingVariable when a field is missing, except the value {@code default} tests
   */
  Object evaluate(Map<String, ?> variables) {
    // a field piped into default may be missing: that is what the author wrote default for
    boolean tolerant = !defaults.isEmpty();
    Object value;
    if (first instanceof Default d) {
      Object fallback = resolve(d.fallback(), variables, false);
      value = orDefault(fallback, resolve(d.tested(), variables, true));
    } else {
      value = resolve(((Value) first).operand(), variables, tolerant);
    }
    for (Operand fallback : defaults) {
      value = orDefault(resolve(fallback, variables, false), value);
    }
    return value;
  }

  private static Object resolve(Operand operand, Map<String, ?> variables, boolean tolerant) {
    if (operand instanceof Literal literal) {
      return literal.value();
    }
    Field field = (Field) operand;
    Object current = variables;
    for (String key : field.path()) {
      if (!(current instanceof Map<?, ?> map) || !map.containsKey(key)) {
        if (tolerant) {
          return MISSING;
        }
        throw new MissingVariable(field.key());
      }
      current = map.get(key);
    }
    return current;
  }

  /**
   * taskctl's {@code default}: the fallback when the value is an empty string, list or map, or
   * false; numbers, even 0, are kept. A missing or null value also takes the fallback (in prunner
   * a missing key fails before default runs, and null is printed as {@code <no value>}).
   */
  private static Object orDefault(Object fallback, Object value) {
    boolean empty =
        value == MISSING
            || value == null
            || value instanceof String s && s.isEmpty()
            || value instanceof Collection<?> c && c.isEmpty()
            || value instanceof Map<?, ?> m && m.isEmpty()
            || value.getClass().isArray() && Array.getLength(value) == 0
            || Boolean.FALSE.equals(value);
    return empty ? fallback : value;
  }
}
