package dev.drover.pipeline.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThatNoException;

import dev.drover.pipeline.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Values are quoted for the shell context their placeholder lands in, and {@code /bin/sh} reads
 * them back as exactly their text: every context against values built to break out of it.
 */
class ShellQuotingTest {

  private static final UUID JOB = UUID.fromString("6f1c1f2e-0000-4000-8000-000000000001");

  /** Values that break out of one quoting context or another if pasted as they are. */
  private static final List<String> HOSTILE =
      List.of(
          "",
          "plain",
          "two words",
          "  spaces  around  ",
          "it's",
          "'",
          "''",
          "a\"b",
          "\"",
          "$HOME",
          "${HOME}",
          "$(touch pwned)",
          "`touch pwned`",
          "back\\slash",
          "trailing\\",
          "\\",
          "\\\\'\\\"",
          "line1\nline2",
          "ends with a newline\n",
          "a\r\nb",
          "tab\there",
          "'; touch pwned; '",
          "\"; touch pwned; \"",
          "x; touch pwned",
          "x && touch pwned",
          "x | touch pwned",
          "*",
          "~",
          "-n",
          "#hash",
          "!bang",
          "a)b(c",
          "}{",
          "ünïcödé €",
          "$'\\''",
          "\\`$\"'");

  /**
   * A script around one placeholder, and what {@code printf '%s|'} prints for a value: {@code
   * before + value + after}. One "|" per argument shows the value stayed one word.
   */
  record Context(String name, String template, String before, String after) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static final List<Context> CONTEXTS =
      List.of(
          new Context("bare word", "printf '%s|' {{ .v }}", "", "|"),
          new Context("glued to a word", "printf '%s|' pre{{ .v }}post", "pre", "post|"),
          new Context("double quotes", "printf '%s|' \"<{{ .v }}>\"", "<", ">|"),
          new Context("single quotes", "printf '%s|' '<{{ .v }}>'", "<", ">|"),
          new Context("unspaced", "printf '%s|' \"<{{.v}}>\"", "<", ">|"),
          new Context("assignment", "x={{ .v }}; printf '%s|' \"$x\"", "", "|"),
          new Context(
              "$( ) in double quotes", "printf '%s|' \"$(printf '%s.' {{ .v }})\"", "", ".|"),
          new Context(
              "double quotes in $( )", "printf '%s|' \"$(printf '%s.' \"{{ .v }}\")\"", "", ".|"),
          new Context("backquotes", "x=`printf '%s.' {{ .v }}`; printf '%s|' \"$x\"", "", ".|"),
          new Context(
              "backquotes in double quotes", "printf '%s|' \"`printf '%s.' {{ .v }}`\"", "", ".|"),
          new Context(
              "double quotes in backquotes",
              "x=`printf '%s.' \"{{ .v }}\"`; printf '%s|' \"$x\"", "", ".|"),
          new Context(
              "double quotes in backquotes in double quotes",
              "printf '%s|' \"`printf '%s.' \\\"{{ .v }}\\\"`\"", "", ".|"),
          new Context(
              "single quotes in backquotes",
              "x=`printf '%s.' '{{ .v }}'`; printf '%s|' \"$x\"", "", ".|"),
          new Context("here-document", "cat <<EOF\n<{{ .v }}>\nEOF\nprintf '|'", "<", ">\n|"),
          new Context(
              "here-document, quoted marker",
              "cat <<'EOF'\n<{{ .v }}>\nEOF\nprintf '|'", "<", ">\n|"),
          new Context(
              "here-document, tabs stripped", "cat <<-EOF\n\t<{{ .v }}>\n\tEOF\nprintf '|'", "<",
              ">\n|"));

