package dev.drover.pipeline.template;

import dev.drover.pipeline.template.TemplateLexer.Kind;
import dev.drover.pipeline.template.TemplateLexer.Token;
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
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;

/**
 * Parses a script line with Go's text/template grammar: text; actions of pipelines (commands
 * joined by {@code |}, operands {@code .}, {@code .a.b}, {@code $x.a}, {@code (pipeline).a},
 * constants and functions, variable declarations {@code $x := p} and assignments {@code $x =
 * p}); {@code if}/{@code else if}/{@code else}, {@code range} (with {@code $v :=} or {@code $i, $v
 * :=}, {@code break}, {@code continue}, {@code else}), {@code with}/{@code else with}/{@code
 * else}, {@code end}; comments and trim markers. It checks what Go checks when it parses (an
 * undefined variable, an unknown function, a misplaced {@code end}) and, since the functions are
 * known here, how many arguments each gets. {@code define}, {@code template} and {@code block}
 * are refused: a script line is one template. Every error is an {@link InvalidTemplate} with the
 * offset of its action.
 */
final class TemplateParser {

  private static final Set<String> UNSUPPORTED = Set.of("define", "template", "block");
  private static final Set<String> KEYWORDS =
      Set.of("if", "else", "end", "range", "with", "break", "continue", "define", "template",
          "block");

  private final String source;
  private final List<Token> tokens;
  private int next;
  /** The variables in scope, one set per control structure, innermost first. */
  private final Deque<List<String>> scopes = new ArrayDeque<>();
  private int ranges;
  /** Where the action being parsed starts. */
  private int action;

  private TemplateParser(String source) {
    this.source = source;
    this.tokens = TemplateLexer.lex(source);
    scopes.push(new ArrayList<>(List.of("$")));
  }

  /** The parse tree of {@code line}. */
  static List<TemplateNode> parse(String line) {
    return new TemplateParser(line).template();
  }

  /** How a list of nodes ended. */
  private record Ending(List<TemplateNode> nodes, String keyword, int offset) {}

  private List<TemplateNode> template() {
    Ending ending = list();
    if (ending.keyword() != null) {
      throw new InvalidTemplate("unexpected {{ " + ending.keyword() + " }}", ending.offset());
    }
    return ending.nodes();
  }

  /** Nodes up to the end of the line, {{ end }} or {{ else }} (whose tokens stay to read). */
  private Ending list() {
    List<TemplateNode> nodes = new ArrayList<>();
    while (true) {
      Token token = take();
      switch (token.kind()) {
        case TEXT -> nodes.add(new Text(token.text()));
        case EOF -> {
          return new Ending(nodes, null, token.offset());
        }
        case LEFT -> {
          action = token.offset();
          skipSpace();
          Token first = peek();
          if (first.kind() == Kind.IDENTIFIER && KEYWORDS.contains(first.text())) {
            take();
            String keyword = first.text();
            switch (keyword) {
              case "end", "else" -> {
                if (keyword.equals("end")) {
                  closeAction();
                }
                return new Ending(nodes, keyword, token.offset());
              }
              case "if" -> nodes.add(ifNode());
              case "with" -> nodes.add(withNode());
              case "range" -> nodes.add(rangeNode());
              case "break", "continue" -> {
                if (ranges == 0) {
                  throw error("{{ " + keyword + " }} outside {{ range }}");
                }
                closeAction();
                nodes.add(keyword.equals("break")
                    ? new Break(token.offset()) : new Continue(token.offset()));
              }
              default -> throw error("{{ " + keyword + " }} is not supported: a script line is"
                  + " one template");
            }
          } else {
            Pipeline pipeline = pipeline(Kind.RIGHT, false);
            take();
            nodes.add(new Action(pipeline));
          }
        }
        default -> throw error("unexpected " + describe(token));
      }
    }
  }

  private If ifNode() {
    int start = action;
    scopes.push(new ArrayList<>());
    try {
      Pipeline condition = pipeline(Kind.RIGHT, false);
      take();
      Ending then = list();
      List<TemplateNode> otherwise = List.of();
      if ("else".equals(then.keyword())) {
        otherwise = elseBranch("if");
      } else if (then.keyword() == null) {
        throw new InvalidTemplate("unclosed {{ if }}", start);
      }
      return new If(condition, then.nodes(), otherwise);
    } finally {
      scopes.pop();
    }
  }

