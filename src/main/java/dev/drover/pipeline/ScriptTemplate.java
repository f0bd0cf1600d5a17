package dev.drover.pipeline;

import dev.drover.pipeline.ShellScanner.Placement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;

/**
 * One script line of a prunner {@code pipelines.yml} task, rendered with the job's variables
 * before {@code /bin/sh -c} runs it.
 *
 * <h2>Template forms</h2>
 *
 * The subset of Go's text/template that prunner's scripts use:
 *
 * <ul>
 *   <li>{@code {{ .name }}} and {@code {{.name}}}: the variable {@code name};
 *   <li>{@code {{ .a.b }}}: key {@code b} of the map-valued variable {@code a};
 *   <li>{@code {{ .name | default "x" }}} and {@code {{ default "x" .name }}}: taskctl's {@code
 *       default}, the fallback when the value is empty ("", false, an empty list or map, null) or
 *       missing; numbers, even 0, are kept. The fallback is a string ("..." or `...`), a number, a
 *       boolean or another field. Several {@code | default} may follow each other;
 *   <li>{@code {{ .__jobID }}}: the job's id, see {@link #JOB_ID};
 *   <li>comment actions and the trim markers (a dash and a space inside the braces).
 * </ul>
 *
 * Any other action ({@code if}, {@code range}, {@code printf}, ...) is an {@link InvalidTemplate},
 * and a missing variable a {@link MissingVariable} naming its key.
 *
 * <h2>Values</h2>
 *
 * Strings render as they are; numbers in plain decimal ({@code 1000000}, {@code 1.5}); booleans as
 * {@code true}/{@code false}; null as nothing; lists and maps as Go prints them.
 *
 * <p>With {@code quoteVariables} (the default for Drover) each value is then quoted for the POSIX
 * shell context it lands in, so the shell reads it as data and never as code:
 *
 * <ul>
 *   <li>a bare word: {@code echo {{ .v }}} becomes {@code echo 'x; touch f'}, one argument;
 *   <li>inside double quotes: {@code \ " $ `} are escaped, {@code echo "hi {{ .v }}"} stays one
 *       string;
 *   <li>inside single quotes: each {@code '} closes the quote and reopens it: {@code '...'\''...'};
 *   <li>inside {@code $(...)} or backquotes: the context inside them, plus the backquotes' own
 *       escaping; in a here-document body: {@code \ $ `} escaped (none if its marker is quoted);
 *       in a comment: newlines become spaces.
 * </ul>
 *
 * A value that cannot be quoted safely is an {@link UnsafePlaceholder}: inside {@code ${...}},
 * {@code $((...))} or {@code $'...'}, right after a backslash or {@code $}, or a value that would
 * end a here-document early or start a line of a {@code <<-} one with a tab (which the shell
 * removes). {@link #checkQuotable()} finds the cases that do not depend on the value when the
 * pipeline is loaded.
 *
 * <p>A quoted value is always exactly one word: an empty value is an empty argument ({@code ''}),
 * and {@code "-a -b"} is one argument, where prunner pastes nothing or two words.
 *
 * <p>With {@code quoteVariables = false} values are pasted as they are, which is what prunner
 * does: a value then can add words, operators and commands to the script. Only for pipelines that
 * rely on that and trust everyone who may schedule them.
 *
 * <h2>Where prunner differs</h2>
 *
 * prunner (taskctl's compiler) also renders every string variable's value as a template before
 * the script, so a value holding {@code {{ ... }}} is expanded or fails the task; here values are
 * data and never rendered. prunner renders JSON numbers through Go's float64 ({@code 1e+06}), nil
 * as {@code <no value>}, and fails {@code {{ .x | default "y" }}} when {@code x} is missing.
 */
public final class ScriptTemplate {

  /**
   * The variable holding the job's id. The runner provides it; a job scheduled with a variable of
   * this name is refused ({@link #checkVariableNames}), so it can never be overridden.
   */
  public static final String JOB_ID = "__jobID";

