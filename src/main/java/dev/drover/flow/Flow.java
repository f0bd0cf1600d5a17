package dev.drover.flow;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.flow.FlowValidationException.Problem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * An immutable DAG of named tasks and the policies that run it. Build one with {@link #builder};
 * the builder rejects an empty flow, duplicate names, unknown dependencies and cycles with a
 * {@link FlowValidationException} naming the tasks involved.
 *
 * <pre>{@code
 * Flow flow = Flow.builder("order")
 *     .task("reserve", t -> t.local(Reserve.class).retry(RetryPolicy.fixed(3, Duration.ofSeconds(1))))
 *     .task("charge", t -> t.local(Charge.class).dependsOn("reserve"))
 *     .task("approve", t -> t.delegate(AskApprover.class).timeout(Duration.ofHours(24)))
 *     .task("ship", t -> t.node("shell", script("./ship.sh")).dependsOn("charge", "approve"))
 *     .onError(t -> t.local(Notify.class))
 *     .output("shipment", "ship")
 *     .build();
 * }</pre>
 *
 * @param name the flow's name, shown in listings
 * @param tasks the tasks in definition order
 * @param failFast on a failure, cancel running tasks and start no new ones (else the tasks that
 *     do not depend on the failed one go on)
 * @param maxParallel the most attempts running at once in one execution (delegates waiting for
 *     their callback do not count); 0 for no limit
 * @param onError a task run once after the execution failed, with the failed task's name, error
 *     and output as its params {@code failedTaskName}, {@code failedTaskError} and
 *     {@code failedTaskOutput}; null for none
 * @param output the execution's output: output field → task whose output it is; empty means the
 *     outputs of the tasks nothing depends on
 */
public record Flow(
    String name, List<Task> tasks, boolean failFast, int maxParallel, Task onError,
    Map<String, String> output) {

  /** The name of the on-error task in an execution. */
  public static final String ON_ERROR = "on_error";

  public Flow {
    tasks = FlowTasks.of(tasks);
    output = Map.copyOf(output);
    validate(name, tasks, maxParallel, onError, output);
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** The task called {@code name}, the on-error task included, or null. */
  public Task task(String name) {
    if (onError != null && onError.name().equals(name)) {
      return onError;
    }
    return ((FlowTasks) tasks).named(name);
  }

  /** Tasks that no other task depends on: the flow's ends. */
  @JsonIgnore
  public List<String> sinks() {
    Set<String> depended = new HashSet<>();
    tasks.forEach(t -> depended.addAll(t.dependsOn()));
    return tasks.stream().map(Task::name).filter(n -> !depended.contains(n)).toList();
  }

  private static void validate(
      String name, List<Task> tasks, int maxParallel, Task onError, Map<String, String> output) {
    if (name == null || name.isBlank()) {
      throw new FlowValidationException(Problem.INVALID, "a flow needs a name");
    }
    if (tasks.isEmpty()) {
      throw new FlowValidationException(Problem.EMPTY, "flow '" + name + "' has no task");
    }
    if (maxParallel < 0) {
      throw new FlowValidationException(Problem.INVALID,
          "flow '" + name + "': max parallel tasks must not be negative, got " + maxParallel);
    }
    Map<String, Task> byName = new LinkedHashMap<>();
    for (Task t : tasks) {
      if (!t.name().matches("[A-Za-z0-9_.:-]+")) {
        throw new FlowValidationException(Problem.INVALID, "flow '" + name + "': task name '"
            + t.name() + "' may only hold letters, digits, '_', '.', ':' and '-'");
      }
      if (byName.put(t.name(), t) != null) {
        throw new FlowValidationException(Problem.DUPLICATE_TASK,
            "flow '" + name + "' declares task '" + t.name() + "' twice");
      }
    }
    if (onError != null) {
      if (byName.containsKey(onError.name())) {
        throw new FlowValidationException(Problem.DUPLICATE_TASK, "flow '" + name
            + "': the on-error task's name '" + onError.name() + "' is taken by another task");
      }
      if (!onError.dependsOn().isEmpty()) {
        throw new FlowValidationException(Problem.INVALID,
            "flow '" + name + "': the on-error task runs after a failure and depends on nothing");
      }
    }
    for (Task t : tasks) {
      for (String d : t.dependsOn()) {
        if (!byName.containsKey(d)) {
          throw new FlowValidationException(Problem.UNKNOWN_DEPENDENCY, "flow '" + name
              + "': task '" + t.name() + "' depends on unknown task '" + d + "'");
        }
      }
    }
    List<String> cycle = findCycle(byName);
    if (!cycle.isEmpty()) {
      throw new FlowValidationException(Problem.CYCLE,
          "flow '" + name + "' has a cycle: " + String.join(" -> ", cycle));
    }
    output.forEach((field, task) -> {
      if (!byName.containsKey(task)) {
        throw new FlowValidationException(Problem.UNKNOWN_DEPENDENCY, "flow '" + name
            + "': output '" + field + "' names unknown task '" + task + "'");
      }
    });
  }

  /** A cycle as the list of its tasks with the first repeated at the end, or empty. */
  private static List<String> findCycle(Map<String, Task> byName) {
    Map<String, Integer> color = new HashMap<>();
    for (String start : byName.keySet()) {
      List<String> path = new ArrayList<>();
      List<String> cycle = visit(start, byName, color, path);
      if (!cycle.isEmpty()) {
        return cycle;
      }
    }
    return List.of();
  }

  private static List<String> visit(
      String task, Map<String, Task> byName, Map<String, Integer> color, List<String> path) {
    int c = color.getOrDefault(task, 0);
    if (c == 2) {
      return List.of();
    }
    if (c == 1) {
      List<String> cycle = new ArrayList<>(path.subList(path.indexOf(task), path.size()));
      cycle.add(task);
      return cycle;
    }
    color.put(task, 1);
    path.add(task);
    for (String d : byName.get(task).dependsOn()) {
      List<String> cycle = visit(d, byName, color, path);
      if (!cycle.isEmpty()) {
        return cycle;
      }
    }
    path.remove(path.size() - 1);
    color.put(task, 2);
    return List.of();
  }

  /** Builds a {@link Flow}; {@link #build()} validates it. */
  public static final class Builder {
    private final String name;
    private final List<Task> tasks = new ArrayList<>();
    private final Map<String, String> output = new LinkedHashMap<>();
    private boolean failFast = true;
    private int maxParallel;
    private Task onError;

    private Builder(String name) {
      this.name = name;
    }

    /** Adds task {@code name}, configured by {@code spec}. */
    public Builder task(String name, Consumer<TaskBuilder> spec) {
      TaskBuilder b = new TaskBuilder(name);
      spec.accept(b);
      tasks.add(b.build());
      return this;
    }

    /** Adds a task built elsewhere. */
    public Builder task(Task task) {
      tasks.add(task);
      return this;
    }

    /** On a failure, cancel running tasks and start no new ones (the default). */
    public Builder failFast() {
      this.failFast = true;
      return this;
    }

    /** On a failure, let the tasks that do not depend on the failed one go on. */
    public Builder continueAfterFailure() {
      this.failFast = false;
      return this;
    }

    public Builder maxParallel(int n) {
      this.maxParallel = n;
      return this;
    }

    /** The task run after the execution failed; it is named {@value Flow#ON_ERROR}. */
    public Builder onError(Consumer<TaskBuilder> spec) {
      TaskBuilder b = new TaskBuilder(ON_ERROR);
      spec.accept(b);
      this.onError = b.build();
      return this;
    }

    /** Puts the output of {@code task} into the execution's output as {@code field}. */
    public Builder output(String field, String task) {
      output.put(field, task);
      return this;
    }

    public Flow build() {
      return new Flow(name, tasks, failFast, maxParallel, onError, output);
    }
  }

  /** Configures one task. */
  public static final class TaskBuilder {
    private final String name;
    private ActionSpec action;
    private final List<String> dependsOn = new ArrayList<>();
    private JsonNode params;
    private RetryPolicy retry = RetryPolicy.NONE;
    private Duration timeout;
    private boolean allowFailure;
    private boolean idempotent;

    private TaskBuilder(String name) {
      this.name = name;
    }

    public TaskBuilder local(Class<? extends TaskAction> action) {
      this.action = new ActionSpec.Local(action.getName());
      return this;
    }

    public TaskBuilder delegate(Class<? extends TaskAction> action) {
      this.action = new ActionSpec.Delegate(action.getName());
      return this;
    }

    /** Runs {@code input} on a worker leased from the node pool of kind {@code pool}. */
    public TaskBuilder node(String pool, JsonNode input) {
      this.action = new ActionSpec.Node(pool, input);
      return this;
    }

    public TaskBuilder action(ActionSpec action) {
      this.action = action;
      return this;
    }

    public TaskBuilder dependsOn(String... tasks) {
      dependsOn.addAll(List.of(tasks));
      return this;
    }

    public TaskBuilder params(JsonNode params) {
      this.params = params;
      return this;
    }

    public TaskBuilder retry(RetryPolicy retry) {
      this.retry = retry;
      return this;
    }

    public TaskBuilder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    public TaskBuilder allowFailure() {
      this.allowFailure = true;
      return this;
    }

    public TaskBuilder idempotent() {
      this.idempotent = true;
      return this;
    }

    Task build() {
      if (action == null) {
        throw new FlowValidationException(Problem.INVALID,
            "task '" + name + "' has no action (local, delegate or node)");
      }
      return new Task(name, action, dependsOn, params, retry, timeout, allowFailure, idempotent);
    }
  }
}
