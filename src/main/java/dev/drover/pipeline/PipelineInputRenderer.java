package dev.drover.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.drover.flow.NodeInputRenderer;
import dev.drover.flow.TaskContext;
import dev.drover.pipeline.template.ScriptTemplate;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Renders a pipeline task's script when its attempt starts: the job's variables (and
 * {@code __jobID}) fill the templates, quoted for the shell context each lands in; an on-error
 * task also gets {@code failedTaskName}, {@code failedTaskExitCode}, {@code failedTaskError},
 * {@code failedTaskStdout} and {@code failedTaskStderr}. The environment is completed as
 * {@link TaskEnvironment} says: the server's passed variables below the pipeline's, and only a
 * task that awaits a callback gets {@code DROVER_CALLBACK_URL} and {@code DROVER_CALLBACK_TOKEN}.
 */
final class PipelineInputRenderer implements NodeInputRenderer {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final TaskOutput logs;
  private final Supplier<String> callbackBase;
  private final Map<String, String> passed;

  /**
   * @param callbackBase the server's base URL, e.g. {@code http://127.0.0.1:9009}
   * @param passed the server's environment variables every task gets
   */
  PipelineInputRenderer(TaskOutput logs, Supplier<String> callbackBase,
      Map<String, String> passed) {
    this.logs = logs;
    this.callbackBase = callbackBase;
    this.passed = Map.copyOf(passed);
  }

  @Override
  public JsonNode render(JsonNode input, TaskContext task) {
    JsonNode how = input.get("render");
    if (how == null) {
      return input;
    }
    Map<String, Object> variables = new LinkedHashMap<>();
    if (task.input() != null && task.input().isObject()) {
      variables.putAll(MAPPER.convertValue(task.input(), Map.class));
    }
    if (how.path("onError").asBoolean()) {
      JsonNode p = task.params();
      String failed = p.path("failedTaskName").asText(null);
      if (failed != null) {
        int exitCode = p.path("failedTaskOutput").path("exitCode").asInt(-1);
        String error = "exit-code".equals(p.path("failedTaskErrorKind").asText())
            ? "exit status " + exitCode : p.path("failedTaskError").asText("");
        variables = new FailedTask(failed, exitCode, error,
            new String(logs.read(task.executionId(), failed, "stdout"), StandardCharsets.UTF_8),
            new String(logs.read(task.executionId(), failed, "stderr"), StandardCharsets.UTF_8))
            .addTo(variables);
      }
    }
    boolean quote = how.path("quoteVariables").asBoolean(true);
    UUID jobId = UUID.fromString(task.executionId());
    String taskName = how.path("task").asText();
    ObjectNode out = input.deepCopy();
    out.remove("render");
    ArrayNode script = out.putArray("script");
    int n = 0;
    for (JsonNode line : input.path("script")) {
      // a template that cannot be rendered (a missing key) fails the attempt with its message
      script.add(ScriptTemplate.render(taskName, ++n, line.asText(), variables, jobId, quote));
    }
    // the server's passed variables first: the pipeline's override them
    ObjectNode env = out.putObject("env");
    passed.forEach(env::put);
    input.path("env").fields().forEachRemaining(e -> env.set(e.getKey(), e.getValue()));
    // a job journaled before inputs said whether the task awaits a callback keeps the old rule
    boolean awaits = how.has("awaitCallback") ? how.get("awaitCallback").asBoolean()
        : input.has("env");
    if (awaits && task.callbackToken() != null) {
      env.put("DROVER_CALLBACK_URL", callbackBase.get() + "/api/v1/jobs/" + task.executionId()
          + "/tasks/" + task.taskName() + "/complete");
      env.put("DROVER_CALLBACK_TOKEN", task.callbackToken());
    }
    out.put("inheritEnv", false);
    return out;
  }
}
