package dev.drover.pipeline.template;

import dev.drover.pipeline.template.Gen.Weighted;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Generates script templates from the shell's grammar, each with the output it must print for
 * any value of {@code .v}: commands made of words in every quoting ({@code '...'}, {@code "..."},
 * {@code $(...)}, backquotes, {@code ${...}}, arithmetic), {@code case}, here-documents (quoted
 * and unquoted markers, {@code <<-}, continued lines before the marker), comments, line
 * continuations, subshells and groups, nested in each other. {@link #posix()} stays within what
 * dash, {@code bash --posix} and bash all run; {@link #bash()} adds bash's own syntax.
 */
final class ShellGrammar {

  /** What a piece of template prints, given the value of {@code .v}. */
  interface Output extends UnaryOperator<String> {}

  /**
   * A piece of template.
   *
   * @param template the text, placeholders included
   * @param output what it prints (a command) or expands to (a word), given {@code .v}
   * @param backquotable whether it can be put inside backquotes as it is (no backslash, no
   *     backquote, no here-document)
   * @param oneLine whether it holds no line break
   */
  record Piece(String template, Output output, boolean backquotable, boolean oneLine) {
    @Override
    public String toString() {
      return template;
    }
  }

  private static final String V = "{{ .v }}";

  private final boolean bash;

  private ShellGrammar(boolean bash) {
    this.bash = bash;
  }

  static ShellGrammar posix() {
    return new ShellGrammar(false);
  }

  static ShellGrammar bash() {
    return new ShellGrammar(true);
  }

  /** A script: one to three commands on lines of their own. */
  Gen<Piece> script() {
    return command(3).list(1, 2).map(commands -> {
      // extended globs must be on when bash parses a line, so before any nesting
      StringBuilder template = new StringBuilder(bash ? "shopt -s extglob" : "");
      boolean backquotable = true;
      for (Piece c : commands) {
        template.append(template.isEmpty() ? "" : "\n").append(c.template());
        backquotable &= c.backquotable();
      }
      List<Piece> all = List.copyOf(commands);
      return new Piece(template.toString(), v -> {
        StringBuilder out = new StringBuilder();
        all.forEach(c -> out.append(c.output().apply(v)));
        return out.toString();
      }, backquotable, false);
    });
  }

  /** Values built to break out of one context or another. */
  static Gen<String> values() {
    Gen<String> fragment = Gen.of(
        "", "a", " ", "  ", "\t", "\n", "\r", "'", "\"", "\\", "$", "`", "(", ")", "{", "}", "[",
        "]", ";", ";;", "&", "|", "<", ">", "<<", "#", "*", "?", "~", "!", "=", ",", "-n", "-e",
        "%s", "é", "€", "EOF", "\nEOF\n", "\tEOF", "esac", "in", "case", "$(touch pwned)",
        "`touch pwned`", "; touch pwned", "\ntouch pwned\n", "'; touch pwned; '",
        "\"; touch pwned; \"", ") touch pwned; (", ";; *) touch pwned;;", "${x}", "$x", "$'\\''",
        "a[$(touch pwned)]", "\\\n", "!(x)", "@(a)", "{a,b}", "[[", "]]", "$((1))", "<(x)",
        "\\'", "\\\"", "$\"x\"", "\\$(touch pwned)");
    return fragment.list(0, 6).map(parts -> String.join("", parts));
  }

  // ---- commands: each prints its output

  Gen<Piece> command(int depth) {
    if (depth <= 0) {
      return Gen.oneOf(printf(0), assignment(0));
    }
    return Gen.frequency(List.of(
        freq(5, printf(depth)),
        freq(2, assignment(depth)),
        freq(3, caseCommand(depth)),
        freq(3, heredoc(depth)),
        freq(2, commented(depth)),
        freq(2, continued(depth)),
        freq(1, subshell(depth)),
        freq(1, group(depth)),
        freq(1, ifCommand(depth)),
        freq(bash ? 4 : 0, bashCommand(depth))));
  }

  private static Weighted<Piece> freq(int weight, Gen<Piece> gen) {
    return new Weighted<>(weight, gen);
  }

  /** printf '%s|' WORD...: each word's text, then |. */
  private Gen<Piece> printf(int depth) {
    return word(depth).list(1, 2).map(words -> {
      StringBuilder template = new StringBuilder("printf '%s|'");
      boolean backquotable = true;
      boolean oneLine = true;
      for (Piece w : words) {
        template.append(' ').append(w.template());
        backquotable &= w.backquotable();
        oneLine &= w.oneLine();
      }
      List<Piece> all = List.copyOf(words);
      return new Piece(template.toString(), v -> {
        StringBuilder out = new StringBuilder();
        all.forEach(w -> out.append(w.output().apply(v)).append('|'));
        return out.toString();
      }, backquotable, oneLine);
    });
  }

  /** x=WORD; printf '%s|' "$x". */
  private Gen<Piece> assignment(int depth) {
    return word(depth).map(w -> new Piece(
        "x=" + w.template() + "; printf '%s|' \"$x\"", v -> w.output().apply(v) + "|",
        w.backquotable(), w.oneLine()));
  }

  /** case WORD in (zz|PATTERN) COMMAND;; *) COMMAND;; esac, with or without the ( and ;;. */
  private Gen<Piece> caseCommand(int depth) {
    Gen<Piece> pattern = Gen.oneOf(
        Gen.just(literal("zz")), word(0), Gen.just(new Piece(V, v -> v, true, true)));
    Gen<Piece> subjects = word(depth - 1);
    Gen<Piece> matchedCommands = command(depth - 1);
    Gen<Piece> otherCommands = command(depth - 1);
    Gen<String> gaps = Gen.of(" ", "\n", " \n  ");
    return random -> {
      Piece subject = subjects.sample(random);
      Piece pat = pattern.sample(random);
      Piece matched = matchedCommands.sample(random);
      Piece other = otherCommands.sample(random);
      String gap = gaps.sample(random);
      boolean paren = random.nextBoolean();
      // the last item may go without ;; but then esac must start a line
      String template = "case " + subject.template() + " in" + gap + (paren ? "(" : "")
          + "zz|" + pat.template() + ") " + matched.template() + " ;;" + gap + "*) "
          + other.template() + (paren ? " ;;" + gap : "\n") + "esac";
      return new Piece(template, v -> {
        String s = subject.output().apply(v);
        boolean matches = s.equals("zz") || s.equals(pat.output().apply(v));
        return matches ? matched.output().apply(v) : other.output().apply(v);
      }, subject.backquotable() && pat.backquotable() && matched.backquotable()
          && other.backquotable(), false);
    };
  }

  /** cat <<MARKER with a body of text, values and (unquoted marker) expansions. */
  private Gen<Piece> heredoc(int depth) {
    Gen<String> marker = Gen.of("EOF", "'EOF'", "\"EOF\"", "\\EOF", "E\"O\"F", "X");
    Gen<List<Piece>> expandingBody = bodyLine(depth, true).list(0, 3);
    Gen<List<Piece>> literalBody = bodyLine(depth, false).list(0, 3);
    return random -> {
      String m = marker.sample(random);
      boolean strip = random.nextBoolean();
      boolean spaced = random.nextBoolean();
      boolean expanding = !m.contains("'") && !m.contains("\"") && !m.contains("\\");
      String end = m.replaceAll("['\"\\\\]", "");
      List<Piece> lines = (expanding ? expandingBody : literalBody).sample(random);
      StringBuilder template = new StringBuilder("cat <<" + (strip ? "-" : "")
          + (spaced ? " " : "") + m + "\n");
      for (Piece line : lines) {
        template.append(strip ? "\t" : "").append(line.template()).append('\n');
      }
      // the marker ends its line: what follows the command starts on the next one
      template.append(strip ? "\t\t" : "").append(end).append('\n');
      return new Piece(template.toString(), v -> {
        StringBuilder out = new StringBuilder();
        lines.forEach(line -> out.append(line.output().apply(v)).append('\n'));
        return out.toString();
      }, false, false);
    };
  }

  /**
   * One line of a here-document body (its text printed as it is, expansions done); in an
   * expanding one, sometimes a line continued into the end marker's text, which the shells join.
   */
  private Gen<Piece> bodyLine(int depth, boolean expanding) {
    Gen<Piece> text = Gen.of(
        literal("plain text"), literal("it's \"quoted\" # not a comment"), literal("a;b|c&d"),
        literal(")"), literal("esac"));
    Gen<Piece> value = Gen.just(new Piece(V, v -> v, true, true));
    if (!expanding) {
      Gen<Piece> raw = Gen.of(
          literal("$HOME `x` \\ $(y)"), literal("\\"));
      return Gen.oneOf(text, value, raw).list(1, 3).map(
          ShellGrammar::concat);
    }
    Gen<Piece> escaped = Gen.of(
        new Piece("\\$HOME", v -> "$HOME", false, true),
        new Piece("\\\\", v -> "\\", false, true),
        new Piece("\\`", v -> "`", false, true));
    Gen<Piece> substitution = singleLineCommand(depth - 1).map(c -> new Piece(
        "$(" + spaced(c.template()) + ")", v -> trimNewlines(c.output().apply(v)), false, true));
    Gen<Piece> line = Gen.oneOf(text, value, escaped, substitution)
        .list(1, 3).map(ShellGrammar::concat);
    Gen<Piece> continued = line.map(l -> new Piece(
        l.template() + "a\\\nEOF", v -> l.output().apply(v) + "aEOF", false, false));
    return Gen.frequency(List.of(freq(6, line), freq(1, continued)));
  }

  /**
   * A command for inside $(...) or <(...): bash 5.2 garbles the commands that follow a
   * here-document there (it prints the substitution back and reads it again), so a
   * here-document may only be the whole command.
   */
  private Gen<Piece> substituted(int depth) {
    return command(depth).filter(c -> !c.template().contains("<<")
        || c.template().startsWith("cat <<") && c.template().indexOf("<<", 6) < 0);
  }

  private Gen<Piece> singleLineCommand(int depth) {
    return command(Math.max(depth, 0)).filter(Piece::oneLine);
  }

  /** COMMAND # a comment holding a value. */
  private Gen<Piece> commented(int depth) {
    Gen<Piece> commands = command(depth - 1);
    Gen<String> hashes = Gen.of("#", " #", " # x");
    return random -> {
      Piece c = commands.sample(random);
      String hash = hashes.sample(random);
      return new Piece(
          c.template() + (hash.startsWith(" ") ? hash : " " + hash) + " about " + V + " end\n",
          c.output(), c.backquotable(), false);
    };
  }

  /**
   * A command split by a line continuation, or one followed by a continuation into a comment
   * line: {@code printf ... \}, newline, {@code # for {{ .v }}}.
   */
  private Gen<Piece> continued(int depth) {
    Gen<Piece> intoComment = printf(depth - 1).map(c -> new Piece(
        c.template() + " \\\n# for " + V + "\n", c.output(), false, false));
    Gen<Piece> words = word(depth - 1);
    Gen<Piece> split = random -> {
      Piece a = words.sample(random);
      Piece b = words.sample(random);
      return new Piece("printf '%s|' " + a.template() + " \\\n  " + b.template(),
          v -> a.output().apply(v) + "|" + b.output().apply(v) + "|", false, false);
    };
    return Gen.oneOf(intoComment, split);
  }

  private Gen<Piece> subshell(int depth) {
    return command(depth - 1).map(c -> new Piece(
        "( " + c.template() + "\n)", c.output(), c.backquotable(), false));
  }

  private Gen<Piece> group(int depth) {
    return command(depth - 1).map(c -> new Piece(
        "{ " + c.template() + "\n}", c.output(), c.backquotable(), false));
  }

  private Gen<Piece> ifCommand(int depth) {
    return command(depth - 1).map(c -> new Piece(
        "if true; then " + c.template() + "\nfi", c.output(), c.backquotable(), false));
  }

  // ---- words: each expands to exactly its output, as one word

  Gen<Piece> word(int depth) {
    Gen<Piece> part = wordPart(depth);
    return part.list(1, 2).map(ShellGrammar::concat);
  }

  private Gen<Piece> wordPart(int depth) {
    Gen<Piece> simple = Gen.oneOf(
        Gen.of(literal("ab"), literal("x-y"), literal("=")),
        Gen.just(new Piece(V, v -> v, true, true)),
        Gen.of(
            new Piece("'a" + V + "b'", v -> "a" + v + "b", true, true),
            new Piece("'" + V + "'", v -> v, true, true),
            new Piece("\\;", v -> ";", false, true),
            new Piece("$((1 + 2))", v -> "3", true, true),
            new Piece("\"${UNSET_Q:-lit it}\"", v -> "lit it", true, true),
            new Piece("${#UNSET_Q}", v -> "0", true, true)));
    if (bash) {
      simple = Gen.oneOf(simple, Gen.of(
          new Piece("$'a\\tb'", v -> "a\tb", false, true)));
    }
    if (depth <= 0) {
      return simple;
    }
    return Gen.frequency(List.of(
        freq(4, simple),
        freq(3, doubleQuoted(depth)),
        freq(2, substitution(depth)),
        freq(1, backquoted(depth))));
  }

  /** "...": text, values and expansions inside double quotes. */
  private Gen<Piece> doubleQuoted(int depth) {
    Gen<Piece> inside = Gen.oneOf(
        Gen.of(literal("a b"), literal("it's"), literal("#;|&<>()"), literal("{a,b}")),
        Gen.just(new Piece(V, v -> v, true, true)),
        Gen.of(
            new Piece("\\$", v -> "$", false, true),
            new Piece("\\\\", v -> "\\", false, true),
            new Piece("\\\"", v -> "\"", false, true),
            new Piece("${UNSET_Q:-x y}", v -> "x y", true, true),
            new Piece("$((2 * 3))", v -> "6", true, true)),
        singleLineCommand(depth - 1).map(c -> new Piece(
            "$(" + spaced(c.template()) + ")", v -> trimNewlines(c.output().apply(v)), c.backquotable(),
            true)),
        substituted(depth - 1).map(c -> new Piece(
            "$(" + spaced(c.template()) + "\n)", v -> trimNewlines(c.output().apply(v)),
            c.backquotable(), false)),
        backquotedCommand(depth - 1).filter(b -> b.template().indexOf('"') < 0));
    return inside.list(1, 2).map(parts -> {
      Piece body = concat(parts);
      return new Piece("\"" + body.template() + "\"", body.output(), body.backquotable(),
          body.oneLine());
    });
  }

  /** "$(COMMAND)": its output without the trailing newlines. */
  private Gen<Piece> substitution(int depth) {
    return substituted(depth - 1).map(c -> new Piece(
        "\"$(" + spaced(c.template()) + ")\"", v -> trimNewlines(c.output().apply(v)), c.backquotable(),
        c.oneLine()));
  }

  /** "`COMMAND`". */
  private Gen<Piece> backquoted(int depth) {
    // a " inside backquotes inside "..." is read differently by dash and bash (refused)
    return backquotedCommand(depth - 1).filter(b -> b.template().indexOf('"') < 0).map(b -> new Piece(
        "\"" + b.template() + "\"", b.output(), false, b.oneLine()));
  }

  private Gen<Piece> backquotedCommand(int depth) {
    return command(Math.max(depth, 0)).filter(Piece::backquotable).map(c -> new Piece(
        "`" + c.template() + "`", v -> trimNewlines(c.output().apply(v)), false, c.oneLine()));
  }

  // ---- bash's own syntax

  private Gen<Piece> bashCommand(int depth) {
    Gen<Piece> words = word(depth - 1);
    Gen<Piece> conditional = random -> {
      Piece a = words.sample(random);
      Piece b = words.sample(random);
      return new Piece(
          "if [[ " + a.template() + " == " + b.template() + " && -n " + a.template()
              + " ]]; then printf '=|'; else printf '~|'; fi",
          v -> a.output().apply(v).equals(b.output().apply(v))
              && !a.output().apply(v).isEmpty() ? "=|" : "~|",
          a.backquotable() && b.backquotable(), a.oneLine() && b.oneLine());
    };
    Gen<Piece> processSubstitution = substituted(depth - 1).map(c -> new Piece(
        "cat <(" + spaced(c.template()) + "\n)", c.output(), false, false));
    Gen<Piece> braces = word(depth - 1).map(w -> new Piece(
        "printf '%s|' {a,b" + w.template() + "}", v -> "a|b" + w.output().apply(v) + "|",
        w.backquotable(), w.oneLine()));
    Gen<Piece> array = random -> {
      Piece a = words.sample(random);
      Piece b = words.sample(random);
      return new Piece(
          "arr=(" + a.template() + " # " + V + "\n " + b.template() + "); printf '%s|' \"${arr[@]}\"",
          v -> a.output().apply(v) + "|" + b.output().apply(v) + "|", false, false);
    };
    Gen<Piece> extglob = word(depth - 1).map(w -> new Piece(
        "case " + w.template() + " in @(zz|" + w.template()
            + ")) printf 'm|';; *) printf 'n|';; esac",
        v -> "m|", false, false));
    return Gen.oneOf(conditional, processSubstitution, braces, array, extglob);
  }

  // ---- helpers

  private static Piece literal(String text) {
    return new Piece(text, v -> text, text.indexOf('\\') < 0 && text.indexOf('`') < 0,
        text.indexOf('\n') < 0);
  }

  private static Piece concat(List<Piece> parts) {
    StringBuilder template = new StringBuilder();
    boolean backquotable = true;
    boolean oneLine = true;
    for (Piece p : parts) {
      template.append(p.template());
      backquotable &= p.backquotable();
      oneLine &= p.oneLine();
    }
    List<Piece> all = List.copyOf(parts);
    return new Piece(template.toString(), v -> {
      StringBuilder out = new StringBuilder();
      all.forEach(p -> out.append(p.output().apply(v)));
      return out.toString();
    }, backquotable, oneLine);
  }

  /** $( followed by ( would open arithmetic: a space keeps it a subshell. */
  private static String spaced(String command) {
    return command.startsWith("(") ? " " + command : command;
  }

  private static String trimNewlines(String s) {
    int end = s.length();
    while (end > 0 && s.charAt(end - 1) == '\n') {
      end--;
    }
    return s.substring(0, end);
  }
}
