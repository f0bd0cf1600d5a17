package dev.drover.pipeline.definition;

/**
 * How a task's script lines run ({@code shell:} of a pipeline or a task). {@code session}, the
 * default, runs them in one shell, one after the other, so {@code cd}, variables and functions
 * carry from line to line as in prunner; {@code per-line} runs each with its own
 * {@code /bin/sh -c}, sharing nothing.
 */
public enum ShellMode {
  SESSION("session"),
  PER_LINE("per-line");

  private final String yaml;

  ShellMode(String yaml) {
    this.yaml = yaml;
  }

  /** The value as {@code pipelines.yml} writes it, and the shell worker reads it. */
  public String yaml() {
    return yaml;
  }

  /** The mode written as {@code value}, or null when there is none. */
  static ShellMode of(String value) {
    for (ShellMode m : values()) {
      if (m.yaml.equals(value)) {
        return m;
      }
    }
    return null;
  }
}