  static Stream<Arguments> contextsAndValues() {
    return CONTEXTS.stream().flatMap(c -> HOSTILE.stream().map(v -> Arguments.of(c, v)));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("contextsAndValues")
  void theShellReadsTheValueBackAsExactlyItsText(Context context, String value, @TempDir Path dir) {
    // given a script line with a placeholder in this context, and a hostile value
    String script = render(context.template(), value);

    // when /bin/sh runs the rendered line
    Sh.Result result = Sh.run(script, dir);

    // then it printed the value exactly, as one argument, and ran nothing the value held
    assertThat(result.stderr()).as("stderr of %s", script).isEmpty();
    assertThat(result.stdout()).as("output of %s", script)
        .isEqualTo(context.before() + value + context.after());
    assertThat(dir.resolve("pwned")).as("file created by %s", script).doesNotExist();
  }

  static Stream<Arguments> contextsAndRandomValues() {
    // a fixed seed: a failure names its value and reproduces
    Random random = new Random(20_26);
    String alphabet = "'\"\\$`(){}[];|&<>*?~#!= \t\n\raZ0-EOF";
    return CONTEXTS.stream()
        .flatMap(
            c ->
                Stream.generate(
                        () -> {
                          StringBuilder value = new StringBuilder();
                          int length = random.nextInt(12);
                          for (int i = 0; i < length; i++) {
                            value.append(alphabet.charAt(random.nextInt(alphabet.length())));
                          }
                          return Arguments.of(c, value.toString());
                        })
                    .limit(25));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("contextsAndRandomValues")
  void randomShellSyntaxIsReadBackAsExactlyItsText(
      Context context, String value, @TempDir Path dir) {
    // given a random mix of shell syntax as the value
    String script;
    try {
      script = render(context.template(), value);
    } catch (UnsafePlaceholder refused) {
      // only here-documents refuse a value: a line equal to the marker, or a stripped tab
      assertThat(context.name()).startsWith("here-document");
      return;
    }

    // when /bin/sh runs the rendered line
    Sh.Result result = Sh.run(script, dir);

    // then the value came back as it was
    assertThat(result.stdout()).as("output of %s", script)
        .isEqualTo(context.before() + value + context.after());
    assertThat(result.stderr()).as("stderr of %s", script).isEmpty();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("hostileValues")
  void aValueInACommentStaysInTheComment(String value, @TempDir Path dir) {
    // given a placeholder in a comment, followed by another command on the next line
    String script = render("printf '%s|' ok # {{ .v }}\nprintf '%s|' done", value);

    // when it runs
    Sh.Result result = Sh.run(script, dir);

    // then the comment hid the value (its newlines did not end it) and the next line ran
    assertThat(result.stdout()).isEqualTo("ok|done|");
    assertThat(result.stderr()).isEmpty();
    assertThat(dir.resolve("pwned")).doesNotExist();
  }

  static Stream<String> hostileValues() {
    return HOSTILE.stream();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      textBlock =
          """
          bare word            | echo {{ .v }}     | x; touch f | echo 'x; touch f'
          quote in a bare word | echo {{ .v }}     | it's       | echo 'it'\\''s'
          double quotes        | echo "{{ .v }}"   | a"b$c`d\\e | echo "a\\"b\\$c\\`d\\\\e"
          single quotes        | echo '{{ .v }}'   | it's       | echo 'it'\\''s'
          empty bare word      | echo {{ .v }} end |            | echo '' end
          """)
  void eachContextHasItsOwnQuoting(String name, String template, String value, String expected) {
    // CsvSource reads an empty column as null
    String v = value == null ? "" : value;

    assertThat(render(template, v)).isEqualTo(expected);
  }

  @Test
  void inBackquotesTheBackslashesAreDoubledOnceMore(@TempDir Path dir) {
    // given a value in double quotes inside backquotes
    String rendered = render("x=`printf '%s' \"{{ .v }}\"`; printf '%s' \"$x\"", "a\"$b");

    // then the double-quote escapes are escaped again for the backquotes: a\"\$b becomes
    // a\\"\\\$b, which the backquotes turn back into a\"\$b for the inner command
    assertThat(rendered).isEqualTo("x=`printf '%s' \"a\\\\\"\\\\\\$b\"`; printf '%s' \"$x\"");
    assertThat(Sh.run(rendered, dir).stdout()).isEqualTo("a\"$b");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          echo ${X:-{{ .v }}}           | inside ${...}
          echo "${X:-{{ .v }}}"         | inside ${...}
          echo $(( {{ .v }} + 1 ))      | inside arithmetic
          echo $'{{ .v }}'              | inside $'...'
          echo \\{{ .v }}               | follows a backslash
          echo "\\{{ .v }}"             | follows a backslash
          echo ${{ .v }}                | follows a $
          echo "${{ .v }}"              | follows a $
          cat <<{{ .v }}                | end marker of a here-document
          cat << {{ .v }}               | end marker of a here-document
          echo `echo \\`echo {{ .v }}\\`` | nested in backquotes
          echo $'a\\'b' {{ .v }}        | dash and bash read differently
          """)
  void aPlaceholderWhereNoQuotingWorksIsRefused(String template, String reason) {
    // given a placeholder where no quoting makes its value plain data
    ScriptTemplate line = ScriptTemplate.parse(template);

    // then rendering it quoted fails, and so does the check made when the pipeline is loaded
    assertThatThrownBy(() -> line.render(Map.of("v", "1"), JOB, true))
        .isInstanceOf(UnsafePlaceholder.class)
        .hasMessageStartingWith("cannot quote {{ .v }} for the shell: ")
        .hasMessageContaining(reason);
    assertThatThrownBy(line::checkQuotable).isInstanceOf(UnsafePlaceholder.class);

    // but without quoting it is pasted, as prunner does
    assertThatNoException().isThrownBy(() -> line.render(Map.of("v", "1"), JOB, false));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          echo ${X:-a} {{ .v }}
          echo $((1 + 2)) {{ .v }}
          echo "$(echo "$(echo {{ .v }})")"
          echo \\$ {{ .v }} \\\\{{ .v }}
          echo "\\\\{{ .v }}" "$"{{ .v }}
          echo $'a' {{ .v }}
          cat <<EOF; echo {{ .v }}
          echo a#b {{ .v }} # {{ .v }}
          """)
  void aPlaceholderAfterAClosedConstructIsQuotable(String template) {
    assertThatNoException().isThrownBy(() -> ScriptTemplate.parse(template).checkQuotable());
  }

  @Test
  void aValueThatWouldEndAHereDocumentEarlyIsRefused(@TempDir Path dir) {
    // given a here-document whose body holds a placeholder on a line of its own
    ScriptTemplate line = ScriptTemplate.parse("cat <<EOF\n{{ .v }}\nEOF");

    // when the value is the end marker followed by a command
    // then rendering refuses it: the shell would end the document there and run the command
    assertThatThrownBy(() -> line.render(Map.of("v", "EOF\ntouch pwned"), JOB, true))
        .isInstanceOf(UnsafePlaceholder.class)
        .hasMessageContaining("ends the here-document early");
    assertThatThrownBy(() -> line.render(Map.of("v", "EOF"), JOB, true))
        .isInstanceOf(UnsafePlaceholder.class);

    // and a value that only holds the marker inside a longer line is fine
    String rendered = line.render(Map.of("v", "EOF is the marker"), JOB, true);
    assertThat(Sh.run(rendered, dir).stdout()).isEqualTo("EOF is the marker\n");
  }

  @Test
  void aValueStartingAHereDocumentLineInsideACommandSubstitutionWithItsMarkerIsRefused(
      @TempDir Path dir) {
    // given a quoted here-document inside $(...), whose body line ends in a $(...) of the template
    ScriptTemplate line =
        ScriptTemplate.parse("printf '%s' \"$(cat <<'EOF'\n{{ .v }} $(y)\nEOF\n)\"");

    // when the value starts that line with the end marker, bash 5.2 ends the document there and
    // runs the rest of the body as commands; the value is refused
    assertThatThrownBy(() -> line.render(Map.of("v", "EOFz; touch pwned"), JOB, true))
        .isInstanceOf(UnsafePlaceholder.class)
        .hasMessageContaining("start with its end marker");

    // and a value with the marker elsewhere in the line is data in every shell
    String rendered = line.render(Map.of("v", "the EOF"), JOB, true);
    assertThat(Sh.run(rendered, dir).stdout()).isEqualTo("the EOF $(y)");
  }

  @Test
  void aValueWhoseTabsATabStrippingHereDocumentWouldRemoveIsRefused(@TempDir Path dir) {
    // given a <<- here-document, which removes the tabs each of its lines starts with
    ScriptTemplate line = ScriptTemplate.parse("cat <<-EOF\n\t{{ .v }}\n\tEOF");

    // then a value starting a line with a tab is refused rather than printed without it
    assertThatThrownBy(() -> line.render(Map.of("v", "\tindented"), JOB, true))
        .isInstanceOf(UnsafePlaceholder.class)
        .hasMessageContaining("removes the tabs");
    assertThatThrownBy(() -> line.render(Map.of("v", "a\n\tb"), JOB, true))
        .isInstanceOf(UnsafePlaceholder.class);

    // while a tab inside a line stays
    String rendered = line.render(Map.of("v", "a\tb"), JOB, true);
    assertThat(Sh.run(rendered, dir).stdout()).isEqualTo("a\tb\n");
  }

  @Test
  void aValueWithANulCharacterIsRefused() {
    assertThatThrownBy(() -> render("echo {{ .v }}", "a\0b"))
        .isInstanceOf(UnsafePlaceholder.class)
        .hasMessageContaining("NUL");
  }

  @Test
  void aMultiLineScriptKeepsTrackOfItsQuotesAcrossLines(@TempDir Path dir) throws Exception {
    // given a multi-line script entry whose second line is inside a double-quoted string
    String template = "printf '%s|' \"first\n{{ .v }}\" {{ .v }}";

    // when it runs with a hostile value
    Sh.Result result = Sh.run(render(template, "$(touch pwned) 'x"), dir);

    // then both placements printed the text
    assertThat(result.stdout()).isEqualTo("first\n$(touch pwned) 'x|$(touch pwned) 'x|");
    assertThat(Files.exists(dir.resolve("pwned"))).isFalse();
  }

  private static String render(String template, String value) {
    return ScriptTemplate.parse(template).render(Map.of("v", value), JOB, true);
  }
}
