package dev.drover.cli;

import dev.drover.pipeline.PassedVariables;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The variables of the {@code --env-files} that tasks get. prunner loads them into its own
 * environment, which every task inherits; Drover gives them to every task (below each pipeline's
 * {@code env}), except its own and prunner's settings ({@code DROVER_*}, {@code PRUNNER_*}), such
 * as a JWT secret, which no task ever gets. Like prunner, Drover is not configured by them.
 */
final class TaskVariables {
  private static final Logger log = LoggerFactory.getLogger(TaskVariables.class);

  private TaskVariables() {}

  static Map<String, String> of(Map<String, String> fromEnvFiles) {
    Map<String, String> out = new LinkedHashMap<>(fromEnvFiles);
    List<String> skipped = out.keySet().stream().filter(PassedVariables::serverOwn).toList();
    skipped.forEach(out::remove);
    if (!skipped.isEmpty()) {
      log.warn("Env files set {}: no task gets those (they may be the server's secrets), and "
          + "they do not configure Drover either", skipped);
    }
    return out;
  }
}
