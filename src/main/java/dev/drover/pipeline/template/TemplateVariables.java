package dev.drover.pipeline.template;

import dev.drover.pipeline.template.TemplateNode.Action;
import dev.drover.pipeline.template.TemplateNode.Command;
import dev.drover.pipeline.template.TemplateNode.Constant;
import dev.drover.pipeline.template.TemplateNode.Field;
import dev.drover.pipeline.template.TemplateNode.Function;
import dev.drover.pipeline.template.TemplateNode.If;
import dev.drover.pipeline.template.TemplateNode.Nested;
import dev.drover.pipeline.template.TemplateNode.Operand;
import dev.drover.pipeline.template.TemplateNode.Pipeline;
import dev.drover.pipeline.template.TemplateNode.Range;
import dev.drover.pipeline.template.TemplateNode.Variable;
import dev.drover.pipeline.template.TemplateNode.With;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the job variables a parse tree reads, each read in order: fields read while dot is
 * still the job's variables (outside {@code with} and {@code range} bodies) and {@code $.name}
 * anywhere, each with the constant {@code default} it is given there, if any. {@code __jobID} is
 * the runner's, not the job's.
 */
final class TemplateVariables {

  private final List<TemplateVariable> found = new ArrayList<>();

  private TemplateVariables() {}

  static List<TemplateVariable> of(List<TemplateNode> nodes) {
    TemplateVariables variables = new TemplateVariables();
    variables.walk(nodes, true);
    return List.copyOf(variables.found);
  }

  private void walk(List<TemplateNode> nodes, boolean dotIsRoot) {
    for (TemplateNode node : nodes) {
      if (node instanceof Action action) {
        pipeline(action.pipeline(), dotIsRoot);
      } else if (node instanceof If branch) {
        pipeline(branch.condition(), dotIsRoot);
        walk(branch.then(), dotIsRoot);
        walk(branch.otherwise(), dotIsRoot);
      } else if (node instanceof With with) {
        pipeline(with.value(), dotIsRoot);
        walk(with.body(), false);
        walk(with.otherwise(), dotIsRoot);
      } else if (node instanceof Range range) {
        pipeline(range.value(), dotIsRoot);
        walk(range.body(), false);
        walk(range.otherwise(), dotIsRoot);
      }
    }
  }

  private void pipeline(Pipeline pipeline, boolean dotIsRoot) {
    List<Command> commands = pipeline.commands();
    for (int i = 0; i < commands.size(); i++) {
      List<Operand> operands = commands.get(i).operands();
      // .x | default "y"  and  default "y" .x
      String fallback = null;
      if (i + 1 < commands.size() && isDefault(commands.get(i + 1))
          && commands.get(i + 1).operands().get(1) instanceof Constant c) {
        fallback = ValueText.of(c.value());
      }
      if (isDefault(commands.get(i)) && operands.size() == 3
          && operands.get(1) instanceof Constant c) {
        operand(operands.get(2), dotIsRoot, ValueText.of(c.value()));
        operand(operands.get(1), dotIsRoot, null);
        continue;
      }
      for (Operand operand : operands) {
        operand(operand, dotIsRoot, operands.size() == 1 ? fallback : null);
      }
    }
  }

  private static boolean isDefault(Command command) {
    return command.operands().get(0) instanceof Function f && f.name().equals("default");
  }

  private void operand(Operand operand, boolean dotIsRoot, String fallback) {
    if (operand instanceof Field field && dotIsRoot) {
      add(field.path().get(0), fallback);
    } else if (operand instanceof Variable variable && variable.name().equals("$")
        && !variable.path().isEmpty()) {
      add(variable.path().get(0), fallback);
    } else if (operand instanceof Nested nested) {
      pipeline(nested.pipeline(), dotIsRoot);
    }
  }

  private void add(String name, String fallback) {
    if (!name.equals(ScriptTemplate.JOB_ID)) {
      found.add(new TemplateVariable(name, fallback));
    }
  }
}
