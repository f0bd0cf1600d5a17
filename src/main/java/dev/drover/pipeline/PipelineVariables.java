package dev.drover.pipeline;

import dev.drover.pipeline.PipelineApi.PipelineVariable;
import dev.drover.pipeline.definition.PipelineDefinition;
import dev.drover.pipeline.template.ScriptTemplate;
import dev.drover.pipeline.template.ScriptTemplateException;
import dev.drover.pipeline.template.TemplateVariable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The variables a job of a pipeline may be scheduled with, read from its script templates, for a
 * form that asks for them: each name once, in order of first use, with the default its lines give
 * it. The variables the runner sets itself ({@code __jobID}, and the failed task's for {@code
 * on_error}) are left out.
 */
public final class PipelineVariables {
  private static final Set<String> ON_ERROR_ONLY = Set.of(FailedTask.NAME, FailedTask.EXIT_CODE,
      FailedTask.ERROR, FailedTask.STDOUT, FailedTask.STDERR);

  private PipelineVariables() {}

  public static List<PipelineVariable> of(PipelineDefinition def) {
    Map<String, PipelineVariable> byName = new LinkedHashMap<>();
    def.tasks().values().forEach(task -> task.script().forEach(line -> add(byName, line, false)));
    if (def.onError() != null) {
      def.onError().script().forEach(line -> add(byName, line, true));
    }
    return List.copyOf(byName.values());
  }

  private static void add(Map<String, PipelineVariable> byName, String line, boolean onError) {
    List<TemplateVariable> used;
    try {
      used = ScriptTemplate.parse(line).variables();
    } catch (ScriptTemplateException e) {
      // the loader refuses such lines; a definition built in code may still hold one
      return;
    }
    for (TemplateVariable v : used) {
      if (onError && ON_ERROR_ONLY.contains(v.name())) {
        continue;
      }
      PipelineVariable seen = byName.get(v.name());
      if (seen == null) {
        byName.put(v.name(), new PipelineVariable(v.name(), v.defaultValue(),
            v.defaultValue() == null));
      } else {
        // a line without a default needs the value; lines that disagree show no default
        boolean required = seen.required() || v.defaultValue() == null;
        String shown = Objects.equals(seen.defaultValue(), v.defaultValue())
            || v.defaultValue() == null ? seen.defaultValue() : null;
        byName.put(v.name(), new PipelineVariable(v.name(),
            seen.defaultValue() == null ? v.defaultValue() : shown, required));
      }
    }
  }
}
