package dev.drover.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java snippet of README.md compiles, exactly as written, against Drover's classes: a
 * snippet that starts with its imports is a source file of its own; a snippet declaring a class
 * is a compilation unit with the imports every snippet shares; any other is the body of a
 * method of a {@link ReadmeContext}, which declares what the README takes as given. An error
 * names the README's line.
 */
class ReadmeExamplesTest {
  private static final Pattern CLASS =
      Pattern.compile("^(?:public\\s+)?(?:final\\s+)?class\\s+(\\w+)");
  private static final Pattern DECLARED =
      Pattern.compile("(?m)^(?:public\\s+)?(?:final\\s+)?class\\s+(\\w+)");
  private static final String IMPORTS = """
      import com.fasterxml.jackson.databind.*;
      import com.fasterxml.jackson.databind.node.*;
      import com.typesafe.config.*;
      import dev.drover.config.DroverConfig;
      import dev.drover.flow.*;
      import dev.drover.flow.Flow;
      import dev.drover.node.*;
      import java.nio.file.*;
      import java.time.*;
      import java.util.*;
      import org.apache.pekko.actor.typed.*;
      import org.apache.pekko.actor.typed.javadsl.*;
      """;

  @TempDir Path dir;

  @Test
  void everyJavaSnippetOfTheReadmeCompiles() throws IOException {
    List<Path> sources = new ArrayList<>();
    for (ReadmeSnippets.Snippet s : ReadmeSnippets.javaBlocks()) {
      Path source = dir.resolve(unitName(s) + ".java");
      Files.writeString(source, unit(s, ""));
      sources.add(source);
    }
    assertThat(sources).as("the README's Java snippets").hasSizeGreaterThanOrEqualTo(5);
    String errors = ReadmeSnippets.compile(sources, dir.resolve("classes"));
    assertThat(errors).as("README snippets that do not compile (the unit's comment names the "
        + "README line)").isEmpty();
  }

  /** The class a snippet is compiled as: the one it declares, else {@code Example<line>}. */
  static String unitName(ReadmeSnippets.Snippet s) {
    Matcher declared = (s.code().startsWith("import ") ? DECLARED : CLASS)
        .matcher(s.code().startsWith("import ") ? s.code() : s.code().strip());
    return declared.find() ? declared.group(1) : "Example" + s.line();
  }

  /**
   * The compilation unit of a snippet: a whole source file (it starts with its imports) gets
   * only Drover's package; a class gets the imports every snippet shares; anything else is the
   * body of a method of a {@link ReadmeContext}, followed by {@code epilogue}.
   */
  static String unit(ReadmeSnippets.Snippet s, String epilogue) {
    String snippet = s.code();
    String header = "package dev.drover.readme;\n";
    String comment = "// README.md line " + s.line() + "\n";
    if (snippet.startsWith("import ")) {
      return header + comment + snippet;
    }
    if (CLASS.matcher(snippet.strip()).find()) {
      return header + IMPORTS + comment + snippet;
    }
    return header + IMPORTS + comment + "class " + unitName(s) + " extends ReadmeContext {\n"
        + "  void example() throws Exception {\n" + snippet + epilogue + "  }\n}\n";
  }

  @Test
  void theReadmesHostTestIsOneTheSuiteRuns() throws IOException {
    // the README shows SquaringPoolTest as a host would write it: without Drover's package
    String source = Files.readString(Path.of("src/test/java/dev/drover/readme/SquaringPoolTest.java"));
    String asShown = source.substring(source.indexOf("\n\n") + 2);
    assertThat(Files.readString(Path.of("README.md")))
        .as("README.md shows src/test/java/dev/drover/readme/SquaringPoolTest.java as it is")
        .contains("```java\n" + asShown + "```\n");
  }
}
