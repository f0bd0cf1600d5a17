package dev.drover.pipeline.template;

/**
 * A template that failed while it ran with a job's values, as Go's {@code template: executing}
 * errors do: a function refused its arguments ({@code index} out of range, {@code lt} of a string
 * and a number), a field of something that has none, a range over a value that cannot be
 * iterated. A missing variable is a {@link MissingVariable}.
 */
public final class TemplateExecutionError extends ScriptTemplateException {

  private final String reason;

  /**
   * @param reason what failed, with the action, e.g. {@code error calling index: index out of
   *     range: 5 in {{ index .hosts 5 }}}
   * @param offset where the action starts in its line, or -1
   */
  public TemplateExecutionError(String reason, int offset) {
    this(reason, null, 0, offset);
  }

  private TemplateExecutionError(String reason, String task, int line, int offset) {
    super("template failed: " + reason, task, line, offset);
    this.reason = reason;
  }

  @Override
  public TemplateExecutionError at(String task, int line) {
    return new TemplateExecutionError(reason, task, line, offset());
  }
}
