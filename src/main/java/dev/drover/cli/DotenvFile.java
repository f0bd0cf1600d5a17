package dev.drover.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A dotenv file ({@code .env}) read exactly as prunner reads it: a port of the parser of
 * joho/godotenv 1.5.1, which prunner uses, quirks included, so that a prunner user's {@code .env}
 * means the same to Drover. Written here rather than taken from a Java dotenv library because
 * those differ from godotenv where prunner users' files rely on it: {@code ${VAR}} expanded from
 * earlier lines of the file (not from the environment), {@code KEY: value} as well as {@code
 * KEY=value}, {@code export KEY=value}, a {@code #} comment only after a space, escapes only in
 * double quotes.
 */
final class DotenvFile {
  private static final Pattern ESCAPE = Pattern.compile("\\\\.");
  private static final Pattern UNESCAPE = Pattern.compile("\\\\([^$])");
  private static final Pattern VARIABLE =
      Pattern.compile("(\\\\)?(\\$)(\\()?\\{?([A-Z0-9_]+)?\\}?");

  private DotenvFile() {}

  /** A line the parser cannot read; the message says where, as godotenv's does. */
  static final class Invalid extends Exception {
    Invalid(String message) {
      super(message);
    }
  }

  /** The variables of {@code text}, in the order they are first set. */
  static Map<String, String> parse(String text) throws Invalid {
    Map<String, String> out = new LinkedHashMap<>();
    String rest = text.replace("\r\n", "\n");
    while (true) {
      rest = statementStart(rest);
      if (rest == null) {
        return out;
      }
      String[] key = keyName(rest);
      String[] value = value(key[1], out);
      if (!key[0].isEmpty()) {
        out.put(key[0], value[0]);
      }
      if (value[1] == null) {
        return out;
      }
      rest = value[1];
    }
  }

  /** Skips blank space and comment lines; null at the end of the text. */
  private static String statementStart(String src) {
    int pos = firstNonSpace(src);
    if (pos < 0) {
      return null;
    }
    src = src.substring(pos);
    if (src.charAt(0) != '#') {
      return src;
    }
    int newline = src.indexOf('\n');
    return newline < 0 ? null : statementStart(src.substring(newline));
  }

  /** The key and what follows its {@code =} or {@code :}. */
  private static String[] keyName(String src) throws Invalid {
    src = trimLeftSpace(src);
    if (src.startsWith("export")) {
      String trimmed = src.substring("export".length());
      if (!trimmed.isEmpty() && isSpace(trimmed.charAt(0))) {
        src = trimLeftSpace(trimmed);
      }
    }
    String key = "";
    int offset = 0;
    for (int i = 0; i < src.length(); i++) {
      char c = src.charAt(i);
      if (isSpace(c)) {
        continue;
      }
      if (c == '=' || c == ':') {
        key = src.substring(0, i);
        offset = i + 1;
        break;
      }
      if (c != '_' && !Character.isLetterOrDigit(c) && c != '.') {
        throw new Invalid("unexpected character \"" + printable(c)
            + "\" in variable name near \"" + printable(src) + "\"");
      }
    }
    if (src.isEmpty()) {
      throw new Invalid("zero length string");
    }
    return new String[] {key.stripTrailing(), trimLeftSpace(src.substring(offset))};
  }

  /** The value and the rest of the text (null at its end). */
  private static String[] value(String src, Map<String, String> vars) throws Invalid {
    char quote = src.isEmpty() ? 0 : src.charAt(0);
    if (quote != '"' && quote != '\'') {
      int end = lineEnd(src);
      if (end < 0) {
        end = src.length();
        if (end == 0) {
          return new String[] {"", null};
        }
      }
      String line = src.substring(0, end);
      int endOfVar = line.length();
      // the last " #" on the line starts a comment, as godotenv reads it
      for (int i = line.length() - 1; i > 0; i--) {
        if (line.charAt(i) == '#' && isSpace(line.charAt(i - 1))) {
          endOfVar = i;
          break;
        }
      }
      return new String[] {expand(trimSpace(line.substring(0, endOfVar)), vars),
          src.substring(end)};
    }
    for (int i = 1; i < src.length(); i++) {
      if (src.charAt(i) != quote || src.charAt(i - 1) == '\\') {
        continue;
      }
      String value = trimChar(src.substring(0, i), quote);
      if (quote == '"') {
        value = expand(escapes(value), vars);
      }
      return new String[] {value, src.substring(i + 1)};
    }
    int newline = src.indexOf('\n');
    throw new Invalid("unterminated quoted value " + (newline < 0 ? src : src.substring(0, newline)));
  }

  private static String escapes(String s) {
    Matcher m = ESCAPE.matcher(s);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String replacement = switch (m.group().charAt(1)) {
        case 'n' -> "\n";
        case 'r' -> "\r";
        default -> m.group();
      };
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return UNESCAPE.matcher(out).replaceAll("$1");
  }

  private static String expand(String s, Map<String, String> vars) {
    Matcher m = VARIABLE.matcher(s);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String replacement;
      if (m.group(1) != null) {
        replacement = m.group().substring(1);
      } else if (m.group(4) != null) {
        replacement = vars.getOrDefault(m.group(4), "");
      } else {
        replacement = m.group();
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** godotenv's isSpace: blank space but not a line break. */
  private static boolean isSpace(char c) {
    return c == '\t' || c == 0x0B || c == '\f' || c == '\r' || c == ' ' || c == 0x85 || c == 0xA0;
  }

  private static int firstNonSpace(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (!Character.isWhitespace(s.charAt(i)) && !isSpace(s.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  private static int lineEnd(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == '\n' || s.charAt(i) == '\r') {
        return i;
      }
    }
    return -1;
  }

  private static String trimLeftSpace(String s) {
    int i = 0;
    while (i < s.length() && isSpace(s.charAt(i))) {
      i++;
    }
    return s.substring(i);
  }

  private static String trimSpace(String s) {
    int end = s.length();
    while (end > 0 && isSpace(s.charAt(end - 1))) {
      end--;
    }
    return trimLeftSpace(s.substring(0, end));
  }

  private static String trimChar(String s, char c) {
    int start = 0;
    int end = s.length();
    while (start < end && s.charAt(start) == c) {
      start++;
    }
    while (end > start && s.charAt(end - 1) == c) {
      end--;
    }
    return s.substring(start, end);
  }

  private static String printable(char c) {
    return c == '\n' ? "\\n" : String.valueOf(c);
  }

  private static String printable(String s) {
    return s.length() > 40 ? s.substring(0, 40).replace("\n", "\\n") + "..."
        : s.replace("\n", "\\n");
  }
}