  private With withNode() {
    int start = action;
    scopes.push(new ArrayList<>());
    try {
      Pipeline value = pipeline(Kind.RIGHT, false);
      take();
      Ending body = list();
      List<TemplateNode> otherwise = List.of();
      if ("else".equals(body.keyword())) {
        otherwise = elseBranch("with");
      } else if (body.keyword() == null) {
        throw new InvalidTemplate("unclosed {{ with }}", start);
      }
      return new With(value, body.nodes(), otherwise);
    } finally {
      scopes.pop();
    }
  }

  /**
   * After {{ else: {{ else if ... }} and {{ else with ... }} chain a structure that shares the
   * {{ end }}; a plain {{ else }} runs to it.
   */
  private List<TemplateNode> elseBranch(String structure) {
    skipSpace();
    Token chained = peek();
    if (chained.kind() == Kind.IDENTIFIER
        && (chained.text().equals("if") || chained.text().equals("with"))) {
      take();
      return List.of(chained.text().equals("if") ? ifNode() : withNode());
    }
    closeAction();
    int start = action;
    Ending otherwise = list();
    if (!"end".equals(otherwise.keyword())) {
      throw new InvalidTemplate(otherwise.keyword() == null
          ? "unclosed {{ " + structure + " }}" : "{{ else }} after {{ else }}", start);
    }
    return otherwise.nodes();
  }

  private Range rangeNode() {
    int start = action;
    scopes.push(new ArrayList<>());
    Pipeline value = pipeline(Kind.RIGHT, true);
    take();
    ranges++;
    Ending body = list();
    ranges--;
    List<TemplateNode> otherwise = List.of();
    if ("else".equals(body.keyword())) {
      closeAction();
      Ending rest = list();
      if (!"end".equals(rest.keyword())) {
        throw new InvalidTemplate("unclosed {{ range }}", start);
      }
      otherwise = rest.nodes();
    } else if (body.keyword() == null) {
      throw new InvalidTemplate("unclosed {{ range }}", start);
    }
    scopes.pop();
    return new Range(value, body.nodes(), otherwise);
  }

  // ---- pipelines

  /** A pipeline up to {@code end} (not taken): } } or ). */
  private Pipeline pipeline(Kind end, boolean inRange) {
    int offset = action;
    List<String> variables = new ArrayList<>();
    boolean declares = false;
    skipSpace();
    // $x := ..., $x = ..., and in range $i, $v := ...
    if (peek().kind() == Kind.VARIABLE) {
      int mark = next;
      Token first = take();
      skipSpace();
      Token after = peek();
      if (after.kind() == Kind.DECLARE || after.kind() == Kind.ASSIGN
          || (after.kind() == Kind.COMMA && inRange)) {
        variables.add(first.text());
        if (after.kind() == Kind.COMMA) {
          take();
          skipSpace();
          Token second = take();
          if (second.kind() != Kind.VARIABLE) {
            throw error("expected a variable after \",\" in {{ range }}");
          }
          variables.add(second.text());
          skipSpace();
          after = peek();
          if (after.kind() != Kind.DECLARE && after.kind() != Kind.ASSIGN) {
            throw error("expected := or = after the range variables");
          }
        }
        take();
        declares = after.kind() == Kind.DECLARE;
        if (variables.size() > 1 && !inRange) {
          throw error("too many declarations");
        }
        for (String variable : variables) {
          if (variable.equals("$")) {
            throw error("cannot declare or assign $");
          }
          if (!declares) {
            requireDefined(variable);
          }
        }
      } else {
        next = mark;
      }
    }
    List<Command> commands = new ArrayList<>();
    while (true) {
      skipSpace();
      commands.add(command(end));
      skipSpace();
      Token token = peek();
      if (token.kind() == Kind.PIPE) {
        take();
        continue;
      }
      if (token.kind() == end) {
        break;
      }
      throw error("unexpected " + describe(token) + " in " + (end == Kind.CLOSE
          ? "parenthesized pipeline" : "action"));
    }
    if (declares) {
      // declared after the pipeline that sets it, as in Go: {{ $x := $x }} needs an outer $x
      scopes.peek().addAll(variables);
    }
    Pipeline pipeline = new Pipeline(actionText(), offset, variables, declares, commands);
    TemplateFunctions.checkArguments(pipeline);
    return pipeline;
  }

