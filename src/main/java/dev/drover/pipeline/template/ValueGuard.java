package dev.drover.pipeline.template;

/**
 * The template functions that refuse values which quoting leaves harmful. Quoting makes a value
 * one word of data for the shell, but the command that receives the word may still read it as an
 * option or walk out of a directory with it:
 *
 * <ul>
 *   <li>{@code path}: a file name or path. Refused: an empty value, a {@code ..} segment ({@code
 *       cat /srv/files/{{ .f | path }}} stays under {@code /srv/files}), a leading {@code -}
 *       (an option to most commands), a line break, a NUL;
 *   <li>{@code arg}: a command argument that must not be an option. Refused: a leading {@code -}
 *       ({@code ssh {{ .host | arg }}} with {@code -oProxyCommand=...}), a NUL.
 * </ul>
 *
 * A refused value fails the task with {@link RefusedValue} before anything runs.
 */
enum ValueGuard {
  PATH("path") {
    @Override
    String refusal(String value) {
      if (value.isEmpty()) {
        return "it is empty, which is no path";
      }
      if (value.startsWith("-")) {
        return "it starts with '-', which a command reads as an option";
      }
      if (value.indexOf('\0') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
        return "it holds a line break or a NUL character";
      }
      for (String segment : value.split("/", -1)) {
        if (segment.equals("..")) {
          return "it holds a '..' segment, which leaves the directory it is put in";
        }
      }
      return null;
    }
  },
  ARG("arg") {
    @Override
    String refusal(String value) {
      if (value.startsWith("-")) {
        return "it starts with '-', which a command reads as an option";
      }
      if (value.indexOf('\0') >= 0) {
        return "it holds a NUL character";
      }
      return null;
    }
  };

  private final String function;

  ValueGuard(String function) {
    this.function = function;
  }

  /** The name of the template function. */
  String function() {
    return function;
  }

  /** Why {@code value} is refused, or null when it is fine. */
  abstract String refusal(String value);

  /** The guard called {@code function}, or null. */
  static ValueGuard named(String function) {
    for (ValueGuard g : values()) {
      if (g.function.equals(function)) {
        return g;
      }
    }
    return null;
  }
}
