package dev.drover.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a script with {@code /bin/sh -c}, as the pipeline runner does. Public: the runner's tests
 * and the template's (package {@code template}) run scripts with it.
 */
public final class Sh {

  /** What a run printed and how it ended. */
  public record Result(int exitCode, String stdout, String stderr) {}

  private Sh() {}

  /** Runs {@code script} in {@code dir}; stdout and stderr as UTF-8 text. */
  public static Result run(String script, Path dir) {
    return run(script, dir, null);
  }

  /** Runs {@code script} with exactly {@code environment}, when it is not null. */
  public static Result run(String script, Path dir, Map<String, String> environment) {
    ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", script);
    if (dir != null) {
      builder.directory(dir.toFile());
    }
    if (environment != null) {
      builder.environment().clear();
      builder.environment().putAll(environment);
    }
    return run(builder);
  }

  public static Result run(ProcessBuilder builder) {
    try {
      Process process = builder.start();
      process.getOutputStream().close();
      // output is small in these tests; reading one stream then the other cannot block
      String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("script did not end within 10 s");
      }
      return new Result(process.exitValue(), stdout, stderr);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
