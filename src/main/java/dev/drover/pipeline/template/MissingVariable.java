package dev.drover.pipeline.template;

/**
 * A placeholder names a variable the job was not scheduled with, as prunner's templates fail on a
 * missing key. A nested key {@code a.b} is missing when {@code a} is missing, is not a map, or has
 * no {@code b}.
 */
public final class MissingVariable extends ScriptTemplateException {

  private final String key;

  /** {@code key} as written after the dot, e.g. {@code name} or {@code a.b}. */
  public MissingVariable(String key) {
    this(key, -1);
  }

  /** @param offset where the action naming it starts in its line, or -1 */
  public MissingVariable(String key, int offset) {
    this(key, null, 0, offset);
  }

  private MissingVariable(String key, String task, int line, int offset) {
    super("missing variable \"" + key + "\"", task, line, offset);
    this.key = key;
  }

  /** The missing key, e.g. {@code name} or {@code a.b}. */
  public String key() {
    return key;
  }

  @Override
  public MissingVariable at(String task, int line) {
    return new MissingVariable(key, task, line, offset());
  }
}
