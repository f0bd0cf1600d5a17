package dev.drover.pipeline.template;

/**
 * A job was scheduled with a variable whose name the runner provides itself ({@code __jobID}).
 * Raised at schedule time by {@link ScriptTemplate#checkVariableNames}, so the job is refused
 * before it is queued instead of failing when it starts (prunner only notices at start).
 */
public final class ReservedVariable extends IllegalArgumentException {

  private final String name;

  public ReservedVariable(String name) {
    super("variable name \"" + name + "\" is reserved: the runner sets it to the job's id");
    this.name = name;
  }

  /** The reserved name the request used. */
  public String name() {
    return name;
  }
}
