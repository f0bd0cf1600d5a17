package dev.drover.pipeline.template;

/**
 * A placeholder whose value cannot be quoted so that the shell reads it as data: it stands where
 * no quoting works (inside {@code ${...}} or {@code $((...))}, right after a backslash), where the
 * shell context cannot be told, or its value would end a here-document early. Only raised while
 * variables are quoted; the message says how to rewrite the line.
 */
public final class UnsafePlaceholder extends ScriptTemplateException {

  private final String placeholder;
  private final String reason;

  /**
   * @param placeholder the placeholder as written, e.g. {@code {{ .name }}}
   * @param reason why it cannot be quoted and what to write instead
   */
  public UnsafePlaceholder(String placeholder, String reason) {
    this(placeholder, reason, -1);
  }

  /**
   * @param offset where the placeholder starts in its line, or -1
   */
  public UnsafePlaceholder(String placeholder, String reason, int offset) {
    this(placeholder, reason, null, 0, offset);
  }

  private UnsafePlaceholder(
      String placeholder, String reason, String task, int line, int offset) {
    super("cannot quote " + placeholder + " for the shell: " + reason, task, line, offset);
    this.placeholder = placeholder;
    this.reason = reason;
  }

  /** The placeholder as written. */
  public String placeholder() {
    return placeholder;
  }

  @Override
  public UnsafePlaceholder at(String task, int line) {
    return new UnsafePlaceholder(placeholder, reason, task, line, offset());
  }
}
