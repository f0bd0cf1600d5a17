package dev.drover.cli;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Defaults of {@code drover serve}'s options from the environment: {@code DROVER_<OPTION>} (e.g.
 * {@code DROVER_ADDRESS} for {@code --address}), else, for the options prunner has, prunner's
 * {@code PRUNNER_<OPTION>}, so a prunner deployment's environment configures Drover unchanged. A
 * command-line option wins over both. Booleans are read as Go reads them ({@code 1}, {@code t},
 * {@code true}, {@code 0}, {@code f}, {@code false}, in any of Go's spellings).
 *
 * <p>The JWT secret is not among them: {@link dev.drover.http.JwtSecret} reads its variables
 * itself, so that only a secret given on the command line is warned about.
 */
public final class EnvironmentDefaults implements CommandLine.IDefaultValueProvider {
  /** The options that prunner has, and so also read {@code PRUNNER_<OPTION>}. */
  static final Set<String> PRUNNER_OPTIONS = Set.of("path", "pattern", "address", "data",
      "config", "watch", "poll-interval", "env-files", "verbose", "disable-ansi",
      "enable-profiling");
  private static final Set<String> NOT_FROM_ENVIRONMENT = Set.of("jwt-secret", "help",
      "version");

  private final Map<String, String> environment;

  /** Defaults from this process's environment; picocli creates it so. */
  public EnvironmentDefaults() {
    this(System.getenv());
  }

  EnvironmentDefaults(Map<String, String> environment) {
    this.environment = Map.copyOf(environment);
  }

  /** The variables an option is read from, Drover's first. */
  static String[] variables(String option) {
    String name = option.toUpperCase(Locale.ROOT).replace('-', '_');
    return PRUNNER_OPTIONS.contains(option)
        ? new String[] {"DROVER_" + name, "PRUNNER_" + name} : new String[] {"DROVER_" + name};
  }

  @Override
  public String defaultValue(ArgSpec argSpec) {
    if (!(argSpec instanceof OptionSpec option)) {
      return null;
    }
    String name = option.longestName().replaceFirst("^-+", "");
    if (NOT_FROM_ENVIRONMENT.contains(name)) {
      return null;
    }
    for (String variable : variables(name)) {
      String value = environment.get(variable);
      if (value != null) {
        return isBoolean(option) ? goBoolean(variable, value) : value;
      }
    }
    return null;
  }

  private static boolean isBoolean(OptionSpec option) {
    return option.type() == boolean.class || option.type() == Boolean.class;
  }

  private static String goBoolean(String variable, String value) {
    return switch (value) {
      case "1", "t", "T", "TRUE", "true", "True" -> "true";
      case "0", "f", "F", "FALSE", "false", "False" -> "false";
      default -> throw new CommandLine.InitializationException(variable
          + " must be true or false (or 1, 0, t, f), got \"" + value + "\"");
    };
  }
}
