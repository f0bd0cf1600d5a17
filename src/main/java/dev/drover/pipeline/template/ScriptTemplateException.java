package dev.drover.pipeline.template;

import java.util.Optional;

/**
 * A script line that cannot be rendered. The message says what is wrong and, once the caller has
 * added it with {@link #at(String, int)}, where: {@code missing variable "name" in script line 2
 * of task "build"}.
 */
public abstract sealed class ScriptTemplateException extends RuntimeException
    permits MissingVariable, InvalidTemplate, UnsafePlaceholder, RefusedValue,
        TemplateExecutionError {

  private final String problem;
  private final String task;
  private final int line;
  private final int offset;

  ScriptTemplateException(String problem, String task, int line) {
    this(problem, task, line, -1);
  }

  ScriptTemplateException(String problem, String task, int line, int offset) {
    super(
        task == null
            ? problem
            : problem + " in script line " + line + " of task \"" + task + "\"");
    this.problem = problem;
    this.task = task;
    this.line = line;
    this.offset = offset;
  }

  /**
   * Where in the script line the problem is: the index of the first character of the action at
   * fault, or -1 when it is not known.
   */
  public int offset() {
    return offset;
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