  private Command command(Kind end) {
    List<Operand> operands = new ArrayList<>();
    while (true) {
      Token token = peek();
      if (token.kind() == Kind.PIPE || token.kind() == end) {
        break;
      }
      if (token.kind() == Kind.SPACE) {
        take();
        continue;
      }
      operands.add(operand());
    }
    if (operands.isEmpty()) {
      throw error("missing value for " + (end == Kind.CLOSE ? "parenthesized pipeline"
          : "command"));
    }
    Operand head = operands.get(0);
    if (head instanceof Constant c && c.value() == null) {
      throw error("nil is not a command");
    }
    if (!(head instanceof Function) && operands.size() > 1) {
      throw error("can't give argument to non-function " + describe(head));
    }
    return new Command(operands);
  }

  private Operand operand() {
    Token token = take();
    return switch (token.kind()) {
      case DOT -> new Dot();
      case FIELD -> {
        List<String> path = new ArrayList<>();
        path.add(token.text().substring(1));
        path.addAll(fields());
        yield new Field(path);
      }
      case VARIABLE -> {
        requireDefined(token.text());
        yield new Variable(token.text(), fields());
      }
      case OPEN -> {
        Pipeline inner = pipeline(Kind.CLOSE, false);
        take();
        yield new Nested(inner, fields());
      }
      case STRING -> new Constant(unquote(token));
      case CHAR -> new Constant(BigInteger.valueOf(character(token)));
      case NUMBER -> new Constant(number(token));
      case IDENTIFIER -> {
        String name = token.text();
        if (!fields().isEmpty()) {
          throw error("unexpected . after term \"" + name + "\"");
        }
        yield switch (name) {
          case "true" -> new Constant(Boolean.TRUE);
          case "false" -> new Constant(Boolean.FALSE);
          case "nil" -> new Constant(null);
          default -> {
            if (KEYWORDS.contains(name)) {
              throw error("unexpected {{ " + name + " }} in operand");
            }
            if (!TemplateFunctions.isDefined(name)) {
              throw error("function \"" + name + "\" not defined" + TemplateFunctions.hint(name));
            }
            yield new Function(name);
          }
        };
      }
      default -> throw error("unexpected " + describe(token) + " in operand");
    };
  }

  /** The .a.b written right after an operand. */
  private List<String> fields() {
    List<String> path = new ArrayList<>();
    while (peek().kind() == Kind.FIELD) {
      path.add(take().text().substring(1));
    }
    return path;
  }

  private void requireDefined(String variable) {
    for (List<String> scope : scopes) {
      if (scope.contains(variable)) {
        return;
      }
    }
    throw error("undefined variable \"" + variable + "\"");
  }

  // ---- constants

  private String unquote(Token token) {
    String text = token.text();
    String body = text.substring(1, text.length() - 1);
    if (text.charAt(0) == '`') {
      return body.replace("\r", "");
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (c != '\\') {
        out.append(c);
        continue;
      }
      i = escape(body, i + 1, out, '"', token);
    }
    return out.toString();
  }

  private int character(Token token) {
    String body = token.text().substring(1, token.text().length() - 1);
    StringBuilder out = new StringBuilder();
    int i = 0;
    if (body.startsWith("\\")) {
      i = escape(body, 1, out, '\'', token) + 1;
    } else if (!body.isEmpty()) {
      out.appendCodePoint(body.codePointAt(0));
      i = Character.charCount(body.codePointAt(0));
    }
    if (out.isEmpty() || i != body.length()) {
      throw new InvalidTemplate("malformed character constant " + token.text(), action);
    }
    return out.codePointAt(0);
  }

