package dev.drover.pipeline.template;

import dev.drover.pipeline.template.TemplateNode.Action;
import dev.drover.pipeline.template.TemplateNode.Break;
import dev.drover.pipeline.template.TemplateNode.Command;
import dev.drover.pipeline.template.TemplateNode.Constant;
import dev.drover.pipeline.template.TemplateNode.Continue;
import dev.drover.pipeline.template.TemplateNode.Dot;
import dev.drover.pipeline.template.TemplateNode.Field;
import dev.drover.pipeline.template.TemplateNode.Function;
import dev.drover.pipeline.template.TemplateNode.If;
import dev.drover.pipeline.template.TemplateNode.Nested;
import dev.drover.pipeline.template.TemplateNode.Operand;
import dev.drover.pipeline.template.TemplateNode.Pipeline;
import dev.drover.pipeline.template.TemplateNode.Range;
import dev.drover.pipeline.template.TemplateNode.Text;
import dev.drover.pipeline.template.TemplateNode.Variable;
import dev.drover.pipeline.template.TemplateNode.With;
import java.lang.reflect.Array;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs a parse tree with a job's variables, as Go's text/template executes with {@code
 * missingkey=error}: control flow decides which text is there, and each printing action becomes a
 * {@link Slot} holding its value. The text and the slots go to the shell quoting in order, so a
 * value, whatever function made it, never reaches the script unquoted.
 *
 * <p>A field piped into {@code default} (or {@code default}'s tested argument) may be missing: that
 * is what {@code default} is written for. Everywhere else a missing key is a {@link
 * MissingVariable}.
 */
final class TemplateEvaluator {

  /** A printing action's value, where its text goes. */
  record Slot(String source, int offset, Object value) {}

  /** A missing field that only {@code default} may receive. */
  private static final Object MISSING = new Object();

  private static final class BreakLoop extends RuntimeException {
    BreakLoop() {
      super(null, null, false, false);
    }
  }

  private static final class ContinueLoop extends RuntimeException {
    ContinueLoop() {
      super(null, null, false, false);
    }
  }

  private final List<Object> out = new ArrayList<>();
  /** Variables, innermost scope first; the outermost holds $. */
  private final Deque<Map<String, Object>> scopes = new ArrayDeque<>();
  /** The action being run, for messages. */
  private Pipeline current;

  private TemplateEvaluator(Object data) {
    Map<String, Object> root = new HashMap<>();
    root.put("$", data);
    scopes.push(root);
  }

  /** The text and slots {@code nodes} make with {@code data} as dot and $. */
  static List<Object> evaluate(List<TemplateNode> nodes, Object data) {
    TemplateEvaluator evaluator = new TemplateEvaluator(data);
    evaluator.walk(nodes, data);
    return evaluator.out;
  }

  private void walk(List<TemplateNode> nodes, Object dot) {
    for (TemplateNode node : nodes) {
      if (node instanceof Text text) {
        out.add(text.text());
      } else if (node instanceof Action action) {
        Object value = pipeline(action.pipeline(), dot);
        if (action.prints()) {
          out.add(new Slot(action.pipeline().source(), action.pipeline().offset(), value));
        }
      } else if (node instanceof If branch) {
        scoped(() -> {
          if (TemplateFunctions.isTrue(pipeline(branch.condition(), dot))) {
            walk(branch.then(), dot);
          } else {
            walk(branch.otherwise(), dot);
          }
        });
      } else if (node instanceof With with) {
        scoped(() -> {
          Object value = pipeline(with.value(), dot);
          if (TemplateFunctions.isTrue(value)) {
            walk(with.body(), value);
          } else {
            walk(with.otherwise(), dot);
          }
        });
      } else if (node instanceof Range range) {
        scoped(() -> range(range, dot));
      } else if (node instanceof Break) {
        throw new BreakLoop();
      } else if (node instanceof Continue) {
        throw new ContinueLoop();
      }
    }
  }

  private void scoped(Runnable body) {
    scopes.push(new HashMap<>());
    try {
      body.run();
    } finally {
      scopes.pop();
    }
  }

  private void range(Range range, Object dot) {
    Pipeline pipeline = range.value();
    // the range's variables are set per element, not to the pipeline's value
    Object value = commands(pipeline, dot);
    List<Object[]> elements = new ArrayList<>();
    if (value instanceof Map<?, ?> map) {
      // Go ranges over a map in key order
      new TreeMap<>(stringKeys(map)).forEach((k, v) -> elements.add(new Object[] {k, v}));
    } else if (value instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) {
        elements.add(new Object[] {BigInteger.valueOf(i++), item});
      }
    } else if (value != null && value.getClass().isArray()) {
      for (int i = 0; i < Array.getLength(value); i++) {
        elements.add(new Object[] {BigInteger.valueOf(i), Array.get(value, i)});
      }
    } else if (value instanceof Number n && GoFormat.integer(n) != null
        && !(value instanceof Double) && !(value instanceof Float)) {
      // Go 1.22 ranges over an integer: 0 to n-1
      BigInteger count = GoFormat.integer(n);
      if (count.compareTo(BigInteger.valueOf(1_000_000)) > 0) {
        throw failure(pipeline, "range over " + count + " is too long");
      }
      for (int i = 0; i < count.intValue(); i++) {
        elements.add(new Object[] {BigInteger.valueOf(i), BigInteger.valueOf(i)});
      }
    } else if (value != null) {
      throw failure(pipeline, "range can't iterate over " + ValueText.of(value));
    }
    if (elements.isEmpty()) {
      walk(range.otherwise(), dot);
      return;
    }
    List<String> variables = pipeline.variables();
    for (Object[] element : elements) {
      scopes.push(new HashMap<>());
      try {
        if (variables.size() == 1) {
          set(variables.get(0), element[1], pipeline.declares());
        } else if (variables.size() == 2) {
          set(variables.get(0), element[0], pipeline.declares());
          set(variables.get(1), element[1], pipeline.declares());
        }
        walk(range.body(), element[1]);
      } catch (ContinueLoop next) {
        // on to the next element
      } catch (BreakLoop stop) {
        return;
      } finally {
        scopes.pop();
      }
    }
  }

  /** A pipeline's value, after setting the variables it declares or assigns. */
  private Object pipeline(Pipeline pipeline, Object dot) {
    Object value = commands(pipeline, dot);
    for (String variable : pipeline.variables()) {
      set(variable, value, pipeline.declares());
    }
    return value;
  }

  private Object commands(Pipeline pipeline, Object dot) {
    Pipeline outer = current;
    current = pipeline;
    try {
      List<Command> commands = pipeline.commands();
      Object value = null;
      boolean piped = false;
      for (int i = 0; i < commands.size(); i++) {
        boolean intoDefault = i + 1 < commands.size() && isDefault(commands.get(i + 1));
        value = command(commands.get(i), dot, piped, value, intoDefault);
        piped = true;
      }
      return value == MISSING ? null : value;
    } finally {
      current = outer;
    }
  }

  private static boolean isDefault(Command command) {
    return command.operands().get(0) instanceof Function f && f.name().equals("default");
  }

  private Object command(
      Command command, Object dot, boolean piped, Object pipedValue, boolean tolerant) {
    List<Operand> operands = command.operands();
    if (!(operands.get(0) instanceof Function function)) {
      return operand(operands.get(0), dot, tolerant);
    }
    String name = function.name();
    List<Operand> argOperands = operands.subList(1, operands.size());
    if (name.equals("and") || name.equals("or")) {
      return andOr(name.equals("and"), argOperands, dot, piped, pipedValue);
    }
    List<Object> args = new ArrayList<>();
    for (int i = 0; i < argOperands.size(); i++) {
      // default's tested value (its last argument) may be missing
      boolean tested = name.equals("default") && !piped && i == argOperands.size() - 1;
      Object value = operand(argOperands.get(i), dot, tested);
      args.add(value == MISSING ? null : value);
    }
    if (piped) {
      args.add(pipedValue == MISSING ? null : pipedValue);
    }
    try {
      return TemplateFunctions.call(name, args);
    } catch (TemplateFunctions.Refusal refusal) {
      throw new RefusedValue(current.source(), refusal.getMessage(), current.offset());
    } catch (TemplateFunctions.Failure failure) {
      throw failure("error calling " + name + ": " + failure.getMessage());
    }
  }

  /** Go's and/or: the first argument that decides, evaluated no further than that. */
  private Object andOr(
      boolean and, List<Operand> operands, Object dot, boolean piped, Object pipedValue) {
    Object value = null;
    int count = operands.size() + (piped ? 1 : 0);
    for (int i = 0; i < count; i++) {
      value = i < operands.size() ? operand(operands.get(i), dot, false) : pipedValue;
      if (TemplateFunctions.isTrue(value) != and) {
        return value;
      }
    }
    return value;
  }

  private Object operand(Operand operand, Object dot, boolean tolerant) {
    if (operand instanceof Dot) {
      return dot;
    }
    if (operand instanceof Field field) {
      return path(dot, field.path(), "", tolerant);
    }
    if (operand instanceof Variable variable) {
      return path(get(variable.name()), variable.path(), variable.name() + ".", tolerant);
    }
    if (operand instanceof Nested nested) {
      return path(commands(nested.pipeline(), dot), nested.path(), "", tolerant);
    }
    if (operand instanceof Constant constant) {
      return constant.value();
    }
    String name = ((Function) operand).name();
    try {
      return TemplateFunctions.call(name, List.of());
    } catch (TemplateFunctions.Failure failure) {
      throw failure("error calling " + name + ": " + failure.getMessage());
    }
  }

  /** Keys into a value, as {@code .a.b}; a missing key fails unless {@code tolerant}. */
  private Object path(Object value, List<String> keys, String prefix, boolean tolerant) {
    Object current = value;
    for (int i = 0; i < keys.size(); i++) {
      String key = keys.get(i);
      if (current == MISSING) {
        return MISSING;
      }
      if (current instanceof Map<?, ?> map) {
        if (!map.containsKey(key)) {
          if (tolerant) {
            return MISSING;
          }
          throw new MissingVariable(prefix + String.join(".", keys.subList(0, i + 1)),
              this.current.offset());
        }
        current = map.get(key);
      } else if (current == null) {
        if (tolerant) {
          return MISSING;
        }
        throw failure("nil pointer evaluating ." + String.join(".", keys.subList(0, i + 1)));
      } else {
        throw failure("can't evaluate field " + key + " in type "
            + GoFormat.typeName(current));
      }
    }
    return current;
  }

  private Object get(String variable) {
    for (Map<String, Object> scope : scopes) {
      if (scope.containsKey(variable)) {
        return scope.get(variable);
      }
    }
    // the parser refuses undefined variables; a variable declared in a branch not taken is nil
    return null;
  }

  private void set(String variable, Object value, boolean declare) {
    if (!declare) {
      for (Map<String, Object> scope : scopes) {
        if (scope.containsKey(variable)) {
          scope.put(variable, value);
          return;
        }
      }
    }
    scopes.peek().put(variable, value);
  }

  private static Map<String, Object> stringKeys(Map<?, ?> map) {
    Map<String, Object> keys = new HashMap<>();
    map.forEach((k, v) -> keys.put(String.valueOf(k), v));
    return keys;
  }

  private TemplateExecutionError failure(String reason) {
    return failure(current, reason);
  }

  private static TemplateExecutionError failure(Pipeline pipeline, String reason) {
    return new TemplateExecutionError(reason + " in " + pipeline.source(), pipeline.offset());
  }
}
