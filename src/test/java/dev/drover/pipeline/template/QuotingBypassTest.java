package dev.drover.pipeline.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.pipeline.template.ShellDriver.Shell;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The values that still ran code under the first quoting (issue 11), each as it was found, run
 * by dash, {@code bash --posix} and bash: now printed as text, and nothing else runs.
 */
class QuotingBypassTest {

  private static final UUID JOB = UUID.fromString("a7d2c1e0-3b4f-4a5e-9c6d-7e8f9a0b1c2d");
  private static final List<Shell> SHELLS = List.of(Shell.DASH, Shell.BASH_POSIX, Shell.BASH);

  private static ShellDriver shells;

  @BeforeAll
  static void startShells() {
    shells = new ShellDriver();
  }

  @AfterAll
  static void stopShells() {
    shells.close();
  }

  @Test
  void aCaseInsideACommandSubstitutionInsideDoubleQuotes() {
    // given the issue's line: the ) of "prod)" once closed the $( for the scanner, so the second
    // {{ .env }} was quoted for "..." while the shell read it as a command
    String template = "msg=\"$(case {{ .env }} in prod) echo live;; *) echo {{ .env }};; esac)\""
        + "\necho \"$msg\"";

    // when the value holds a command
    // then every shell prints it, and nothing ran
    runs(template, Map.of("env", "staging; touch pwned"), "staging; touch pwned\n");
  }

  @Test
  void aCaseInsideACommandSubstitutionInsideAHereDocument() {
    String template = "cat <<EOF\n"
        + "$(case {{ .env }} in prod) echo live;; *) echo {{ .env }};; esac)\n"
        + "EOF";

    runs(template, Map.of("env", "staging; touch pwned"), "staging; touch pwned\n");
  }

  @Test
  void aContinuedLineFollowedByACommentLine() {
    // given a line ending in \ and then a comment: the continuation makes it one line, so # starts
    // a comment there; the scanner took the # for a word and quoted the value as one
    String template = "echo building \\\n# for {{ .v }}";

    // when the value holds a line break and a command
    // then the comment hides it all (a comment's value loses its line breaks)
    runs(template, Map.of("v", "\ntouch pwned #"), "building\n");
  }

  @Test
  void aHereDocumentLineEndingInABackslashBeforeTheEndMarker() {
    // given a here-document whose line "a\" joins the marker line after it: the document goes on,
    // so the echo line is part of its body, where '...' does not quote
    String template = "cat <<EOF\na\\\nEOF\necho {{ .v }}\nEOF";

    // then the value is escaped for the body it is in, and printed
    runs(template, Map.of("v", "$(touch pwned)"), "aEOF\necho $(touch pwned)\n");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          [[ {{ .v }} -eq 1 ]]                | -eq
          [[ 1 -lt {{ .v }} ]] && echo y      | -lt
          [[ -v {{ .v }} ]]                   | -v
          (( {{ .v }} + 1 ))                  | arithmetic
          a[{{ .v }}]=1                       | array subscript
          declare -A m=([{{ .v }}]=1)         | array subscript
          echo $[{{ .v }}]                    | arithmetic
          echo "$[{{ .v }}]"                  | arithmetic
          echo $"{{ .v }}"                    | $"..."
          echo "${x:-'}'}" {{ .v }}           | read differently
          echo "`echo "a"`" {{ .v }}          | read differently
          echo $(( ")" )) {{ .v }}            | read differently
          """)
  void bashSyntaxWhereAValueWouldBeCodeIsRefused(String template, String reason) {
    // given a placeholder where bash evaluates a value as arithmetic (a[$(...)] runs), or after
    // text that dash and bash read differently
    ScriptTemplate line = ScriptTemplate.parse(template);

    // then it is refused when the pipeline is loaded, and when a job would run it
    assertThatThrownBy(line::checkQuotable)
        .isInstanceOf(UnsafePlaceholder.class)
        .hasMessageContaining(reason);
    assertThatThrownBy(() -> line.render(Map.of("v", "a[$(touch pwned)]"), JOB, true))
        .isInstanceOf(UnsafePlaceholder.class);
  }

  @Test
  void aValueInsideDoubleQuotedBackquotesIsEscapedForBoth() {
    // given backquotes inside double quotes, where \" stands for " in the inner command
    String template = "echo \"`printf '%s' {{ .v }} \\\"{{ .v }}\\\"`\"";

    runs(template, Map.of("v", "it's \"$(touch pwned)\" `touch pwned` \\"),
        "it's \"$(touch pwned)\" `touch pwned` \\it's \"$(touch pwned)\" `touch pwned` \\\n");
  }

  @Test
  void aMultiLineValueInACommandSubstitutionOfAHereDocumentIsRefused() {
    // given a value inside $(...) in a here-document body: bash reads the body's lines before
    // the substitution, dash the substitution first, so a line break in it splits them apart
    ScriptTemplate line = ScriptTemplate.parse("cat <<-EOF\n\t$(x={{ .v }}; echo \"$x\")\n\tEOF");

    assertThatThrownBy(() -> line.render(Map.of("v", "a\n\tEOF\ntouch pwned"), JOB, true))
        .isInstanceOf(UnsafePlaceholder.class)
        .hasMessageContaining("read alike");
    runs(line.source(), Map.of("v", "one line; touch pwned"), "one line; touch pwned\n");
  }

  private static void runs(String template, Map<String, ?> variables, String expected) {
    String rendered = ScriptTemplate.parse(template).render(variables, JOB, true);
    for (ShellDriver.Result result : shells.run(rendered, SHELLS)) {
      String where = result.shell() + " ran\n" + rendered;
      assertThat(result.stdout()).as("output of %s", where).isEqualTo(expected);
      assertThat(result.stderr()).as("stderr of %s", where).isEmpty();
      assertThat(result.files()).as("files left by %s", where).isEmpty();
    }
  }
}
