package dev.drover.pipeline;

import dev.drover.pipeline.Placeholder.Command;
import dev.drover.pipeline.Placeholder.Default;
import dev.drover.pipeline.Placeholder.Field;
import dev.drover.pipeline.Placeholder.Literal;
import dev.drover.pipeline.Placeholder.Operand;
import dev.drover.pipeline.Placeholder.Value;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads the part of Go's text/template that prunner's scripts use: text; actions made of fields,
 * literals and {@code default}; comment actions; and the trim markers (a dash and a space just
 * inside the braces), which remove the white space next to the action. Anything else (if, range,
 * other functions, template variables) is refused with {@link InvalidTemplate} rather than
 * rendered differently.
 */
final class TemplateParser {

  private static final Set<String> CONTROL =
      Set.of(
          "if", "else", "end", "range", "with", "define", "template", "block", "break",
          "continue");

  private final String source;
  private int pos;

  private TemplateParser(String source) {
    this.source = source;
  }

  /** The segments of {@code line}: each a {@link String} of text or a {@link Placeholder}. */
  static List<Object> parse(String line) {
    return new TemplateParser(line).segments();
  }

  private List<Object> segments() {
    List<Object> segments = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    boolean trimNextText = false;
    while (pos < source.length()) {
      int open = source.indexOf("{{", pos);
      String before = source.substring(pos, open < 0 ? source.length() : open);
      text.append(trimNextText ? stripLeading(before) : before);
      trimNextText = false;
      if (open < 0) {
        break;
      }
      int start = open + 2;
      if (start + 1 < source.length()
          && source.charAt(start) == '-'
          && isSpace(source.charAt(start + 1))) {
        trimTrailing(text);
        start += 2;
      }
      int close = closeOf(start);
      int end = close;
      if (end - 2 >= start && source.charAt(end - 1) == '-' && isSpace(source.charAt(end - 2))) {
        trimNextText = true;
        end -= 2;
      }
      String action = source.substring(start, end).strip();
      pos = close + 2;
      if (action.startsWith("/*")) {
        if (!action.endsWith("*/") || action.length() < 4) {
          throw new InvalidTemplate("unclosed comment in " + source.substring(open, pos));
        }
        continue;
      }
      if (!text.isEmpty()) {
        segments.add(text.toString());
        text.setLength(0);
      }
      segments.add(placeholder(source.substring(open, pos), action));
    }
    if (!text.isEmpty()) {
      segments.add(text.toString());
    }
    return List.copyOf(segments);
  }

  /** The index of the "}}" closing the action that starts at {@code from}, skipping strings. */
  private int closeOf(int from) {
    int i = from;
    while (i < source.length()) {
      char c = source.charAt(i);
      if (c == '"' || c == '`') {
        int endQuote = endOfString(source, i);
        if (endQuote < 0) {
          throw new InvalidTemplate("unterminated string in " + source.substring(from - 2));
        }
        i = endQuote + 1;
      } else if (source.startsWith("}}", i)) {
        return i;
      } else {
        i++;
      }
    }
    throw new InvalidTemplate("unclosed action " + source.substring(from - 2));
  }

  private static Placeholder placeholder(String written, String action) {
    List<List<String>> commands = new ArrayList<>();
    List<String> current = new ArrayList<>();
    for (String token : tokens(written, action)) {
      if (token.equals("|")) {
        commands.add(current);
        current = new ArrayList<>();
      } else {
        current.add(token);
      }
    }
    commands.add(current);
    for (List<String> command : commands) {
      if (command.isEmpty()) {
        throw new InvalidTemplate("missing value in " + written);
      }
    }

    Command first = firstCommand(written, commands.get(0), commands.size() > 1);
    List<Operand> defaults = new ArrayList<>();
    for (List<String> command : commands.subList(1, commands.size())) {
      if (!isFunction(command.get(0))) {
        throw new InvalidTemplate("only a function can follow \"|\" in " + written);
      }
      requireDefault(written, command.get(0));
      if (command.size() != 2) {
        throw new InvalidTemplate("\"| default\" takes one argument in " + written);
      }
      defaults.add(operand(written, command.get(1)));
    }
    return new Placeholder(written, first, defaults);
  }

  private static Command firstCommand(String written, List<String> command, boolean piped) {
    String head = command.get(0);
    if (isFunction(head)) {
      requireDefault(written, head);
      int args = command.size() - 1 + (piped ? 1 : 0);
      if (args != 2) {
        throw new InvalidTemplate("default takes two arguments in " + written);
      }
      if (piped) {
        // "default X | default Y": legal Go, but nobody writes it; keep the grammar small
        throw new InvalidTemplate("only a value can start a pipeline in " + written);
      }
      return new Default(operand(written, command.get(1)), operand(written, command.get(2)));
    }
    Operand operand = operand(written, head);
    if (command.size() > 1) {
      throw new InvalidTemplate(
          "unexpected " + command.get(1) + " after " + head + " in " + written);
    }
    return new Value(operand);
  }

  private static void requireDefault(String written, String name) {
    if (CONTROL.contains(name)) {
      throw new InvalidTemplate("{{ " + name + " }} is not supported in " + written);
    }
    if (!name.equals("default")) {
      throw new InvalidTemplate(
          "function \"" + name + "\" is not supported (only default) in " + written);
    }
  }

