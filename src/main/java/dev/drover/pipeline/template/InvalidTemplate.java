package dev.drover.pipeline.template;

/**
 * A script line that is not a template {@link ScriptTemplate} understands: a syntax error, or an
 * action it does not support ({@code if}, {@code range}, a function other than {@code default}).
 */
public final class InvalidTemplate extends ScriptTemplateException {

  private final String reason;

  public InvalidTemplate(String reason) {
    this(reason, -1);
  }

  /** @param offset where the action at fault starts in the line, or -1 */
  public InvalidTemplate(String reason, int offset) {
    this(reason, null, 0, offset);
  }

  private InvalidTemplate(String reason, String task, int line, int offset) {
    super("invalid template: " + reason, task, line, offset);
    this.reason = reason;
  }

  /** The same problem, at {@code offset} of its line, unless it already knows where. */
  InvalidTemplate atOffset(int offset) {
    return offset() >= 0 ? this : new InvalidTemplate(reason, task().orElse(null), line(), offset);
  }

  @Override
  public InvalidTemplate at(String task, int line) {
    return new InvalidTemplate(reason, task, line, offset());
  }
}
