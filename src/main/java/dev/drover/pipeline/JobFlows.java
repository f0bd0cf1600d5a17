package dev.drover.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.drover.flow.ActionSpec;
import dev.drover.flow.Flow;
import dev.drover.flow.RetryPolicy;
import dev.drover.pipeline.definition.PipelineDefinition;
import dev.drover.pipeline.definition.RetryDefinition;
import dev.drover.pipeline.definition.TaskDefinition;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Compiles a job of a pipeline into the flow its execution runs: each task a node action on a
 * worker of its pool (the built-in {@code shell} kind by default) running the task's script
 * lines, with the pipeline's policies. The scripts are journaled as written; their templates
 * are rendered by {@link PipelineInputRenderer} when each attempt starts.
 */
final class JobFlows {
  static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private JobFlows() {}

  /** The flow of {@code job}, a job of {@code def}. */
  static Flow compile(PipelineDefinition def) {
    Flow.Builder flow = Flow.builder(def.name());
    if (def.continueRunningTasksAfterFailure()) {
      flow.continueAfterFailure();
    } else {
      flow.failFast();
    }
    for (TaskDefinition task : def.tasks().values()) {
      ObjectNode input = scriptInput(def, task.name(), task.script(), task.env(), false,
          task.awaitCallback());
      input.put("shell", task.shell().yaml());
      if (task.allowFailure()) {
        // prunner's allow_failure: the remaining lines run, and the task ends done
        input.put("allowFailure", true);
      }
      flow.task(task.name(), t -> {
        t.action(new ActionSpec.Node(task.pool(), input, task.awaitCallback()))
            .dependsOn(task.dependsOn().toArray(String[]::new));
        if (task.allowFailure()) {
          t.allowFailure();
        }
        if (task.timeout() != null) {
          t.timeout(task.timeout());
        }
        if (task.retry() != null) {
          t.retry(retryOf(task));
        }
      });
    }
    if (def.onError() != null) {
      ObjectNode input = scriptInput(def, Flow.ON_ERROR, def.onError().script(),
          def.onError().env(), true, false);
      input.put("shell", def.onError().shell().yaml());
      flow.onError(t -> t.action(new ActionSpec.Node("shell", input, false)));
    }
    return flow.build();
  }

  private static RetryPolicy retryOf(TaskDefinition task) {
    RetryDefinition r = task.retry();
    Duration delay = r.delay() == null ? Duration.ZERO : r.delay();
    double backoff = r.backoff() <= 0 ? 1.0 : r.backoff();
    return RetryPolicy.backoff(r.count(), delay, backoff, Duration.ZERO);
  }

  /**
   * The journaled input of a script task: its raw lines and the environment the pipeline gives
   * it ({@link TaskEnvironment#overrides()}); the renderer puts the server's passed variables
   * below it, and the callback's above it for a task that awaits one. The worker's own
   * environment is not inherited.
   */
  private static ObjectNode scriptInput(PipelineDefinition def, String taskName,
      List<String> script, Map<String, String> taskEnv, boolean onError,
      boolean awaitCallback) {
    ObjectNode input = JSON.objectNode();
    ArrayNode lines = input.putArray("script");
    script.forEach(lines::add);
    ObjectNode envNode = input.putObject("env");
    new TaskEnvironment(def.env(), taskName, taskEnv).overrides().forEach(envNode::put);
    input.put("inheritEnv", false);
    ObjectNode render = input.putObject("render");
    render.put("pipeline", def.name());
    render.put("task", taskName);
    render.put("quoteVariables", def.quoteVariables());
    render.put("onError", onError);
    render.put("awaitCallback", awaitCallback);
    return input;
  }

  /** The execution's input: the job's variables as a JSON object. */
  static JsonNode input(JobRecord job) {
    return MAPPER.valueToTree(job.variables());
  }
}
