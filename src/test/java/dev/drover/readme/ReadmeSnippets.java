package dev.drover.readme;

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

/** The Java blocks of README.md, and a compiler for them against Drover's classes. */
final class ReadmeSnippets {
  private static final Pattern BLOCK = Pattern.compile("(?m)^```java\\n(.*?)^```", Pattern.DOTALL);

  private ReadmeSnippets() {}

  /** A Java block of the README and the line it starts on. */
  record Snippet(int line, String code) {}

  static List<Snippet> javaBlocks() throws IOException {
    String readme = Files.readString(Path.of("README.md"));
    List<Snippet> snippets = new ArrayList<>();
    Matcher m = BLOCK.matcher(readme);
    while (m.find()) {
      snippets.add(new Snippet(lineOf(readme, m.start(1)), m.group(1)));
    }
    return snippets;
  }

  /**
   * Compiles {@code sources} into {@code classes} on the test's class path.
   *
   * @return the compiler's errors, each with its unit's name and line; empty when it compiled
   */
  static String compile(List<Path> sources, Path classes) throws IOException {
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, null, null)) {
      Files.createDirectories(classes);
      boolean ok = compiler.getTask(null, files, diagnostics,
          List.of("-classpath", System.getProperty("java.class.path"),
              "-d", classes.toString(), "-proc:none"),
          null, files.getJavaFileObjectsFromPaths(sources)).call();
      String errors = diagnostics.getDiagnostics().stream()
          .filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
          .map(d -> d.getSource().getName() + ":" + d.getLineNumber() + ": "
              + d.getMessage(null))
          .collect(Collectors.joining("\n"));
      return ok ? "" : errors.isEmpty() ? "javac failed" : errors;
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
