package dev.drover.pipeline.template;

import dev.drover.pipeline.template.ShellScanner.Placement;

/**
 * Writes a value so that {@code /bin/sh} reads it back as exactly that text, whatever it holds,
 * for the context it lands in. Each form leaves the shell in the context it found: a value
 * cannot close a quote the template opened or open one the template did not.
 */
final class ShellQuoting {

  private ShellQuoting() {}

  static String quote(String value, Placement placement) {
    String quoted =
        switch (placement.context()) {
          // a word of its own: inside '...' nothing is special but the closing quote
          case WORD -> "'" + inSingleQuotes(value) + "'";
          // close the template's quote around each ' and reopen it: '...'\''...'
          case SINGLE_QUOTED -> inSingleQuotes(value);
          // in "..." only \ " $ and ` are special; escaped, the value stays inside the quotes
          case DOUBLE_QUOTED -> escape(value, "\\\"$`");
          // a here-document body expands $ and ` and \ like "...", but " is plain text there
          case HEREDOC -> escape(value, "\\$`");
          // a quoted marker makes the body literal: nothing to escape (the marker line is
          // checked by the scanner)
          case LITERAL_HEREDOC -> value;
          // a newline would end the comment and run the rest of the value as a command
          case COMMENT -> value.replace('\n', ' ');
        };
    // backquotes remove one level of \ before \ ` and $ (and " inside "..."), so those get one
    // more
    return switch (placement.backquotes()) {
      case NONE -> quoted;
      case PLAIN -> escape(quoted, "\\`$");
      case IN_DOUBLE_QUOTES -> escape(quoted, "\\`$\"");
    };
  }

  private static String inSingleQuotes(String value) {
    return value.replace("'", "'\\''");
  }

  private static String escape(String value, String special) {
    StringBuilder out = new StringBuilder(value.length() + 8);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (special.indexOf(c) >= 0) {
        out.append('\\');
      }
      out.append(c);
    }
    return out.toString();
  }
}
