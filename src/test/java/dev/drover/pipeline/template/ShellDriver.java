package dev.drover.pipeline.template;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs many small scripts with several shells quickly: one long-lived {@code bash} reads a request
 * per script and starts the shell under test itself, which costs a fork and an exec instead of a
 * JVM process start. Each script runs in a fresh directory of its own, with no input and a 10 s
 * limit; the driver and everything it started end with {@link #close()}.
 */
final class ShellDriver implements AutoCloseable {

  /** A shell that runs scripts, as its command line before the script's file name. */
  enum Shell {
    DASH("dash"),
    BASH_POSIX("bash --posix"),
    BASH("bash");

    final String command;

    Shell(String command) {
      this.command = command;
    }
  }

  /** What a script printed, how it ended, and the files it left in its directory. */
  record Result(Shell shell, int exitCode, String stdout, String stderr, List<String> files) {}

  private final Path root;
  private final Process driver;
  private final Writer requests;
  private final BufferedReader answers;
  private int scripts;

  ShellDriver() {
    try {
      root = Files.createTempDirectory("drover-shells");
      driver = new ProcessBuilder("bash", "--norc", "--noprofile")
          .redirectErrorStream(true)
          .start();
      requests = new java.io.OutputStreamWriter(driver.getOutputStream(), StandardCharsets.UTF_8);
      answers = new BufferedReader(
          new InputStreamReader(driver.getInputStream(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs {@code script} with each of {@code shells}, each in a fresh directory. */
  List<Result> run(String script, List<Shell> shells) {
    List<Result> results = new ArrayList<>();
    try {
      for (Shell shell : shells) {
        Path dir = root.resolve(Integer.toString(++scripts));
        Files.createDirectory(dir);
        // the script lives beside the directory, so a listing shows only what the script made
        Path file = root.resolve(scripts + ".sh");
        Files.writeString(file, script, StandardCharsets.UTF_8);
        requests.write("(cd '" + dir + "' && exec timeout -s KILL 10 " + shell.command + " '"
            + file + "' >'" + dir + ".out' 2>'" + dir + ".err' </dev/null); echo \"rc $?\"\n");
        requests.flush();
        String answer = answers.readLine();
        if (answer == null || !answer.startsWith("rc ")) {
          throw new IllegalStateException("the shell driver answered " + answer);
        }
        List<String> files;
        try (Stream<Path> listing = Files.list(dir)) {
          files = listing.map(p -> p.getFileName().toString()).sorted().toList();
        }
        results.add(new Result(shell, Integer.parseInt(answer.substring(3)),
            Files.readString(Path.of(dir + ".out"), StandardCharsets.UTF_8),
            Files.readString(Path.of(dir + ".err"), StandardCharsets.UTF_8), files));
        delete(dir);
        Files.delete(Path.of(dir + ".out"));
        Files.delete(Path.of(dir + ".err"));
        Files.delete(file);
      }
      return results;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      requests.close();
      if (!driver.waitFor(10, TimeUnit.SECONDS)) {
        driver.destroyForcibly();
      }
    } catch (IOException | InterruptedException e) {
      driver.destroyForcibly();
    }
    delete(root);
  }

  private static void delete(Path tree) {
    try (Stream<Path> all = Files.walk(tree)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
