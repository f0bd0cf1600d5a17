package dev.drover.pipeline.template;

import dev.drover.pipeline.template.ShellScanner.Placement;
import dev.drover.pipeline.template.TemplateEvaluator.Slot;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * One script line of a prunner {@code pipelines.yml} task: a Go text/template rendered with the
 * job's variables, each value quoted for the shell context it lands in.
 *
 * <h2>Template language</h2>
 *
 * Go's text/template, as prunner runs it (with {@code missingkey=error}):
 *
 * <ul>
 *   <li>{@code {{ .name }}}, {@code {{ .a.b }}}, {@code {{ . }}}, {@code {{ $ }}}, {@code {{ $x.a
 *       }}}, {@code {{ (pipeline).a }}}; constants ({@code "..."}, {@code `...`}, numbers, {@code
 *       'c'}, {@code true}, {@code false}, {@code nil}); pipelines {@code {{ .a | f b }}};
 *   <li>{@code if}/{@code else if}/{@code else}, {@code range} (over lists, maps in key order and
 *       integers; {@code $v :=}, {@code $i, $v :=}, {@code break}, {@code continue}, {@code
 *       else}), {@code with}/{@code else with}/{@code else}, {@code end}; variables ({@code $x :=
 *       p}, {@code $x = p}); comments; trim markers ({@code {{- } and {@code  -}}});
 *   <li>the functions {@code printf}, {@code print}, {@code println}, {@code eq}, {@code ne},
 *       {@code lt}, {@code le}, {@code gt}, {@code ge}, {@code index}, {@code len}, {@code and},
 *       {@code or}, {@code not}, taskctl's {@code default} ({@code {{ .v | default "x" }}}, the
 *       fallback for an empty or missing value; numbers, even 0, are kept), and the guards {@code
 *       path} and {@code arg} ({@link ValueGuard});
 *   <li>{@code {{ .__jobID }}}: the job's id, see {@link #JOB_ID}.
 * </ul>
 *
 * A line that does not parse, names an undefined variable or function, or gives a function the
 * wrong number of arguments is an {@link InvalidTemplate}; a missing key when it runs a {@link
 * MissingVariable}; a function's refusal a {@link TemplateExecutionError}.
 *
 * <h2>Values</h2>
 *
 * The control flow runs first and decides which text is there; each printing action's value
 * (whatever made it: a field, {@code printf}, {@code index}, a range variable) then goes into the
 * script quoted for the POSIX shell context it lands in, found by {@link ShellScanner} in the
 * resulting text: a bare word becomes {@code 'x; touch f'}, one argument; inside {@code "..."}
 * {@code \ " $ `} are escaped; inside {@code '...'} each {@code '} becomes {@code '\''}; in a
 * here-document body {@code \ $ `} are escaped (nothing if its marker is quoted); in a comment
 * line breaks become spaces; backquotes add their own escaping. Strings render as they are,
 * numbers in plain decimal, null as nothing, lists and maps as Go prints them.
 *
 * <p>Where no quoting makes a value data, the line is an {@link UnsafePlaceholder}; {@link
 * #checkQuotable()} finds, along every path of the control flow, every case that does not depend
 * on the value when the pipeline is loaded. With {@code quoteVariables = false} values are pasted
 * as they are, which is what prunner does.
 *
 * <h2>Where prunner differs</h2>
 *
 * prunner (taskctl's compiler) also renders every string variable's value as a template before
 * the script, so a value holding {@code {{ ... }}} is expanded or fails the task; here values are
 * data and never rendered. prunner sees JSON numbers as float64s, so {@code eq .n 1} fails there
 * and prints {@code 1e+06}; here numbers compare and print by value. prunner prints null as
 * {@code <no value>} and fails {@code {{ .x | default "y" }}} when {@code x} is missing.
 */
public final class ScriptTemplate {

  /**
   * The variable holding the job's id. The runner provides it; a job scheduled with a variable of
   * this name is refused ({@link #checkVariableNames}), so it can never be overridden.
   */
  public static final String JOB_ID = "__jobID";

  private final String source;
  private final List<TemplateNode> nodes;

  private ScriptTemplate(String source, List<TemplateNode> nodes) {
    this.source = source;
    this.nodes = nodes;
  }

  /**
   * Parses one script line (a script entry, which may span several lines of text).
   *
   * @throws InvalidTemplate when it is not a valid template
   */
  public static ScriptTemplate parse(String line) {
    Objects.requireNonNull(line, "line");
    return new ScriptTemplate(line, List.copyOf(TemplateParser.parse(line)));
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

  /** The parse tree, for the checks made when a pipeline is loaded. */
  List<TemplateNode> nodes() {
    return nodes;
  }

  /**
   * The line with the job's variables filled in.
   *
   * @param variables the variables the job was scheduled with (for {@code on_error}, see {@link
   *     FailedTask#addTo})
   * @param jobId the job's id, the value of {@code {{ .__jobID }}}
   * @param quoteVariables whether values are quoted for the shell (see the class comment)
   * @throws MissingVariable when the template names a variable that is not there
   * @throws TemplateExecutionError when a function refuses its arguments
   * @throws RefusedValue when a guard ({@code path}, {@code arg}) refuses a value
   * @throws UnsafePlaceholder when quoting and a value cannot be quoted safely
   * @throws ReservedVariable when {@code variables} holds {@code __jobID}
   */
  public String render(Map<String, ?> variables, UUID jobId, boolean quoteVariables) {
    checkVariableNames(variables);
    Map<String, Object> all = new HashMap<>(variables);
    all.put(JOB_ID, jobId.toString());
    List<Object> segments = TemplateEvaluator.evaluate(nodes, all);
    StringBuilder out = new StringBuilder(source.length() + 32);
    ShellScanner shell = quoteVariables ? new ShellScanner() : null;
    for (Object segment : segments) {
      if (segment instanceof String text) {
        out.append(text);
        if (shell != null) {
          shell.literal(text);
        }
        continue;
      }
      Slot slot = (Slot) segment;
      String value = ValueText.of(slot.value());
      if (shell == null) {
        out.append(value);
        continue;
      }
      Placement placement = shell.placement();
      if (placement.refusal() != null) {
        throw new UnsafePlaceholder(slot.source(), placement.refusal(), slot.offset());
      }
      if (value.indexOf('\0') >= 0) {
        throw new UnsafePlaceholder(slot.source(),
            "its value holds a NUL character, which no shell word can", slot.offset());
      }
      String quoted = ShellQuoting.quote(value, placement);
      out.append(quoted);
      shell.value(quoted, new ShellScanner.Slot(slot.source(), slot.offset()));
      if (!shell.placement().equals(placement)) {
        throw new IllegalStateException(
            "quoting " + slot.source() + " for " + placement + " left " + shell.placement());
      }
    }
    if (shell != null) {
      shell.finish();
    }
    return out.toString();
  }

  /**
   * Checks that every printing action stands where a value can be quoted, whatever the value
   * and whichever way the control flow goes, so a pipeline can be refused when it is loaded
   * rather than when a job runs it.
   *
   * @throws UnsafePlaceholder for the first action that cannot be quoted
   */
  public void checkQuotable() {
    TemplateChecker.check(nodes);
  }

  /**
   * The job variables this line reads, in order of appearance, each with the constant default
   * the line gives it there; {@link #JOB_ID}, which the runner sets, is not one of them, nor are
   * fields read inside {@code range} and {@code with}, where dot is another value.
   */
  public List<TemplateVariable> variables() {
    return TemplateVariables.of(nodes);
  }

  @Override
  public String toString() {
    return source;
  }
}
