package dev.drover.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import org.junit.jupiter.api.Test;

/** godotenv 1.5.1's own fixtures and expectations, which prunner's .env files are read by. */
class DotenvFileTest {

  @Test
  void plainValuesAreTrimmed() throws Exception {
    assertThat(DotenvFile.parse("""
        OPTION_A=1
        OPTION_B=2
        OPTION_C= 3
        OPTION_D =4
        OPTION_E = 5
        OPTION_F =\s
        OPTION_G=
        OPTION_H=1 2"""))
        .containsExactly(entry("OPTION_A", "1"), entry("OPTION_B", "2"), entry("OPTION_C", "3"),
            entry("OPTION_D", "4"), entry("OPTION_E", "5"), entry("OPTION_F", ""),
            entry("OPTION_G", ""), entry("OPTION_H", "1 2"));
  }

  @Test
  void quotedValuesKeepTheirTextAndDoubleQuotesTheirEscapes() throws Exception {
    assertThat(DotenvFile.parse("""
        OPTION_A='1'
        OPTION_B='2'
        OPTION_C=''
        OPTION_D='\\n'
        OPTION_E="1"
        OPTION_F="2"
        OPTION_G=""
        OPTION_H="\\n"
        OPTION_I = "echo 'asd'"
        OPTION_J='line 1
        line 2'
        OPTION_K='line one
        this is \\'quoted\\'
        one more line'
        OPTION_L="line 1
        line 2"
        OPTION_M="line one
        this is \\"quoted\\"
        one more line"
        """))
        .containsEntry("OPTION_A", "1").containsEntry("OPTION_C", "")
        .containsEntry("OPTION_D", "\\n").containsEntry("OPTION_G", "")
        .containsEntry("OPTION_H", "\n").containsEntry("OPTION_I", "echo 'asd'")
        .containsEntry("OPTION_J", "line 1\nline 2")
        .containsEntry("OPTION_K", "line one\nthis is \\'quoted\\'\none more line")
        .containsEntry("OPTION_L", "line 1\nline 2")
        .containsEntry("OPTION_M", "line one\nthis is \"quoted\"\none more line");
  }

  @Test
  void variablesOfEarlierLinesAreSubstituted() throws Exception {
    assertThat(DotenvFile.parse("""
        OPTION_A=1
        OPTION_B=${OPTION_A}
        OPTION_C=$OPTION_B
        OPTION_D=${OPTION_A}${OPTION_B}
        OPTION_E=${OPTION_NOT_DEFINED}
        OPTION_F='${OPTION_A}'
        OPTION_G="\\$OPTION_A"
        """))
        .containsEntry("OPTION_B", "1").containsEntry("OPTION_C", "1")
        .containsEntry("OPTION_D", "11").containsEntry("OPTION_E", "")
        .containsEntry("OPTION_F", "${OPTION_A}").containsEntry("OPTION_G", "$OPTION_A");
  }

  @Test
  void commentsExportsAndYamlStyle() throws Exception {
    assertThat(DotenvFile.parse("""
        # Full line comment
        foo=bar # baz
        bar=foo#baz
        baz="foo"#bar
        export OPTION_A=2
        export OPTION_B='\\n'
        OPTION_Y: yaml style
        """))
        .containsEntry("foo", "bar").containsEntry("bar", "foo#baz")
        .containsEntry("baz", "foo").containsEntry("OPTION_A", "2")
        .containsEntry("OPTION_B", "\\n").containsEntry("OPTION_Y", "yaml style");
  }

  @Test
  void aBadLineIsAnErrorSayingWhere() {
    assertThatThrownBy(() -> DotenvFile.parse("INVALID LINE\nfoo=bar\n"))
        .isInstanceOf(DotenvFile.Invalid.class)
        .hasMessageContaining("unexpected character \"\\n\" in variable name");
    assertThatThrownBy(() -> DotenvFile.parse("A=\"never closed\n"))
        .hasMessageContaining("unterminated quoted value");
  }
}