  /** Appends the escape whose letter is at {@code at}; the index of its last character. */
  private int escape(String body, int at, StringBuilder out, char quote, Token token) {
    if (at >= body.length()) {
      throw new InvalidTemplate("bad escape in " + token.text(), action);
    }
    char e = body.charAt(at);
    switch (e) {
      case 'a' -> out.append('\u0007');
      case 'b' -> out.append('\b');
      case 'f' -> out.append('\f');
      case 'n' -> out.append('\n');
      case 'r' -> out.append('\r');
      case 't' -> out.append('\t');
      case 'v' -> out.append('\u000b');
      case '\\' -> out.append('\\');
      case 'x', 'u', 'U' -> {
        int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        try {
          out.appendCodePoint(Integer.parseInt(body.substring(at + 1, at + 1 + digits), 16));
        } catch (RuntimeException bad) {
          throw new InvalidTemplate("bad escape \\" + e + " in " + token.text(), action);
        }
        return at + digits;
      }
      case '0', '1', '2', '3', '4', '5', '6', '7' -> {
        try {
          out.append((char) Integer.parseInt(body.substring(at, at + 3), 8));
        } catch (RuntimeException bad) {
          throw new InvalidTemplate("bad escape \\" + e + " in " + token.text(), action);
        }
        return at + 2;
      }
      default -> {
        if (e == quote) {
          out.append(e);
        } else {
          throw new InvalidTemplate("unknown escape \\" + e + " in " + token.text(), action);
        }
      }
    }
    return at;
  }

  private Object number(Token token) {
    String text = token.text().replace("_", "");
    try {
      String lower = text.toLowerCase();
      boolean negative = lower.startsWith("-");
      String digits = lower.startsWith("-") || lower.startsWith("+") ? lower.substring(1) : lower;
      BigInteger integer = null;
      if (digits.startsWith("0x")) {
        integer = new BigInteger(digits.substring(2), 16);
      } else if (digits.startsWith("0o")) {
        integer = new BigInteger(digits.substring(2), 8);
      } else if (digits.startsWith("0b")) {
        integer = new BigInteger(digits.substring(2), 2);
      } else if (digits.matches("0[0-7]+")) {
        integer = new BigInteger(digits.substring(1), 8);
      } else if (digits.matches("[0-9]+")) {
        integer = new BigInteger(digits);
      }
      if (integer != null) {
        return negative ? integer.negate() : integer;
      }
      return new BigDecimal(text);
    } catch (NumberFormatException e) {
      throw new InvalidTemplate("bad number syntax: \"" + token.text() + "\"", action);
    }
  }

  // ---- tokens

  private Token take() {
    Token token = tokens.get(next);
    if (token.kind() != Kind.EOF) {
      next++;
    }
    return token;
  }

  private Token peek() {
    return tokens.get(next);
  }

  private void skipSpace() {
    while (peek().kind() == Kind.SPACE) {
      next++;
    }
  }

  /** Expects the end of the action: }} after optional white space. */
  private void closeAction() {
    skipSpace();
    Token token = take();
    if (token.kind() != Kind.RIGHT) {
      throw error("unexpected " + describe(token) + ", expected }}");
    }
  }

  private InvalidTemplate error(String reason) {
    return new InvalidTemplate(reason + " in " + actionText(), action);
  }

  private String actionText() {
    int end = source.indexOf("}}", action);
    return end < 0 ? source.substring(action) : source.substring(action, end + 2);
  }

  private static String describe(Token token) {
    return switch (token.kind()) {
      case EOF -> "end of line";
      case RIGHT -> "}}";
      default -> "\"" + token.text() + "\"";
    };
  }

  private static String describe(Operand operand) {
    if (operand instanceof Dot) {
      return ".";
    }
    if (operand instanceof Field f) {
      return "." + String.join(".", f.path());
    }
    if (operand instanceof Variable v) {
      return v.name() + (v.path().isEmpty() ? "" : "." + String.join(".", v.path()));
    }
    if (operand instanceof Constant c) {
      return c.value() instanceof String s ? '"' + s + '"' : String.valueOf(c.value());
    }
    if (operand instanceof Nested n) {
      return "(" + n.pipeline().source() + ")";
    }
    return ((Function) operand).name();
  }
}