  private final String source;
  private final List<Object> segments;

  private ScriptTemplate(String source, List<Object> segments) {
    this.source = source;
    this.segments = segments;
  }

  /**
   * Parses one script line (a script entry, which may span several lines of text).
   *
   * @throws InvalidTemplate when it is not a template this class renders
   */
  public static ScriptTemplate parse(String line) {
    Objects.requireNonNull(line, "line");
    return new ScriptTemplate(line, TemplateParser.parse(line));
  }

  /**
   * Parses and renders script line {@code lineNumber} (1-based) of {@code task}; any {@link
   * ScriptTemplateException} names the task and line.
   */
  public static String render(
      String task, int lineNumber, String line, Map<String, ?> variables, UUID jobId,
      boolean quoteVariables) {
    try {
      return parse(line).render(variables, jobId, quoteVariables);
    } catch (ScriptTemplateException e) {
      throw e.at(task, lineNumber);
    }
  }

  /**
   * Refuses variables a job must not be scheduled with: {@link #JOB_ID}, which the runner sets.
   * Call it when the job is scheduled, so the request fails instead of the job.
   *
   * @throws ReservedVariable when {@code variables} has a key {@code __jobID}
   */
  public static void checkVariableNames(Map<String, ?> variables) {
    if (variables.containsKey(JOB_ID)) {
      throw new ReservedVariable(JOB_ID);
    }
  }

  /** The line as written. */
  public String source() {
    return source;
  }

  /**
   * The line with the job's variables filled in.
   *
   * @param variables the variables the job was scheduled with (for {@code on_error}, see {@link
   *     FailedTask#addTo})
   * @param jobId the job's id, the value of {@code {{ .__jobID }}}
   * @param quoteVariables whether values are quoted for the shell (see the class comment)
   * @throws MissingVariable when a placeholder names a variable that is not there
   * @throws UnsafePlaceholder when quoting and a value cannot be quoted safely
   * @throws ReservedVariable when {@code variables} holds {@code __jobID}
   */
  public String render(Map<String, ?> variables, UUID jobId, boolean quoteVariables) {
    checkVariableNames(variables);
    Map<String, Object> all = new HashMap<>(variables);
    all.put(JOB_ID, jobId.toString());
    return render(p -> ValueText.of(p.evaluate(all)), quoteVariables);
  }

  /**
   * Checks that every placeholder stands where a value can be quoted, whatever the value, so a
   * pipeline can be refused when it is loaded rather than when a job runs it.
   *
   * @throws UnsafePlaceholder for the first placeholder that cannot be quoted
   */
  public void checkQuotable() {
    render(p -> "x", true);
  }

  private String render(Function<Placeholder, String> text, boolean quoteVariables) {
    StringBuilder out = new StringBuilder(source.length() + 32);
    ShellScanner shell = quoteVariables ? new ShellScanner() : null;
    for (Object segment : segments) {
      if (segment instanceof String literal) {
        out.append(literal);
        if (shell != null) {
          shell.literal(literal);
        }
        continue;
      }
      Placeholder placeholder = (Placeholder) segment;
      String value = text.apply(placeholder);
      if (shell == null) {
        out.append(value);
        continue;
      }
      Placement placement = shell.placement();
      if (placement.refusal() != null) {
        throw new UnsafePlaceholder(placeholder.source(), placement.refusal());
      }
      if (value.indexOf('\0') >= 0) {
        throw new UnsafePlaceholder(
            placeholder.source(), "its value holds a NUL character, which no shell word can");
      }
      String quoted = ShellQuoting.quote(value, placement);
      out.append(quoted);
      shell.value(quoted, placeholder.source());
      if (!shell.placement().equals(placement)) {
        throw new IllegalStateException(
            "quoting " + placeholder.source() + " for " + placement + " left " + shell.placement());
      }
    }
    if (shell != null) {
      shell.finish();
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return source;
  }
}
