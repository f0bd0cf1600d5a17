package dev.drover.pipeline;

import java.util.Optional;

/**
 * A script line that cannot be rendered. The message says what is wrong and, once the caller has
 * added it with {@link #at(String, int)}, where: {@code missing variable "name" in script line 2
 * of task "build"}.
 */
public abstract sealed class ScriptTemplateException extends RuntimeException
    permits MissingVariable, InvalidTemplate, UnsafePlaceholder {

  private final String problem;
  private final String task;
  private final int line;

  ScriptTemplateException(String problem, String task, int line) {
    super(
        task == null
            ? problem
            : problem + " in script line " + line + " of task \"" + task + "\"");
    this.problem = problem;
    this.task = task;
    this.line = line;
  }

  /** What is wrong, without the location. */
  public String problem() {
    return problem;
  }

  /** The task whose script it is, once known. */
  public Optional<String> task() {
    return Optional.ofNullable(task);
  }

  /** The 1-based number of the script line, or 0 while unknown. */
  public int line() {
    return line;
  }

  /** The same problem, located in script line {@code line} (1-based) of {@code task}. */
  public abstract ScriptTemplateException at(String task, int line);
}
