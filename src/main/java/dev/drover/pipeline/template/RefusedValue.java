package dev.drover.pipeline.template;

/**
 * A value that a guard of its placeholder refuses: {@code {{ .file | path }}} with {@code
 * ../../etc/passwd}, {@code {{ .host | arg }}} with {@code -oProxyCommand=...}. Quoting keeps a
 * value data for the shell; these guards keep it harmless for the command that receives it.
 */
public final class RefusedValue extends ScriptTemplateException {

  private final String placeholder;
  private final String reason;

  /**
   * @param placeholder the placeholder as written, e.g. {@code {{ .file | path }}}
   * @param reason what in the value is refused
   * @param offset where the placeholder starts in its line, or -1
   */
  public RefusedValue(String placeholder, String reason, int offset) {
    this(placeholder, reason, null, 0, offset);
  }

  private RefusedValue(String placeholder, String reason, String task, int line, int offset) {
    super("the value of " + placeholder + " is refused: " + reason, task, line, offset);
    this.placeholder = placeholder;
    this.reason = reason;
  }

  /** The placeholder as written. */
  public String placeholder() {
    return placeholder;
  }

  @Override
  public RefusedValue at(String task, int line) {
    return new RefusedValue(placeholder, reason, task, line, offset());
  }
}
