package dev.drover.pipeline;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Follows POSIX {@code /bin/sh} quoting through a script as it is written, so that each
 * placeholder's value can be quoted for the context it lands in: a bare word, double quotes,
 * single quotes, a comment, or a here-document body.
 *
 * <p>Command substitutions {@code $(...)} and {@code `...`} start a fresh command context (a value
 * inside {@code "$(cat {{ .f }})"} is a bare word of the inner command, not double-quoted text),
 * and backquotes add their own layer of backslash escaping. Where no quoting makes a value plain
 * data, the placement is refused with a reason: inside {@code ${...}}, {@code $((...))} or
 * {@code $'...'}, right after a backslash or a {@code $}, in a here-document's end marker, or
 * after text whose reading differs between shells (nested backquotes, {@code $'\''}). bash-only
 * syntax is otherwise not followed: scripts run with POSIX {@code /bin/sh}.
 *
 * <p>Feed it the rendered script in order: {@link #literal} for template text and {@link #value}
 * for each quoted value. The value is scanned too, which both checks that the quoting leaves the
 * context as it found it and finds a value that would end a here-document early.
 */
final class ShellScanner {

  /** Where a placeholder's value lands, which decides how it is quoted. */
  enum Context {
    /** Unquoted command text: the value becomes one word of its own. */
    WORD,
    /** Inside "...". */
    DOUBLE_QUOTED,
    /** Inside '...'. */
    SINGLE_QUOTED,
    /** After # up to the end of the line. */
    COMMENT,
    /** The body of a here-document whose marker is unquoted: $, ` and \ are live. */
    HEREDOC,
    /** The body of a here-document whose marker is quoted: nothing is special. */
    LITERAL_HEREDOC
  }

  /**
   * Where a placeholder stands.
   *
   * @param context the quoting context, or null when refused
   * @param inBackquotes whether it is inside `...`, which escapes once more
   * @param refusal why no quoting is safe here, or null
   */
  record Placement(Context context, boolean inBackquotes, String refusal) {
    static Placement refused(String why) {
      return new Placement(null, false, why);
    }
  }

  private enum Kind {
    COMMAND, SUBSTITUTION, BACKQUOTES, SINGLE, DOUBLE, PARAMETER, ARITHMETIC, ANSI_C, COMMENT,
    HEREDOC
  }

  private static final class Frame {
    final Kind kind;
    /** Open parentheses of a $( ) or $(( )). */
    int depth;
    /** The previous character was a backslash that escapes this one. */
    boolean escaped;
    /** The previous character was a $ that may start $( ${ $(( or $'. */
    boolean dollar;
    /** Command kinds: the next character starts a word, so # starts a comment. */
    boolean wordStart = true;
    /** Substitution: nothing read since "$(", so a second ( makes it arithmetic. */
    boolean justOpened;
    /** Command kinds: the previous character was <, so another < is a here-document. */
    boolean less;
    /** Command kinds: reading the end marker after <<. */
    Marker marker;
    /** Here-document: its end marker. */
    Heredoc heredoc;
    /** $'...': it held \', which dash and bash read differently. */
    boolean backslashQuote;

    Frame(Kind kind) {
      this.kind = kind;
    }

    boolean isCommand() {
      return kind == Kind.COMMAND || kind == Kind.SUBSTITUTION || kind == Kind.BACKQUOTES;
    }
  }

  /** A here-document waiting for its body: it begins after the current line. */
  private record Heredoc(String marker, boolean expanding, boolean stripTabs) {}

  /** The end marker being read after <<. */
  private static final class Marker {
    final StringBuilder word = new StringBuilder();
    boolean first = true;
    boolean started;
    boolean quoted;
    boolean escaped;
    boolean stripTabs;
    char quote;
  }

  static final String AFTER_BACKSLASH =
      "it follows a backslash, which would escape the value's first character";

  private final Deque<Frame> frames = new ArrayDeque<>();
  private final Deque<Heredoc> pendingHeredocs = new ArrayDeque<>();
  private boolean inBackquotes;
  private boolean backquotesInDouble;
  private boolean backquoteBackslash;
  /** Once the scanner cannot tell the context any more, no placeholder is safe after it. */
  private String confusion;
  private final StringBuilder line = new StringBuilder();
  /** The placeholder of a value on the current line, for here-document end markers. */
  private String valueOnLine;

  ShellScanner() {
    frames.push(new Frame(Kind.COMMAND));
  }

  /** Template text. */
  void literal(CharSequence text) {
    for (int i = 0; i < text.length(); i++) {
      feed(text.charAt(i), null);
    }
  }

  /** A quoted value that {@code placeholder} rendered. */
  void value(CharSequence quoted, String placeholder) {
    for (int i = 0; i < quoted.length(); i++) {
      feed(quoted.charAt(i), placeholder);
    }
    // the quoting closed whatever it opened: what comes next is not glued to a '<' or a '$'
    frames.peek().less = false;
  }

  /**
   * The end of the script.
   *
   * @throws UnsafePlaceholder when a value completes the last line into a here-document's marker
   */
  void finish() {
    Frame top = frames.peek();
    if (top.kind == Kind.HEREDOC && ends(top.heredoc) && valueOnLine != null) {
      throw endsHeredoc(top.heredoc);
    }
  }

  /** Where a placeholder at this point lands. */
  Placement placement() {
    if (confusion != null) {
      return Placement.refused(confusion);
    }
    if (backquoteBackslash) {
      return Placement.refused(AFTER_BACKSLASH);
    }
    for (Frame f : frames) {
      switch (f.kind) {
        case PARAMETER -> {
          return Placement.refused(
              "it is inside ${...}, where quotes are not read the same in every shell;"
                  + " assign it to a shell variable first (v={{ ... }}; ... ${v} ...)");
        }
        case ARITHMETIC -> {
          return Placement.refused(
              "it is inside $((...)), where a quoted value is not a number;"
                  + " assign it to a shell variable first (n={{ ... }}; echo $((n + 1)))");
        }
        case ANSI_C -> {
          return Placement.refused("it is inside $'...'; use '...' or \"...\" instead");
        }
        default -> {}
      }
    }
    Frame top = frames.peek();
    if (top.escaped) {
      return Placement.refused(AFTER_BACKSLASH);
    }
    if (top.dollar) {
      return Placement.refused("it follows a $; write \\$ for a dollar sign");
    }
    Context context =
        switch (top.kind) {
          case COMMAND, SUBSTITUTION, BACKQUOTES -> {
            if (top.marker != null) {
              yield null;
            }
            yield Context.WORD;
          }
          case SINGLE -> Context.SINGLE_QUOTED;
          case DOUBLE -> Context.DOUBLE_QUOTED;
          case COMMENT -> Context.COMMENT;
          case HEREDOC -> top.heredoc.expanding() ? Context.HEREDOC : Context.LITERAL_HEREDOC;
          default -> throw new IllegalStateException("unexpected " + top.kind);
        };
    if (context == null) {
      return Placement.refused("it is in the end marker of a here-document");
    }
    return new Placement(context, inBackquotes, null);
  }

  private void feed(char c, String placeholder) {
    if (confusion != null) {
      return;
    }
    if (c == '\n') {
      dispatch(c);
      line.setLength(0);
      valueOnLine = null;
      return;
    }
    if (placeholder != null && c == '\t' && strippedHere()) {
      throw new UnsafePlaceholder(
          placeholder, "a <<- here-document removes the tabs its value starts a line with");
    }
    line.append(c);
    if (placeholder != null) {
      valueOnLine = placeholder;
    }
    dispatch(c);
  }

  /** Backquotes first undo their own escaping, then the inner command reads the result. */
  private void dispatch(char c) {
    if (!inBackquotes) {
      read(c);
      return;
    }
    if (backquoteBackslash) {
      backquoteBackslash = false;
      if (c == '\\' || c == '`' || c == '$' || (backquotesInDouble && c == '"')) {
        read(c);
      } else {
        read('\\');
        read(c);
      }
    } else if (c == '\\') {
      backquoteBackslash = true;
    } else if (c == '`') {
      closeBackquotes();
    } else {
      read(c);
    }
  }

  private void read(char c) {
    if (confusion != null) {
      return;
    }
    Frame f = frames.peek();
    switch (f.kind) {
      case COMMAND, SUBSTITUTION, BACKQUOTES -> command(f, c);
      case SINGLE -> {
        if (c == '\'') {
          frames.pop();
        }
      }
      case DOUBLE -> doubleQuoted(f, c);
      case PARAMETER -> parameter(f, c);
      case ARITHMETIC -> arithmetic(f, c);
      case ANSI_C -> ansiC(f, c);
      case COMMENT -> {
        if (c == '\n') {
          frames.pop();
          read(c);
        }
      }
      case HEREDOC -> heredoc(f, c);
    }
  }

  private void command(Frame f, char c) {
    if (f.marker != null && readMarker(f, c)) {
      return;
    }
    if (f.escaped) {
      f.escaped = false;
      f.wordStart = false;
      return;
    }
    if (f.justOpened) {
      f.justOpened = false;
      if (c == '(') {
        frames.pop();
        Frame arithmetic = new Frame(Kind.ARITHMETIC);
        arithmetic.depth = 2;
        frames.push(arithmetic);
        return;
      }
    }
    if (f.dollar) {
      f.dollar = false;
      if (opensAfterDollar(c, true)) {
        return;
      }
    }
    boolean afterLess = f.less;
    f.less = false;
    switch (c) {
      case '\\' -> {
        f.escaped = true;
        f.wordStart = false;
      }
      case '\'' -> {
        f.wordStart = false;
        frames.push(new Frame(Kind.SINGLE));
      }
      case '"' -> {
        f.wordStart = false;
        frames.push(new Frame(Kind.DOUBLE));
      }
      case '`' -> {
        f.wordStart = false;
        openBackquotes(false);
      }
      case '$' -> {
        f.wordStart = false;
        f.dollar = true;
      }
      case '#' -> {
        if (f.wordStart) {
          frames.push(new Frame(Kind.COMMENT));
        }
      }
      case '(' -> {
        if (f.kind == Kind.SUBSTITUTION) {
          f.depth++;
        }
        f.wordStart = true;
      }
      case ')' -> {
        if (f.kind == Kind.SUBSTITUTION && f.depth == 0) {
          frames.pop();
          Frame outer = frames.peek();
          if (outer.isCommand()) {
            outer.wordStart = false;
          }
          return;
        }
        if (f.kind == Kind.SUBSTITUTION) {
          f.depth--;
        }
        f.wordStart = true;
      }
      case '<' -> {
        if (afterLess) {
          if (inBackquotes) {
            confusion = "a here-document inside `...` is not supported; use $(...)";
            return;
          }
          f.marker = new Marker();
        } else {
          f.less = true;
        }
        f.wordStart = true;
      }
      case '\n' -> {
        f.wordStart = true;
        if (!pendingHeredocs.isEmpty()) {
          startHeredoc();
        }
      }
      case ' ', '\t', ';', '&', '|', '>' -> f.wordStart = true;
      default -> f.wordStart = false;
    }
  }

  /** Reads the end marker after <<; false when {@code c} ends it and is read as command text. */
  private boolean readMarker(Frame f, char c) {
    Marker m = f.marker;
    if (m.first) {
      m.first = false;
      if (c == '-') {
        m.stripTabs = true;
        return true;
      }
      if (c == '<') {
        // bash's <<< here-string, not a here-document
        f.marker = null;
        return true;
      }
    }
    if (m.escaped) {
      m.escaped = false;
      m.word.append(c);
      return true;
    }
    if (m.quote != 0) {
      if (c == m.quote) {
        m.quote = 0;
      } else {
        m.word.append(c);
      }
      return true;
    }
    switch (c) {
      case '\\' -> {
        m.escaped = m.quoted = m.started = true;
        return true;
      }
      case '\'', '"' -> {
        m.quote = c;
        m.quoted = m.started = true;
        return true;
      }
      case ' ', '\t' -> {
        if (!m.started) {
          return true;
        }
        endMarker(f);
        return false;
      }
      case '\n', ';', '&', '|', '<', '>', '(', ')' -> {
        endMarker(f);
        return false;
      }
      default -> {
        m.word.append(c);
        m.started = true;
        return true;
      }
    }
  }

  private void endMarker(Frame f) {
    Marker m = f.marker;
    f.marker = null;
    if (m.started) {
      pendingHeredocs.add(new Heredoc(m.word.toString(), !m.quoted, m.stripTabs));
    }
  }

  private void startHeredoc() {
    Frame body = new Frame(Kind.HEREDOC);
    body.heredoc = pendingHeredocs.poll();
    frames.push(body);
  }

  private void doubleQuoted(Frame f, char c) {
    if (f.escaped) {
      f.escaped = false;
      return;
    }
    if (f.dollar) {
      f.dollar = false;
      if (opensAfterDollar(c, false)) {
        return;
      }
    }
    switch (c) {
      case '\\' -> f.escaped = true;
      case '"' -> frames.pop();
      case '$' -> f.dollar = true;
      case '`' -> openBackquotes(true);
      default -> {}
    }
  }

  private void parameter(Frame f, char c) {
    if (f.escaped) {
      f.escaped = false;
      return;
    }
    if (f.dollar) {
      f.dollar = false;
      if (opensAfterDollar(c, false)) {
        return;
      }
    }
    switch (c) {
      case '\\' -> f.escaped = true;
      case '\'' -> frames.push(new Frame(Kind.SINGLE));
      case '"' -> frames.push(new Frame(Kind.DOUBLE));
      case '$' -> f.dollar = true;
      case '`' -> openBackquotes(false);
      case '}' -> frames.pop();
      default -> {}
    }
  }

  private void arithmetic(Frame f, char c) {
    if (f.dollar) {
      f.dollar = false;
      if (opensAfterDollar(c, false)) {
        return;
      }
    }
    switch (c) {
      case '$' -> f.dollar = true;
      case '`' -> openBackquotes(false);
      case '(' -> f.depth++;
      case ')' -> {
        if (--f.depth == 0) {
          frames.pop();
        }
      }
      default -> {}
    }
  }

  /** bash's $'...', where \ escapes; dash reads it as $ and '...'. */
  private void ansiC(Frame f, char c) {
    if (f.escaped) {
      f.escaped = false;
      f.backslashQuote |= c == '\'';
      return;
    }
    if (c == '\\') {
      f.escaped = true;
    } else if (c == '\'') {
      frames.pop();
      if (f.backslashQuote) {
        confusion = "it follows $'...' holding \\', which dash and bash read differently";
      }
    }
  }

  private void heredoc(Frame f, char c) {
    if (c == '\n') {
      f.escaped = false;
      f.dollar = false;
      if (ends(f.heredoc)) {
        if (valueOnLine != null) {
          throw endsHeredoc(f.heredoc);
        }
        frames.pop();
        if (!pendingHeredocs.isEmpty()) {
          startHeredoc();
        }
      }
      return;
    }
    if (!f.heredoc.expanding()) {
      return;
    }
    if (f.escaped) {
      f.escaped = false;
      return;
    }
    if (f.dollar) {
      f.dollar = false;
      if (opensAfterDollar(c, false)) {
        return;
      }
    }
    switch (c) {
      case '\\' -> f.escaped = true;
      case '$' -> f.dollar = true;
      case '`' -> openBackquotes(false);
      default -> {}
    }
  }

  /** Whether a tab here would be removed: at the start of a line of a <<- here-document. */
  private boolean strippedHere() {
    Frame top = frames.peek();
    return top.kind == Kind.HEREDOC
        && top.heredoc.stripTabs()
        && line.chars().allMatch(ch -> ch == '\t');
  }

  private boolean ends(Heredoc heredoc) {
    String text = line.toString();
    if (heredoc.stripTabs()) {
      text = text.replaceFirst("^\t+", "");
    }
    return text.equals(heredoc.marker());
  }

  private UnsafePlaceholder endsHeredoc(Heredoc heredoc) {
    return new UnsafePlaceholder(
        valueOnLine,
        "its value makes the line \"" + heredoc.marker()
            + "\", which ends the here-document early");
  }

  /** After a $: ( starts $( or $((, { starts ${, ' starts $'...' where {@code ansiC} applies. */
  private boolean opensAfterDollar(char c, boolean ansiC) {
    switch (c) {
      case '(' -> {
        Frame substitution = new Frame(Kind.SUBSTITUTION);
        substitution.justOpened = true;
        frames.push(substitution);
        return true;
      }
      case '{' -> {
        frames.push(new Frame(Kind.PARAMETER));
        return true;
      }
      case '\'' -> {
        if (ansiC) {
          frames.push(new Frame(Kind.ANSI_C));
          return true;
        }
        return false;
      }
      default -> {
        return false;
      }
    }
  }

  private void openBackquotes(boolean inDouble) {
    if (inBackquotes) {
      confusion = "it follows backquotes nested in backquotes; use $(...) instead";
      return;
    }
    inBackquotes = true;
    backquotesInDouble = inDouble;
    frames.push(new Frame(Kind.BACKQUOTES));
  }

  private void closeBackquotes() {
    inBackquotes = false;
    Frame popped;
    do {
      popped = frames.pop();
      if (popped.kind != Kind.BACKQUOTES && popped.kind != Kind.COMMENT) {
        confusion = "it follows `...` holding a quote or substitution it does not close";
      }
    } while (popped.kind != Kind.BACKQUOTES);
    Frame outer = frames.peek();
    if (outer.isCommand()) {
      outer.wordStart = false;
    }
  }
}
