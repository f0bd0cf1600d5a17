package dev.drover.pipeline;

import com.typesafe.config.Config;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which of the server's own environment variables a task's process gets: those named by {@code
 * drover.pipeline.pass-environment} (a name, or a prefix ending in {@code *} such as {@code
 * LC_*}), and never one starting with {@code DROVER_} or {@code PRUNNER_}, where the server's
 * secrets live. Everything else a task sees its pipeline gives it ({@link TaskEnvironment}).
 *
 * <p>prunner hands its whole environment to every task, its JWT secret included; a script that
 * prints its environment then prints the secret to a log anyone with a token can read.
 *
 * @param names the names and prefixes ({@code LC_*}) passed
 */
public record PassedVariables(List<String> names) {
  private static final Logger LOG = LoggerFactory.getLogger(PassedVariables.class);
  private static final List<String> NEVER = List.of("DROVER_", "PRUNNER_");

  public PassedVariables {
    names = List.copyOf(names);
  }

  /** The names under {@code drover.pipeline.pass-environment} of {@code config}. */
  public static PassedVariables fromConfig(Config config) {
    PassedVariables passed =
        new PassedVariables(config.getStringList("drover.pipeline.pass-environment"));
    passed.names.stream().filter(PassedVariables::serverOwn).forEach(n -> LOG.warn(
        "drover.pipeline.pass-environment names {}, which is never passed to tasks: variables "
            + "starting with DROVER_ or PRUNNER_ may hold the server's secrets; set it in the "
            + "pipeline's env instead", n));
    return passed;
  }

  /** The variables of {@code environment} (the server's) that tasks get, sorted by name. */
  public Map<String, String> of(Map<String, String> environment) {
    Map<String, String> passed = new TreeMap<>();
    environment.forEach((name, value) -> {
      if (!serverOwn(name) && names.stream().anyMatch(n -> matches(n, name))) {
        passed.put(name, value);
      }
    });
    return Collections.unmodifiableMap(passed);
  }

  private static boolean matches(String pattern, String name) {
    return pattern.endsWith("*")
        ? name.startsWith(pattern.substring(0, pattern.length() - 1))
        : pattern.equals(name);
  }

  /**
   * Whether {@code name} is one of the server's own variables ({@code DROVER_*}, {@code
   * PRUNNER_*}), which no task ever gets.
   */
  public static boolean serverOwn(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    return NEVER.stream().anyMatch(upper::startsWith);
  }
}
