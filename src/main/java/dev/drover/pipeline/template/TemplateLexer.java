package dev.drover.pipeline.template;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a script line into tokens as Go's text/template lexer does: text between actions, and
 * inside {@code {{ }}} fields, variables, strings, numbers, keywords and punctuation. Comments
 * ({@code {{/* ... *}{@literal /}}}) are dropped; trim markers ({@code {{- } and {@code  -}}}, a
 * dash beside the braces with white space on its other side) remove the white space next to the
 * action from the text.
 */
final class TemplateLexer {

  enum Kind {
    TEXT, LEFT, RIGHT, IDENTIFIER, FIELD, VARIABLE, DOT, STRING, CHAR, NUMBER, PIPE, OPEN, CLOSE,
    DECLARE, ASSIGN, COMMA, SPACE, EOF
  }

  /**
   * A token.
   *
   * @param kind what it is
   * @param text as written (for STRING and CHAR with their quotes)
   * @param offset where it starts in the line
   */
  record Token(Kind kind, String text, int offset) {}

  private final String source;
  private final List<Token> tokens = new ArrayList<>();
  private int pos;

  private TemplateLexer(String source) {
    this.source = source;
  }

  static List<Token> lex(String line) {
    TemplateLexer lexer = new TemplateLexer(line);
    lexer.run();
    return lexer.tokens;
  }

  private void run() {
    boolean trimText = false;
    while (pos <= source.length()) {
      int open = source.indexOf("{{", pos);
      int textEnd = open < 0 ? source.length() : open;
      String text = source.substring(pos, textEnd);
      if (trimText) {
        text = stripLeading(text);
      }
      int textStart = pos;
      if (open < 0) {
        addText(text, textStart);
        break;
      }
      int inside = open + 2;
      boolean trimBefore = source.startsWith("-", inside) && isSpace(charAt(inside + 1));
      if (trimBefore) {
        text = stripTrailing(text);
        inside += 2;
      }
      addText(text, textStart);
      pos = inside;
      trimText = action(open);
    }
    tokens.add(new Token(Kind.EOF, "", source.length()));
  }

  private void addText(String text, int offset) {
    if (!text.isEmpty()) {
      tokens.add(new Token(Kind.TEXT, text, offset));
    }
  }

  /** Reads one action after its {{; true when it ends with a trim marker. */
  private boolean action(int open) {
    if (source.startsWith("/*", pos)) {
      int end = source.indexOf("*/", pos + 2);
      if (end < 0) {
        throw new InvalidTemplate("unclosed comment", open);
      }
      pos = end + 2;
      boolean trim = source.startsWith(" -}}", pos) || source.startsWith("\t-}}", pos)
          || source.startsWith("\n-}}", pos) || source.startsWith("\r-}}", pos);
      if (trim) {
        pos += 4;
        return true;
      }
      if (!source.startsWith("}}", pos)) {
        throw new InvalidTemplate("comment ends before closing delimiter", open);
      }
      pos += 2;
      return false;
    }
    tokens.add(new Token(Kind.LEFT, "{{", open));
    while (true) {
      if (pos >= source.length()) {
        throw new InvalidTemplate("unclosed action " + source.substring(open).strip(), open);
      }
      char c = source.charAt(pos);
      if (isSpace(c)) {
        int start = pos;
        while (pos < source.length() && isSpace(source.charAt(pos))) {
          pos++;
        }
        // " -}}" ends the action with a trim marker
        if (source.startsWith("-}}", pos) && pos > start) {
          tokens.add(new Token(Kind.RIGHT, "}}", pos));
          pos += 3;
          return true;
        }
        tokens.add(new Token(Kind.SPACE, " ", start));
        continue;
      }
      if (source.startsWith("}}", pos)) {
        tokens.add(new Token(Kind.RIGHT, "}}", pos));
        pos += 2;
        return false;
      }
      int start = pos;
      switch (c) {
        case '|' -> single(Kind.PIPE);
        case '(' -> single(Kind.OPEN);
        case ')' -> single(Kind.CLOSE);
        case ',' -> single(Kind.COMMA);
        case '=' -> single(Kind.ASSIGN);
        case ':' -> {
          if (charAt(pos + 1) != '=') {
            throw new InvalidTemplate("expected :=", start);
          }
          pos += 2;
          tokens.add(new Token(Kind.DECLARE, ":=", start));
        }
        case '"' -> quoted('"', Kind.STRING, start);
        case '`' -> raw(start);
        case '\'' -> quoted('\'', Kind.CHAR, start);
        case '$' -> {
          pos++;
          while (pos < source.length() && isAlphaNumeric(source.charAt(pos))) {
            pos++;
          }
          tokens.add(new Token(Kind.VARIABLE, source.substring(start, pos), start));
          fields();
        }
        case '.' -> {
          if (Character.isDigit(charAt(pos + 1))) {
            number(start);
          } else if (isAlphaNumeric(charAt(pos + 1))) {
            fields();
          } else {
            pos++;
            tokens.add(new Token(Kind.DOT, ".", start));
          }
        }
        default -> {
          if (c == '+' || c == '-' || Character.isDigit(c)) {
            number(start);
          } else if (isAlphaNumeric(c)) {
            while (pos < source.length() && isAlphaNumeric(source.charAt(pos))) {
              pos++;
            }
            tokens.add(new Token(Kind.IDENTIFIER, source.substring(start, pos), start));
            fields();
          } else {
            throw new InvalidTemplate("unexpected \"" + c + "\" in action", start);
          }
        }
      }
    }
  }

  private void single(Kind kind) {
    tokens.add(new Token(kind, String.valueOf(source.charAt(pos)), pos));
    pos++;
  }

  /** Fields right after an operand: .a.b, each a token of its own. */
  private void fields() {
    while (charAt(pos) == '.' && isAlphaNumeric(charAt(pos + 1))) {
      int start = pos;
      pos++;
      while (pos < source.length() && isAlphaNumeric(source.charAt(pos))) {
        pos++;
      }
      tokens.add(new Token(Kind.FIELD, source.substring(start, pos), start));
    }
  }

  private void quoted(char quote, Kind kind, int start) {
    pos++;
    while (true) {
      if (pos >= source.length() || source.charAt(pos) == '\n') {
        throw new InvalidTemplate("unterminated " + (quote == '"' ? "quoted string" : "character constant"), start);
      }
      char c = source.charAt(pos);
      if (c == '\\') {
        pos += 2;
        continue;
      }
      pos++;
      if (c == quote) {
        break;
      }
    }
    tokens.add(new Token(kind, source.substring(start, pos), start));
  }

  private void raw(int start) {
    int end = source.indexOf('`', pos + 1);
    if (end < 0) {
      throw new InvalidTemplate("unterminated raw quoted string", start);
    }
    pos = end + 1;
    tokens.add(new Token(Kind.STRING, source.substring(start, pos), start));
  }

  private void number(int start) {
    if (source.charAt(pos) == '+' || source.charAt(pos) == '-') {
      pos++;
    }
    while (pos < source.length()) {
      char c = source.charAt(pos);
      boolean exponentSign = (c == '+' || c == '-')
          && "eEpP".indexOf(source.charAt(pos - 1)) >= 0
          && !source.substring(start, pos).toLowerCase().startsWith("0x");
      if (isAlphaNumeric(c) || c == '.' || exponentSign) {
        pos++;
      } else {
        break;
      }
    }
    tokens.add(new Token(Kind.NUMBER, source.substring(start, pos), start));
  }

  private char charAt(int i) {
    return i < source.length() ? source.charAt(i) : '\0';
  }

  static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
  }

  private static boolean isAlphaNumeric(char c) {
    return c == '_' || Character.isLetterOrDigit(c);
  }

  private static String stripLeading(String text) {
    int start = 0;
    while (start < text.length() && isSpace(text.charAt(start))) {
      start++;
    }
    return text.substring(start);
  }

  private static String stripTrailing(String text) {
    int end = text.length();
    while (end > 0 && isSpace(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end);
  }
}
