package dev.drover.pipeline.template;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Reads a script line the way the shells that run it do, so that each placeholder's value can be
 * quoted for the context it lands in, and refuses a placeholder wherever that context cannot be
 * told for certain.
 *
 * <h2>The model</h2>
 *
 * The scanner is a pushdown automaton over the characters of the line. Its stack holds one frame
 * per construct the line is inside, innermost on top:
 *
 * <ul>
 *   <li>command lists: the line itself, {@code ( )} subshells, {@code $( )}, backquotes, and
 *       bash's {@code <( )}/{@code >( )}. In them it follows words and operators, the command
 *       position (where {@code case}, {@code esac}, {@code in}, {@code [[} and {@code ((} are
 *       reserved words), the states of {@code case} (subject, {@code in}, patterns and their
 *       {@code )}, bodies ended by {@code ;;}, {@code ;&} or {@code ;;&}), comments (a {@code #}
 *       starting a word), here-document operators and their end markers;
 *   <li>quotes: {@code '...'}, {@code "..."}, bash's {@code $'...'} and {@code $"..."};
 *   <li>expansions: {@code ${...}}, arithmetic {@code $((...))}, {@code ((...))} and bash's
 *       {@code $[...]};
 *   <li>bash's word forms: {@code [[ ... ]]}, compound assignments {@code a=( ... )} and extended
 *       globs {@code @( ... )};
 *   <li>comments and here-document bodies, whose lines are compared with their end marker after
 *       line continuations are joined, and whose {@code <<-} tabs are stripped.
 * </ul>
 *
 * A backslash before a newline is a line continuation and vanishes before anything else reads
 * the text (it joins {@code ca\}, newline, {@code se} into {@code case}), except in single
 * quotes, comments and the bodies of here-documents with a quoted marker. Backquotes first undo
 * their own layer of backslashes ({@code \\}, {@code \`}, {@code \$}, and {@code \"} inside
 * double quotes), then their command is read like any other.
 *
 * <h2>What it refuses</h2>
 *
 * The model covers POSIX {@code sh} as dash reads it and bash as it reads a line with and without
 * {@code --posix}. Where these read the same text differently, or where no quoting keeps a value
 * data, a placeholder is refused with the reason: inside {@code ${...}}, any arithmetic, {@code
 * $'...'} or {@code $"..."}, an array subscript ({@code a[...]}), a {@code [[ ... ]]} that
 * compares numbers ({@code -eq}, {@code -lt}, ...) or tests {@code -v}/{@code -R} (bash evaluates
 * those operands as arithmetic, which runs {@code $(...)} in them), right after a backslash or a
 * {@code $}, in a here-document's end marker. Once the line holds a construct the model does not
 * follow to the letter (a quote or comment inside arithmetic, backquotes in backquotes, a
 * here-document opened inside backquotes or whose body a {@code $(...)} spans, {@code '} in a
 * {@code ${...}} inside double quotes, a here-document line that a continuation joins into its
 * end marker, an unbalanced {@code )}), every placeholder after it is refused.
 *
 * <h2>Use</h2>
 *
 * Feed the rendered line in order: {@link #literal} for template text, {@link #placement()} at a
 * placeholder, then {@link #value} with the quoted value. The value is scanned too, which both
 * checks that the quoting left the context as it found it and finds a value that would end a
 * here-document early; {@link #finish()} at the end. {@link #copy()} gives an independent scanner
 * in the same state.
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

  /** The backquotes around a placeholder, which add their own layer of escaping. */
  enum Backquotes {
    NONE,
    /** `...`: \, \` and \$ stand for \, ` and $. */
    PLAIN,
    /** `...` inside "...": \" stands for " too. */
    IN_DOUBLE_QUOTES
  }

  /**
   * Where a placeholder stands.
   *
   * @param context the quoting context, or null when refused
   * @param backquotes the backquotes around it
   * @param refusal why no quoting is safe here, or null
   */
  record Placement(Context context, Backquotes backquotes, String refusal) {
    static Placement refused(String why) {
      return new Placement(null, Backquotes.NONE, why);
    }
  }

  /** A placeholder: as written, and where it starts in the line. */
  record Slot(String source, int offset) {}

  static final String AFTER_BACKSLASH =
      "it follows a backslash, which would escape the value's first character";

  /** Operators in [[ ]] whose operands bash evaluates as arithmetic (or as variable names). */
  private static final Set<String> ARITHMETIC_TESTS =
      Set.of("-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-v", "-R");

  /** Reserved words after which the next word is in command position again. */
  private static final Set<String> KEEP_COMMAND_POSITION =
      Set.of("if", "then", "else", "elif", "do", "while", "until", "!", "{", "time", "coproc");

  private enum Kind {
    /** The line itself. */
    ROOT,
    /** ( ... ), also the parentheses of a function definition. */
    SUBSHELL,
    /** $( ... ). */
    COMMAND_SUB,
    /** bash's <( ... ) and >( ... ). */
    PROCESS_SUB,
    /** ` ... `. */
    BACKQUOTES,
    /** bash's [[ ... ]]. */
    CONDITIONAL,
    /** bash's name=( ... ). */
    ARRAY,
    /** bash's @( ... ), !( ... ), +( ... ), *( ... ), ?( ... ). */
    EXTGLOB,
    SINGLE,
    /** "..." and bash's $"..." ({@code locale}). */
    DOUBLE,
    /** bash's $'...'. */
    ANSI_C,
    /** ${ ... }. */
    PARAMETER,
    /** $(( ... )), (( ... )), $[ ... ]. */
    ARITHMETIC,
    COMMENT,
    HEREDOC;

    boolean isCommandList() {
      return this == ROOT || this == SUBSHELL || this == COMMAND_SUB || this == PROCESS_SUB
          || this == BACKQUOTES;
    }

    /** Frames that read words: quotes, expansions and backslashes work as in a command. */
    boolean readsWords() {
      return isCommandList() || this == CONDITIONAL || this == ARRAY || this == EXTGLOB;
    }
  }

  /** Where a case command is. */
  private enum CaseState {
    /** After "case": its subject word. */
    SUBJECT,
    /** After the subject: "in". */
    IN,
    /** Before a pattern list, or "esac". */
    PATTERN_START,
    /** In a pattern list, up to its ")". */
    PATTERN,
    /** In the commands of a pattern, up to ;; ;& ;;& or esac. */
    BODY
  }

  private static final class Frame {
    final Kind kind;
    /** A backslash was read; the next character is escaped, or a newline joins the lines. */
    boolean escaped;
    /** A $ was read that may start $( ${ $(( $[ $' or $". */
    boolean dollar;
    /** The previous character, when it may combine with this one into an operator. */
    char previous;
    /** Nothing read since the frame opened: a ( right after $( or ( makes it arithmetic. */
    boolean justOpened;
    /** Command lists: the next word is in command position. */
    boolean commandPosition = true;
    /** Word frames: a word is being read (so # does not start a comment). */
    boolean inWord;
    /** Word frames: the current word has no quote, escape or expansion. */
    boolean wordPlain = true;
    /** Word frames: the text of the current word, while it is plain. */
    final StringBuilder word = new StringBuilder();
    /** Open brackets of an array subscript a[...] in the current word. */
    int subscript;
    /** Command lists: the case commands open in this list, innermost first. */
    final Deque<CaseState> cases = new ArrayDeque<>();
    /** Command lists: reading a here-document's end marker after <<. */
    Marker marker;
    /** Parentheses (or brackets of $[) open in arithmetic, [[ ]] and extended globs. */
    int depth;
    /** Arithmetic: ) or ]. */
    char closer;
    /** Subshells: nothing but blanks read yet, so () is a function definition's. */
    boolean empty = true;
    /** Command lists: after "function", whose next word is the name. */
    boolean functionName;
    /** DOUBLE: bash's $"...". PARAMETER: inside "..." or a here-document. */
    boolean flag;
    /** ANSI_C: it held \', which dash and bash read differently. */
    boolean backslashQuote;
    /** CONDITIONAL: a word that makes bash evaluate operands as arithmetic. */
    boolean arithmeticTest;
    /** CONDITIONAL: the first placeholder inside. */
    Slot placeholder;
    /** HEREDOC: what ends it. */
    Heredoc heredoc;

    Frame(Kind kind) {
      this.kind = kind;
    }

    Frame copy() {
      Frame f = new Frame(kind);
      f.escaped = escaped;
      f.dollar = dollar;
      f.previous = previous;
      f.justOpened = justOpened;
      f.empty = empty;
      f.functionName = functionName;
      f.commandPosition = commandPosition;
      f.inWord = inWord;
      f.wordPlain = wordPlain;
      f.word.append(word);
      f.subscript = subscript;
      f.cases.addAll(cases);
      f.marker = marker == null ? null : marker.copy();
      f.depth = depth;
      f.closer = closer;
      f.flag = flag;
      f.backslashQuote = backslashQuote;
      f.arithmeticTest = arithmeticTest;
      f.placeholder = placeholder;
      f.heredoc = heredoc;
      return f;
    }

    /** The state that decides how what follows is read (the word's text only while plain). */
    List<Object> key() {
      return List.of(kind, escaped, dollar, (int) previous, justOpened, empty, functionName,
          commandPosition, inWord,
          wordPlain, wordPlain ? word.toString() : "", subscript, List.copyOf(cases),
          marker == null ? "" : marker.key(), depth, (int) closer, flag, backslashQuote,
          arithmeticTest, Objects.toString(placeholder), Objects.toString(heredoc));
    }
  }

  /** A here-document waiting for its body, or being read. */
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

    Marker copy() {
      Marker m = new Marker();
      m.word.append(word);
      m.first = first;
      m.started = started;
      m.quoted = quoted;
      m.escaped = escaped;
      m.stripTabs = stripTabs;
      m.quote = quote;
      return m;
    }

    List<Object> key() {
      return List.of(word.toString(), first, started, quoted, escaped, stripTabs, (int) quote);
    }
  }

  private final Deque<Frame> frames = new ArrayDeque<>();
  private final Deque<Heredoc> pendingHeredocs = new ArrayDeque<>();
  /** The command list whose line the pending here-documents follow. */
  private Frame pendingIn;
  private boolean inBackquotes;
  private boolean backquotesInDouble;
  private boolean backquoteBackslash;
  /** Once the scanner cannot tell the context any more, no placeholder is safe after it. */
  private String confusion;
  /** The current logical line of a here-document body, continuations joined. */
  private final StringBuilder line = new StringBuilder();
  /** The body's current line was joined to the one before by a continuation. */
  private boolean joinedLine;
  /** The placeholder of a value on the current line of a here-document body. */
  private Slot valueOnLine;
  /** The placeholder whose value is being read, or null for template text. */
  private Slot reading;

  ShellScanner() {
    frames.push(new Frame(Kind.ROOT));
  }

  /** An independent scanner in the same state. */
  ShellScanner copy() {
    ShellScanner s = new ShellScanner();
    s.frames.clear();
    Frame pendingCopy = null;
    // ArrayDeque iterates from the top: add each copy at the bottom to keep the order
    for (Frame f : frames) {
      Frame c = f.copy();
      if (f == pendingIn) {
        pendingCopy = c;
      }
      s.frames.addLast(c);
    }
    s.pendingHeredocs.addAll(pendingHeredocs);
    s.pendingIn = pendingCopy;
    s.inBackquotes = inBackquotes;
    s.backquotesInDouble = backquotesInDouble;
    s.backquoteBackslash = backquoteBackslash;
    s.confusion = confusion;
    s.line.append(line);
    s.joinedLine = joinedLine;
    s.valueOnLine = valueOnLine;
    return s;
  }

  /**
   * Everything that decides how the rest of the line is read, for comparing two scanners: equal
   * keys read the same text the same way.
   */
  Object stateKey() {
    List<Object> key = new ArrayList<>();
    for (Frame f : frames) {
      key.add(f.key());
      key.add(f == pendingIn);
    }
    key.add(List.copyOf(pendingHeredocs));
    key.add(List.of(inBackquotes, backquotesInDouble, backquoteBackslash,
        Objects.toString(confusion), line.toString(), joinedLine, valueOnLine != null));
    return key;
  }

  /** Template text. */
  void literal(CharSequence text) {
    reading = null;
    for (int i = 0; i < text.length(); i++) {
      feed(text.charAt(i));
    }
  }

  /** A quoted value that {@code placeholder} rendered. */
  void value(CharSequence quoted, Slot placeholder) {
    reading = placeholder;
    Frame conditional = nearest(Kind.CONDITIONAL);
    if (conditional != null && conditional.placeholder == null) {
      conditional.placeholder = placeholder;
    }
    for (int i = 0; i < quoted.length(); i++) {
      feed(quoted.charAt(i));
    }
    reading = null;
    // the quoting closed whatever it opened: what comes next is not glued to a '<' or a '$'
    frames.peek().previous = 0;
  }

  /**
   * The end of the script.
   *
   * @throws UnsafePlaceholder when a value completes the last line into a here-document's marker,
   *     or a [[ ]] that bash reads as arithmetic holds a placeholder
   */
  void finish() {
    Frame top = frames.peek();
    if (top.kind == Kind.HEREDOC && ends(top.heredoc) && valueOnLine != null) {
      throw endsHeredoc(top.heredoc);
    }
    for (Frame f : frames) {
      if (f.kind == Kind.CONDITIONAL) {
        checkConditional(f);
      }
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
              "it is inside arithmetic ($((...)), ((...)) or $[...]), where bash evaluates a"
                  + " value's a[$(...)] as code; assign it to a shell variable and check it is a"
                  + " number first");
        }
        case ANSI_C -> {
          return Placement.refused("it is inside $'...'; use '...' or \"...\" instead");
        }
        case DOUBLE -> {
          if (f.flag) {
            return Placement.refused("it is inside $\"...\", which bash translates;"
                + " use \"...\" instead");
          }
        }
        default -> {}
      }
      if (f.kind.readsWords() && f.subscript > 0) {
        return Placement.refused("it is inside an array subscript [...], which bash evaluates"
            + " as arithmetic; assign it to a shell variable and check it first");
      }
    }
    Frame top = frames.peek();
    if (top.escaped) {
      return Placement.refused(AFTER_BACKSLASH);
    }
    if (top.dollar) {
      return Placement.refused("it follows a $; write \\$ for a dollar sign");
    }
    if (top.marker != null) {
      return Placement.refused("it is in the end marker of a here-document");
    }
    Context context =
        switch (top.kind) {
          case ROOT, SUBSHELL, COMMAND_SUB, PROCESS_SUB, BACKQUOTES, CONDITIONAL, ARRAY,
              EXTGLOB -> Context.WORD;
          case SINGLE -> Context.SINGLE_QUOTED;
          case DOUBLE -> Context.DOUBLE_QUOTED;
          case COMMENT -> Context.COMMENT;
          case HEREDOC -> top.heredoc.expanding() ? Context.HEREDOC : Context.LITERAL_HEREDOC;
          default -> throw new IllegalStateException("unexpected " + top.kind);
        };
    Backquotes backquotes = !inBackquotes ? Backquotes.NONE
        : backquotesInDouble ? Backquotes.IN_DOUBLE_QUOTES : Backquotes.PLAIN;
    return new Placement(context, backquotes, null);
  }

  // ---- characters

  private void feed(char c) {
    if (confusion != null) {
      return;
    }
    if (c == '\n' && frames.peek().kind != Kind.HEREDOC && nearest(Kind.HEREDOC) != null) {
      // bash reads a body's lines before its $(...) and `...`, dash reads those first
      confuse("it follows a line break inside a $(...) or `...` of a here-document body,"
          + " which dash and bash read differently");
      return;
    }
    if (reading != null && c == '\t' && strippedHere()) {
      throw unsafe(reading, "a <<- here-document removes the tabs its value starts a line with");
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
    } else if (c == '"' && backquotesInDouble) {
      // bash ends the outer "..." here, dash opens a quote in the command: only \" is alike
      confuse("it follows a \" inside `...` inside \"...\", which dash and bash read"
          + " differently; write \\\" there");
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
      case ROOT, SUBSHELL, COMMAND_SUB, PROCESS_SUB, BACKQUOTES, CONDITIONAL, ARRAY, EXTGLOB ->
          words(f, c);
      case SINGLE -> {
        if (c == '\'') {
          frames.pop();
        }
      }
      case DOUBLE -> doubleQuoted(f, c);
      case ANSI_C -> ansiC(f, c);
      case PARAMETER -> parameter(f, c);
      case ARITHMETIC -> arithmetic(f, c);
      case COMMENT -> {
        if (c == '\n') {
          frames.pop();
          read(c);
        }
      }
      case HEREDOC -> heredoc(f, c);
    }
  }

  /** Words and operators: command lists, [[ ]], compound assignments, extended globs. */
  private void words(Frame f, char c) {
    if (f.escaped) {
      f.escaped = false;
      if (c == '\n') {
        // a line continuation: as if neither character had been there
        return;
      }
      f.dollar = false;
      f.justOpened = false;
      f.previous = 0;
      f.empty = false;
      wordChar(f, c, false);
      return;
    }
    if (f.marker != null && readMarker(f, c)) {
      return;
    }
    if (c == '\\') {
      // the pending $, ( or operator character may still combine across a continuation
      f.escaped = true;
      return;
    }
    if (c != ' ' && c != '\t') {
      f.empty = false;
    }
    if (f.kind == Kind.CONDITIONAL && f.inWord && f.wordPlain && f.word.toString().equals("]]")
        && "\n;&|<>() \t".indexOf(c) >= 0) {
      endWord(f);
      read(c);
      return;
    }
    if (f.justOpened) {
      f.justOpened = false;
      if (c == '(' && (f.kind == Kind.COMMAND_SUB || f.kind == Kind.SUBSHELL)) {
        frames.pop();
        Frame arithmetic = new Frame(Kind.ARITHMETIC);
        arithmetic.depth = 2;
        arithmetic.closer = ')';
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
    char previous = f.previous;
    f.previous = 0;
    switch (c) {
      case '\'' -> {
        startWord(f);
        f.wordPlain = false;
        frames.push(new Frame(Kind.SINGLE));
      }
      case '"' -> {
        startWord(f);
        f.wordPlain = false;
        frames.push(new Frame(Kind.DOUBLE));
      }
      case '`' -> {
        startWord(f);
        f.wordPlain = false;
        openBackquotes(false);
      }
      case '$' -> {
        startWord(f);
        f.wordPlain = false;
        f.dollar = true;
      }
      case '#' -> {
        if (f.inWord || f.kind == Kind.EXTGLOB) {
          wordChar(f, c, true);
        } else if (f.kind == Kind.CONDITIONAL) {
          confuse("it follows a comment inside [[ ]]");
        } else {
          frames.push(new Frame(Kind.COMMENT));
        }
      }
      case ' ', '\t' -> {
        if (f.kind == Kind.EXTGLOB) {
          confuse("it follows a blank inside an extended glob @(...)");
          return;
        }
        endWord(f);
      }
      case '\n' -> newline(f);
      case ';' -> {
        if (f.kind != Kind.ROOT && !f.kind.isCommandList()) {
          confuse("it follows a ';' inside " + describe(f.kind));
          return;
        }
        endWord(f);
        if (previous == ';') {
          endCasePattern(f, ";;");
        } else {
          f.previous = ';';
          f.commandPosition = true;
        }
      }
      case '&' -> {
        if (f.kind == Kind.ARRAY || f.kind == Kind.EXTGLOB) {
          confuse("it follows a '&' inside " + describe(f.kind));
          return;
        }
        endWord(f);
        if (previous == ';') {
          endCasePattern(f, ";&");
        } else if (previous == '<' || previous == '>') {
          // <& and >&: a redirection, whose word is not a command
          f.commandPosition = false;
        } else {
          f.commandPosition = true;
          f.previous = previous == '&' ? 0 : '&';
        }
      }
      case '|' -> {
        if (f.kind == Kind.ARRAY) {
          confuse("it follows a '|' inside " + describe(f.kind));
          return;
        }
        if (f.kind == Kind.EXTGLOB) {
          f.inWord = false;
          return;
        }
        endWord(f);
        f.commandPosition = true;
        f.previous = '|';
      }
      case '<' -> {
        if (f.kind == Kind.ARRAY || f.kind == Kind.EXTGLOB) {
          confuse("it follows a '<' inside " + describe(f.kind));
          return;
        }
        endWord(f);
        f.commandPosition = false;
        if (previous == '<') {
          if (f.kind == Kind.CONDITIONAL) {
            confuse("it follows << inside [[ ]], which dash reads as a here-document");
          } else if (inBackquotes) {
            confuse("a here-document inside `...` is not supported; use $(...)");
          } else {
            f.marker = new Marker();
          }
        } else {
          f.previous = '<';
        }
      }
      case '>' -> {
        if (f.kind == Kind.ARRAY || f.kind == Kind.EXTGLOB) {
          confuse("it follows a '>' inside " + describe(f.kind));
          return;
        }
        endWord(f);
        f.commandPosition = false;
        f.previous = '>';
      }
      case '(' -> openParenthesis(f, previous);
      case ')' -> closeParenthesis(f);
      case '[' -> {
        boolean subscript =
            f.subscript > 0
                || (f.inWord && f.wordPlain && isName(f.word))
                || (f.kind == Kind.ARRAY && !f.inWord);
        wordChar(f, c, true);
        if (subscript) {
          f.subscript++;
        }
      }
      case ']' -> {
        wordChar(f, c, true);
        if (f.subscript > 0) {
          f.subscript--;
        }
      }
      default -> wordChar(f, c, true);
    }
  }

  private void startWord(Frame f) {
    if (!f.inWord) {
      f.inWord = true;
      f.wordPlain = true;
      f.word.setLength(0);
    }
  }

  private void wordChar(Frame f, char c, boolean plain) {
    startWord(f);
    if (plain && f.wordPlain) {
      f.word.append(c);
    } else {
      f.wordPlain = false;
    }
  }

  /** The end of a word in a word frame: reserved words, case states, [[ ]]. */
  private void endWord(Frame f) {
    if (!f.inWord) {
      return;
    }
    f.inWord = false;
    f.subscript = 0;
    String word = f.wordPlain ? f.word.toString() : null;
    f.word.setLength(0);
    if (f.kind == Kind.CONDITIONAL) {
      if ("]]".equals(word)) {
        checkConditional(f);
        frames.pop();
        Frame outer = frames.peek();
        outer.commandPosition = false;
      } else if (word != null && ARITHMETIC_TESTS.contains(word)) {
        f.arithmeticTest = true;
      }
      return;
    }
    if (!f.kind.isCommandList()) {
      return;
    }
    CaseState state = f.cases.peek();
    if (state != null && state != CaseState.BODY) {
      switch (state) {
        case SUBJECT -> replaceCase(f, CaseState.IN);
        case IN -> {
          if ("in".equals(word)) {
            replaceCase(f, CaseState.PATTERN_START);
          } else {
            confuse("it follows a case without \"in\"");
          }
        }
        case PATTERN_START -> {
          if ("esac".equals(word)) {
            f.cases.pop();
            f.commandPosition = false;
          } else {
            replaceCase(f, CaseState.PATTERN);
          }
        }
        default -> {}
      }
      return;
    }
    if (f.functionName) {
      // function NAME: the body, a compound command, follows
      f.functionName = false;
      f.commandPosition = true;
      return;
    }
    if (!f.commandPosition) {
      return;
    }
    if (word == null) {
      f.commandPosition = false;
      return;
    }
    switch (word) {
      case "case" -> {
        f.cases.push(CaseState.SUBJECT);
        f.commandPosition = false;
      }
      case "esac" -> {
        if (state == CaseState.BODY) {
          f.cases.pop();
          f.commandPosition = false;
        } else {
          confuse("it follows an esac without case");
        }
      }
      case "[[" -> {
        f.commandPosition = false;
        frames.push(new Frame(Kind.CONDITIONAL));
      }
      case "function" -> {
        f.commandPosition = false;
        f.functionName = true;
      }
      default -> f.commandPosition = KEEP_COMMAND_POSITION.contains(word);
    }
  }

  private void replaceCase(Frame f, CaseState state) {
    f.cases.pop();
    f.cases.push(state);
  }

  /** ;; ;& (and ;;&): the end of a case pattern's commands. */
  private void endCasePattern(Frame f, String operator) {
    if (f.cases.peek() == CaseState.BODY) {
      replaceCase(f, CaseState.PATTERN_START);
    } else if (!(operator.equals(";&") && f.cases.peek() == CaseState.PATTERN_START)) {
      // ;;& reads as ;; then &: the & is part of the operator; anything else is not a case
      confuse("it follows " + operator + " outside a case");
    }
  }

  private void newline(Frame f) {
    if (f.kind == Kind.CONDITIONAL || f.kind == Kind.EXTGLOB) {
      confuse("it follows a line break inside " + describe(f.kind));
      return;
    }
    endWord(f);
    f.previous = 0;
    f.commandPosition = true;
    if (f.marker != null) {
      endMarker(f);
    }
    CaseState state = f.cases.peek();
    if (state == CaseState.SUBJECT || state == CaseState.PATTERN) {
      confuse("it follows a line break inside a case pattern");
      return;
    }
    if (!pendingHeredocs.isEmpty()) {
      if (f != pendingIn) {
        confuse("a here-document's body starts inside another construct than its command");
        return;
      }
      startHeredoc();
    }
  }

  private void openParenthesis(Frame f, char previous) {
    if (f.kind == Kind.CONDITIONAL || f.kind == Kind.EXTGLOB) {
      if (f.inWord && f.wordPlain && isExtglobPrefix(f.word)) {
        wordChar(f, '(', true);
        frames.push(new Frame(Kind.EXTGLOB));
        return;
      }
      if (f.kind == Kind.CONDITIONAL && f.inWord) {
        confuse("it follows a '(' inside a word of [[ ]]");
        return;
      }
      f.depth++;
      f.inWord = false;
      return;
    }
    if (f.kind == Kind.ARRAY) {
      confuse("it follows a '(' inside a compound assignment");
      return;
    }
    if (previous == '<' || previous == '>') {
      startWord(f);
      f.wordPlain = false;
      frames.push(new Frame(Kind.PROCESS_SUB));
      return;
    }
    if (f.inWord) {
      String word = f.wordPlain ? f.word.toString() : "";
      if (word.matches("[A-Za-z_][A-Za-z0-9_]*\\+?=")) {
        if (inBackquotes || nearest(Kind.COMMAND_SUB) != null
            || nearest(Kind.PROCESS_SUB) != null) {
          // bash 5.2 misreads escapes and comments of name=( ) inside $( ), `...` and <( )
          confuse("it follows a compound assignment name=(...) inside a command substitution,"
              + " which bash misreads");
          return;
        }
        f.wordPlain = false;
        frames.push(new Frame(Kind.ARRAY));
        return;
      }
      if (isExtglobPrefix(f.word) && f.wordPlain) {
        f.wordPlain = false;
        frames.push(new Frame(Kind.EXTGLOB));
        return;
      }
      // a function definition, name(): the parentheses hold nothing
      endWord(f);
      Frame parentheses = new Frame(Kind.SUBSHELL);
      frames.push(parentheses);
      return;
    }
    CaseState state = f.cases.peek();
    if (state == CaseState.PATTERN_START) {
      // the optional ( before a pattern list
      replaceCase(f, CaseState.PATTERN);
      return;
    }
    if (state == CaseState.PATTERN) {
      confuse("it follows a '(' inside a case pattern");
      return;
    }
    Frame subshell = new Frame(Kind.SUBSHELL);
    subshell.justOpened = true;
    frames.push(subshell);
  }

  private void closeParenthesis(Frame f) {
    if (f.kind == Kind.CONDITIONAL || f.kind == Kind.EXTGLOB) {
      endWordInPlace(f);
      if (f.depth > 0) {
        f.depth--;
        return;
      }
      if (f.kind == Kind.EXTGLOB) {
        frames.pop();
        Frame outer = frames.peek();
        outer.inWord = true;
        outer.wordPlain = false;
        return;
      }
      confuse("it follows an unbalanced ')' inside [[ ]]");
      return;
    }
    endWord(f);
    if (f.kind == Kind.ARRAY) {
      frames.pop();
      Frame outer = frames.peek();
      outer.inWord = true;
      outer.wordPlain = false;
      return;
    }
    CaseState state = f.cases.peek();
    if (state == CaseState.PATTERN) {
      replaceCase(f, CaseState.BODY);
      f.commandPosition = true;
      return;
    }
    if (state != null && state != CaseState.BODY) {
      confuse("it follows a ')' where a case expects a pattern or \"in\"");
      return;
    }
    switch (f.kind) {
      case SUBSHELL -> {
        if (!f.cases.isEmpty() || f.marker != null) {
          confuse("it follows a ')' inside an unfinished case");
          return;
        }
        if (!pendingHeredocs.isEmpty() && pendingIn == f) {
          confuse("it follows a (...) closed before its here-document's body");
          return;
        }
        frames.pop();
        Frame outer = frames.peek();
        // name() is followed by the function's body, a compound command such as { } or case
        outer.commandPosition = f.empty;
        outer.inWord = false;
      }
      case COMMAND_SUB, PROCESS_SUB -> {
        if (!f.cases.isEmpty()) {
          confuse("it follows a ')' inside an unfinished case");
          return;
        }
        if (!pendingHeredocs.isEmpty() && pendingIn == f) {
          confuse("it follows a $(...) closed before its here-document's body");
          return;
        }
        frames.pop();
        Frame outer = frames.peek();
        if (outer.kind.readsWords()) {
          outer.inWord = true;
          outer.wordPlain = false;
        }
      }
      default -> confuse("it follows an unbalanced ')'");
    }
  }

  /** A word of [[ ]] or an extended glob ends at ( or ): check it without leaving the frame. */
  private void endWordInPlace(Frame f) {
    if (f.kind == Kind.CONDITIONAL) {
      if (f.inWord && f.wordPlain && ARITHMETIC_TESTS.contains(f.word.toString())) {
        f.arithmeticTest = true;
      }
      f.inWord = false;
      f.word.setLength(0);
    }
  }

  private static boolean isExtglobPrefix(CharSequence word) {
    if (word.length() == 0) {
      return false;
    }
    char last = word.charAt(word.length() - 1);
    return last == '@' || last == '!' || last == '+' || last == '*' || last == '?';
  }

  private static boolean isName(CharSequence word) {
    if (word.length() == 0 || !(Character.isLetter(word.charAt(0)) || word.charAt(0) == '_')) {
      return false;
    }
    for (int i = 1; i < word.length(); i++) {
      char c = word.charAt(i);
      if (!(Character.isLetterOrDigit(c) || c == '_')) {
        return false;
      }
    }
    return word.chars().allMatch(ch -> ch < 128);
  }

  private static String describe(Kind kind) {
    return switch (kind) {
      case CONDITIONAL -> "[[ ]]";
      case ARRAY -> "a compound assignment name=(...)";
      case EXTGLOB -> "an extended glob @(...)";
      default -> kind.name().toLowerCase();
    };
  }

  // ---- here-documents

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
        f.previous = 0;
        return true;
      }
    }
    if (m.escaped) {
      m.escaped = false;
      if (c != '\n') {
        // a continuation leaves the marker as it was; any other escaped character quotes it
        m.word.append(c);
        m.quoted = m.started = true;
      }
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
        m.escaped = true;
        return true;
      }
      case '\'', '"' -> {
        m.quote = c;
        m.quoted = m.started = true;
        return true;
      }
      case '$', '`' -> {
        confuse("it follows a here-document whose end marker holds " + c);
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
    if (!m.started || m.word.isEmpty()) {
      confuse("it follows a here-document without an end marker");
      return;
    }
    if (!pendingHeredocs.isEmpty() && pendingIn != f) {
      confuse("it follows here-documents opened in different constructs of one line");
      return;
    }
    pendingIn = f;
    pendingHeredocs.add(new Heredoc(m.word.toString(), !m.quoted, m.stripTabs));
  }

  private void startHeredoc() {
    Frame body = new Frame(Kind.HEREDOC);
    body.heredoc = pendingHeredocs.poll();
    if (pendingHeredocs.isEmpty()) {
      pendingIn = null;
    }
    line.setLength(0);
    joinedLine = false;
    valueOnLine = null;
    frames.push(body);
  }

  private void heredoc(Frame f, char c) {
    if (c == '\n') {
      if (f.escaped) {
        // a continuation joins the next line to this one, also for the end marker
        f.escaped = false;
        if (f.heredoc.stripTabs()) {
          confuse("it follows a line continuation in a <<- here-document");
          return;
        }
        line.setLength(line.length() - 1);
        joinedLine = true;
        return;
      }
      f.dollar = false;
      if (ends(f.heredoc)) {
        if (joinedLine) {
          confuse("it follows a here-document line that a continuation joins into its end"
              + " marker, which dash and bash read differently");
          return;
        }
        if (valueOnLine != null) {
          throw endsHeredoc(f.heredoc);
        }
        frames.pop();
        if (!pendingHeredocs.isEmpty()) {
          startHeredoc();
        }
      } else {
        if (valueOnLine != null && startsLikeEnd(f.heredoc)) {
          throw unsafe(valueOnLine, "its value makes a line of a here-document inside $(...)"
              + " start with its end marker \"" + f.heredoc.marker() + "\", which bash 5.2"
              + " reads as the end when $( follows on that line");
        }
        line.setLength(0);
        joinedLine = false;
        valueOnLine = null;
      }
      return;
    }
    line.append(c);
    if (reading != null) {
      valueOnLine = reading;
    }
    if (!f.heredoc.expanding() || escaped(f, c)) {
      return;
    }
    if (f.dollar) {
      f.dollar = false;
      if (opensAfterDollar(c, false)) {
        return;
      }
    }
    switch (c) {
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
    return bodyLine(heredoc).equals(heredoc.marker());
  }

  /** The current body line as the shell compares it with the marker: <<- drops leading tabs. */
  private String bodyLine(Heredoc heredoc) {
    String text = line.toString();
    return heredoc.stripTabs() ? text.replaceFirst("^\t+", "") : text;
  }

  /**
   * Whether this body line starts with the end marker inside a command or process
   * substitution. bash 5.2 re-reads such a $(...) and, when a later $( is on that line, ends the
   * here-document there: the rest of the body runs as commands.
   */
  private boolean startsLikeEnd(Heredoc heredoc) {
    if (nearest(Kind.COMMAND_SUB) == null && nearest(Kind.PROCESS_SUB) == null) {
      return false;
    }
    return bodyLine(heredoc).startsWith(heredoc.marker());
  }

  private UnsafePlaceholder endsHeredoc(Heredoc heredoc) {
    return unsafe(valueOnLine, "its value makes the line \"" + heredoc.marker()
        + "\", which ends the here-document early");
  }

  // ---- quotes and expansions

  /**
   * A backslash and what follows in "...", ${...} or a here-document: true when {@code c} is
   * used up, escaped or joined away with the backslash before it. A pending $ survives a line
   * continuation, as the shells remove those first.
   */
  private static boolean escaped(Frame f, char c) {
    if (f.escaped) {
      f.escaped = false;
      if (c != '\n') {
        f.dollar = false;
      }
      return true;
    }
    if (c == '\\') {
      f.escaped = true;
      return true;
    }
    return false;
  }

  private void doubleQuoted(Frame f, char c) {
    if (escaped(f, c)) {
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
    if (escaped(f, c)) {
      return;
    }
    if (f.dollar) {
      f.dollar = false;
      if (c == '\'' || c == '"') {
        confuse("it follows ${...} holding $" + c + ", which dash and bash read differently");
        return;
      }
      if (opensAfterDollar(c, false)) {
        return;
      }
    }
    switch (c) {
      case '\\' -> f.escaped = true;
      case '\'' -> {
        if (f.flag) {
          confuse("it follows ${...} holding ' inside \"...\", which dash and bash read"
              + " differently");
        } else {
          frames.push(new Frame(Kind.SINGLE));
        }
      }
      case '"' -> frames.push(new Frame(Kind.DOUBLE));
      case '$' -> f.dollar = true;
      case '`' -> openBackquotes(inDoubleQuotes());
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
    char open = f.closer == ']' ? '[' : '(';
    if (c == open) {
      f.depth++;
    } else if (c == f.closer) {
      if (--f.depth == 0) {
        frames.pop();
        Frame outer = frames.peek();
        if (outer.kind.readsWords()) {
          outer.inWord = true;
          outer.wordPlain = false;
          outer.commandPosition = false;
        }
      }
    } else {
      switch (c) {
        case '$' -> f.dollar = true;
        case '`' -> openBackquotes(false);
        case '\'', '"', '\\', '#' ->
            confuse("it follows arithmetic holding " + c + ", which dash and bash read"
                + " differently");
        default -> {}
      }
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
        confuse("it follows $'...' holding \\', which dash and bash read differently");
      }
    }
  }

  /**
   * After a $: ( starts $( or $((, { starts ${, [ starts bash's $[; outside double quotes ' and "
   * start bash's $'...' and $"...".
   */
  private boolean opensAfterDollar(char c, boolean unquoted) {
    switch (c) {
      case '(' -> {
        Frame substitution = new Frame(Kind.COMMAND_SUB);
        substitution.justOpened = true;
        frames.push(substitution);
        return true;
      }
      case '{' -> {
        Frame parameter = new Frame(Kind.PARAMETER);
        parameter.flag = inDoubleQuotes();
        frames.push(parameter);
        return true;
      }
      case '[' -> {
        Frame arithmetic = new Frame(Kind.ARITHMETIC);
        arithmetic.depth = 1;
        arithmetic.closer = ']';
        frames.push(arithmetic);
        return true;
      }
      case '\'' -> {
        if (unquoted) {
          frames.push(new Frame(Kind.ANSI_C));
          return true;
        }
        return false;
      }
      case '"' -> {
        if (unquoted) {
          Frame locale = new Frame(Kind.DOUBLE);
          locale.flag = true;
          frames.push(locale);
          return true;
        }
        return false;
      }
      default -> {
        return false;
      }
    }
  }

  /** Whether the innermost quoting around this point is "..." or a here-document body. */
  private boolean inDoubleQuotes() {
    for (Frame f : frames) {
      if (f.kind == Kind.DOUBLE || f.kind == Kind.HEREDOC) {
        return true;
      }
      if (f.kind != Kind.PARAMETER) {
        return false;
      }
    }
    return false;
  }

  private void openBackquotes(boolean inDouble) {
    if (inBackquotes) {
      confuse("it follows backquotes nested in backquotes; use $(...) instead");
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
      boolean unfinished =
          (popped.kind != Kind.BACKQUOTES && popped.kind != Kind.COMMENT)
              || !popped.cases.isEmpty()
              || popped.marker != null
              || popped.escaped
              || popped.dollar;
      if (unfinished) {
        confuse("it follows `...` holding a quote, substitution or case it does not close");
        return;
      }
    } while (popped.kind != Kind.BACKQUOTES);
    Frame outer = frames.peek();
    if (outer.kind.readsWords()) {
      outer.inWord = true;
      outer.wordPlain = false;
    }
  }

  private Frame nearest(Kind kind) {
    Iterator<Frame> it = frames.iterator();
    while (it.hasNext()) {
      Frame f = it.next();
      if (f.kind == kind) {
        return f;
      }
    }
    return null;
  }

  private void checkConditional(Frame f) {
    if (f.arithmeticTest && f.placeholder != null) {
      throw unsafe(f.placeholder,
          "it is inside a [[ ]] with -eq, -ne, -lt, -le, -gt, -ge, -v or -R, whose operands"
              + " bash evaluates as arithmetic, which runs a value's a[$(...)]; compare numbers"
              + " with [ ... ] instead");
    }
  }

  private static UnsafePlaceholder unsafe(Slot slot, String why) {
    return new UnsafePlaceholder(slot.source(), why, slot.offset());
  }

  private void confuse(String why) {
    if (reading != null) {
      // the value itself would be read differently: no later placeholder, but this one, is at fault
      throw unsafe(reading, "with its value the line is no longer one the"
          + " shells read alike (" + why + ")");
    }
    if (confusion == null) {
      confusion = why;
    }
  }
}