  private static boolean isFunction(String token) {
    return Character.isLetter(token.charAt(0)) || token.charAt(0) == '_';
  }

  private static Operand operand(String written, String token) {
    char c = token.charAt(0);
    if (c == '.') {
      if (token.length() == 1) {
        throw new InvalidTemplate("{{ . }} (all variables) is not supported in " + written);
      }
      List<String> path = List.of(token.substring(1).split("\\."));
      for (String key : path) {
        if (key.isEmpty() || !(Character.isLetter(key.charAt(0)) || key.charAt(0) == '_')) {
          throw new InvalidTemplate("bad field " + token + " in " + written);
        }
      }
      return new Field(path);
    }
    if (c == '"' || c == '`') {
      return new Literal(unquote(written, token));
    }
    if (token.equals("true") || token.equals("false")) {
      return new Literal(Boolean.valueOf(token));
    }
    if (c == '-' || c == '+' || Character.isDigit(c)) {
      try {
        BigDecimal number = new BigDecimal(token);
        return new Literal(number.scale() <= 0 ? (Object) number.toBigIntegerExact() : number);
      } catch (NumberFormatException | ArithmeticException e) {
        throw new InvalidTemplate("bad number " + token + " in " + written);
      }
    }
    if (c == '$') {
      throw new InvalidTemplate("template variables ($) are not supported in " + written);
    }
    if (isFunction(token)) {
      requireDefault(written, token);
      throw new InvalidTemplate("default cannot be an argument in " + written);
    }
    throw new InvalidTemplate("unexpected " + token + " in " + written);
  }

  /** Splits an action into tokens: strings, "|", fields like ".a.b", words, numbers. */
  private static List<String> tokens(String written, String action) {
    List<String> tokens = new ArrayList<>();
    int i = 0;
    while (i < action.length()) {
      char c = action.charAt(i);
      if (isSpace(c)) {
        i++;
      } else if (c == '|') {
        tokens.add("|");
        i++;
      } else if (c == '"' || c == '`') {
        int end = endOfString(action, i);
        if (end < 0) {
          throw new InvalidTemplate("unterminated string in " + written);
        }
        tokens.add(action.substring(i, end + 1));
        i = end + 1;
      } else if (c == '.') {
        int end = i + 1;
        while (end < action.length()
            && (isIdentifier(action.charAt(end)) || action.charAt(end) == '.')) {
          if (action.charAt(end) == '.' && action.charAt(end - 1) == '.') {
            throw new InvalidTemplate("bad field in " + written);
          }
          end++;
        }
        if (action.charAt(end - 1) == '.' && end - i > 1) {
          throw new InvalidTemplate("bad field in " + written);
        }
        if (end < action.length() && !isSpace(action.charAt(end)) && action.charAt(end) != '|') {
          throw new InvalidTemplate("bad character '" + action.charAt(end) + "' in " + written);
        }
        tokens.add(action.substring(i, end));
        i = end;
      } else if (c == '(' || c == ')' || c == '\'') {
        throw new InvalidTemplate("unexpected '" + c + "' in " + written);
      } else {
        int end = i;
        while (end < action.length() && !isSpace(action.charAt(end)) && action.charAt(end) != '|') {
          end++;
        }
        tokens.add(action.substring(i, end));
        i = end;
      }
    }
    return tokens;
  }

  /** The index of the quote that closes the string opening at {@code at}, or -1. */
  private static int endOfString(String s, int at) {
    char quote = s.charAt(at);
    for (int i = at + 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quote == '"' && c == '\\') {
        i++;
      } else if (c == quote) {
        return i;
      } else if (quote == '"' && c == '\n') {
        return -1;
      }
    }
    return -1;
  }

  /** A Go string literal's value: raw `...` as is, "..." with its escapes. */
  private static String unquote(String written, String literal) {
    String body = literal.substring(1, literal.length() - 1);
    if (literal.charAt(0) == '`') {
      return body;
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (c != '\\') {
        out.append(c);
        continue;
      }
      char e = body.charAt(++i);
      switch (e) {
        case '\\', '"' -> out.append(e);
        case 'n' -> out.append('\n');
        case 't' -> out.append('\t');
        case 'r' -> out.append('\r');
        case 'x', 'u', 'U' -> {
          int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          try {
            out.appendCodePoint(Integer.parseInt(body.substring(i + 1, i + 1 + digits), 16));
          } catch (NumberFormatException | IndexOutOfBoundsException e2) {
            throw new InvalidTemplate("bad escape in " + written);
          }
          i += digits;
        }
        default -> throw new InvalidTemplate("unsupported escape \\" + e + " in " + written);
      }
    }
    return out.toString();
  }

  private static boolean isIdentifier(char c) {
    return Character.isLetterOrDigit(c) || c == '_';
  }

  /** Go's template whitespace, which trim markers remove. */
  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
  }

  private static void trimTrailing(StringBuilder text) {
    int end = text.length();
    while (end > 0 && isSpace(text.charAt(end - 1))) {
      end--;
    }
    text.setLength(end);
  }

  private static String stripLeading(String text) {
    int start = 0;
    while (start < text.length() && isSpace(text.charAt(start))) {
      start++;
    }
    return text.substring(start);
  }
}
