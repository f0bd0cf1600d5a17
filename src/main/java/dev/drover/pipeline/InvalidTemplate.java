package dev.drover.pipeline;

/**
 * A script line that is not a template {@link ScriptTemplate} understands: a syntax error, or an
 * action it does not support ({@code if}, {@code range}, a function other than {@code default}).
 */
public final class InvalidTemplate extends ScriptTemplateException {

  private final String reason;

  public InvalidTemplate(String reason) {
    this(reason, null, 0);
  }

  private InvalidTemplate(String reason, String task, int line) {
    super("invalid template: " + reason, task, line);
    this.reason = reason;
  }

  @Override
  public InvalidTemplate at(String task, int line) {
    return new InvalidTemplate(reason, task, line);
  }
}
