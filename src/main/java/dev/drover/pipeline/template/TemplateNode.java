package dev.drover.pipeline.template;

import java.util.List;

/**
 * The parse tree of a script line, as Go's text/template builds it: text, actions that print a
 * pipeline's value (or only declare variables), and the control structures {@code if}, {@code
 * range} and {@code with}. {@link TemplateParser} builds it; {@link TemplateEvaluator} runs it.
 */
sealed interface TemplateNode {

  /** Text between actions, after trim markers took their white space. */
  record Text(String text) implements TemplateNode {}

  /**
   * {@code {{ pipeline }}}: prints the pipeline's value, unless the pipeline declares or assigns
   * variables ({@code {{ $x := .a }}}), which prints nothing.
   */
  record Action(Pipeline pipeline) implements TemplateNode {
    boolean prints() {
      return pipeline.variables().isEmpty();
    }
  }

  /** {@code {{ if p }} then {{ else }} otherwise {{ end }}}; {@code else if} nests an If. */
  record If(Pipeline condition, List<TemplateNode> then, List<TemplateNode> otherwise)
      implements TemplateNode {}

  /** {@code {{ with p }} body {{ else }} otherwise {{ end }}}: the body with dot set to p. */
  record With(Pipeline value, List<TemplateNode> body, List<TemplateNode> otherwise)
      implements TemplateNode {}

  /** {@code {{ range p }} body {{ else }} otherwise {{ end }}}, with up to two variables. */
  record Range(Pipeline value, List<TemplateNode> body, List<TemplateNode> otherwise)
      implements TemplateNode {}

  /** {@code {{ break }}} in a range. */
  record Break(int offset) implements TemplateNode {}

  /** {@code {{ continue }}} in a range. */
  record Continue(int offset) implements TemplateNode {}

  /**
   * Commands joined by {@code |}, each one's value the last argument of the next.
   *
   * @param source the action as written, for messages
   * @param offset where the action starts in the line
   * @param variables the variables it declares or assigns ({@code $x :=}, {@code $i, $v :=})
   * @param declares whether {@code :=} (declare) rather than {@code =} (assign)
   * @param commands the commands, at least one
   */
  record Pipeline(
      String source, int offset, List<String> variables, boolean declares,
      List<Command> commands) {
    public Pipeline {
      variables = List.copyOf(variables);
      commands = List.copyOf(commands);
    }
  }

  /** One command: a function and its arguments, or a single operand. */
  record Command(List<Operand> operands) {
    public Command {
      operands = List.copyOf(operands);
    }
  }

  /** An argument or a command's head. */
  sealed interface Operand {}

  /** {@code .}: the current value. */
  record Dot() implements Operand {}

  /** {@code .a.b}: keys into the current value. */
  record Field(List<String> path) implements Operand {
    public Field {
      path = List.copyOf(path);
    }
  }

  /** {@code $x.a.b}: a variable, and keys into it; {@code $} is the data the line started with. */
  record Variable(String name, List<String> path) implements Operand {
    public Variable {
      path = List.copyOf(path);
    }
  }

  /** {@code (pipeline).a.b}. */
  record Nested(Pipeline pipeline, List<String> path) implements Operand {
    public Nested {
      path = List.copyOf(path);
    }
  }

  /** A function's name, e.g. {@code printf}; alone as an argument it is called without any. */
  record Function(String name) implements Operand {}

  /** A string, number (BigInteger or BigDecimal), boolean or {@code nil} (null) constant. */
  record Constant(Object value) implements Operand {}
}
