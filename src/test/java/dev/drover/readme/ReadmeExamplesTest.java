package dev.drover.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java snippet of README.md compiles, exactly as written, against Drover's classes: a
 * snippet declaring a class is a compilation unit of its own; any other is the body of a
 * method of a {@link ReadmeContext}, which declares what the README takes as given. Only the
 * imports are added, the same for every snippet. An error names the README's line.
 */
class ReadmeExamplesTest {
  private static final Pattern BLOCK = Pattern.compile("(?m)^```java\\n(.*?)^```", Pattern.DOTALL);
  private static final Pattern CLASS =
      Pattern.compile("^(?:public\\s+)?(?:final\\s+)?class\\s+(\\w+)");
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
    String readme = Files.readString(Path.of("README.md"));
    List<Path> sources = new ArrayList<>();
    Matcher m = BLOCK.matcher(readme);
    while (m.find()) {
      int line = lineOf(readme, m.start(1));
      String snippet = m.group(1);
      Matcher c = CLASS.matcher(snippet.strip());
      String name = c.find() ? c.group(1) : "Example" + line;
      String unit = "package dev.drover.readme;\n" + IMPORTS
          + "// README.md line " + line + "\n"
          + (c.find(0) ? snippet
              : "class " + name + " extends ReadmeContext {\n  void example() throws Exception {\n"
                  + snippet + "  }\n}\n");
      Path source = dir.resolve(name + ".java");
      Files.writeString(source, unit);
      sources.add(source);
    }
    assertThat(sources).as("the README's Java snippets").hasSizeGreaterThanOrEqualTo(5);

    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, null, null)) {
      Files.createDirectories(dir.resolve("classes"));
      boolean ok = compiler.getTask(null, files, diagnostics,
          List.of("-classpath", System.getProperty("java.class.path"),
              "-d", dir.resolve("classes").toString(), "-proc:none"),
          null, files.getJavaFileObjectsFromPaths(sources)).call();
      String errors = diagnostics.getDiagnostics().stream()
          .filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
          .map(d -> d.getSource().getName() + ":" + d.getLineNumber() + ": "
              + d.getMessage(null))
          .collect(Collectors.joining("\n"));
      assertThat(ok).as("README snippets that do not compile (the unit's comment names the "
          + "README line):\n" + errors).isTrue();
    }
  }

  private static int lineOf(String text, int offset) {
    int line = 1;
    for (int i = 0; i < offset; i++) {
      if (text.charAt(i) == '\n') {
        line++;
      }
    }
    return line;
  }
}
