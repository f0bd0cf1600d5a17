package dev.drover.pipeline.definition;

import dev.drover.pipeline.definition.YamlNode.Entry;
import dev.drover.pipeline.definition.YamlNode.Kind;
import dev.drover.pipeline.definition.YamlNode.Location;
import dev.drover.pipeline.definition.YamlNode.Mapping;
import dev.drover.pipeline.definition.YamlNode.Scalar;
import dev.drover.pipeline.definition.YamlNode.Sequence;
import dev.drover.pipeline.template.ScriptTemplate;
import dev.drover.pipeline.template.ScriptTemplateException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Turns the YAML tree of one {@code pipelines.yml} file into pipeline definitions, checking
 * prunner's schema and rules and Drover's additions. It never stops at the first problem: every
 * problem goes to the list it was given, with the line and column of the text at fault.
 *
 * <p>Where prunner's messages exist they are kept word for word, so that the two tools say the
 * same thing about the same file. Where prunner is lax this is strict, because a key it silently
 * ignores (a typo such as {@code scripts}) is a task that silently does nothing.
 */
final class DefinitionBuilder {
  /** The {@code shell} of the pipeline being built, for its tasks and on_error that name none. */
  private ShellMode pipelineShell = ShellMode.SESSION;

  static final List<String> TOP_KEYS = List.of("pipelines");
  static final List<String> PIPELINE_KEYS = List.of(
      "concurrency", "queue_limit", "queue_partition_limit", "queue_strategy", "start_delay",
      "continue_running_tasks_after_failure", "retention_period", "retention_count", "env",
      "tasks", "on_error", "schedule", "quote_variables", "shell");
  static final List<String> TASK_KEYS = List.of(
      "script", "depends_on", "allow_failure", "env", "timeout", "retry", "await_callback",
      "pool", "shell");
  static final List<String> ON_ERROR_KEYS = List.of("script", "env");
  static final List<String> RETRY_KEYS = List.of("count", "delay", "backoff");
  static final List<String> SCHEDULE_KEYS = List.of("cron", "timezone");

  /** The name prunner gives the on_error handler's task; a task of that name would collide. */
  static final String ON_ERROR_TASK = "on_error";

  /** Top-level keys with this prefix are ignored: a place for YAML anchors to share, as in Compose. */
  static final String EXTENSION_PREFIX = "x-";

  /**
   * A pipeline declared in the file.
   *
   * @param at where its name is written
   * @param definition the definition, or null when the pipeline has problems
   */
  record Declared(String name, Location at, PipelineDefinition definition) {}

  private final Path file;
  private final List<DefinitionProblem> problems;
  private final ScalarPositions positions;
  /** The script lines of the pipeline being read, checked once quote_variables is known. */
  private final List<ScriptLines> scripts = new ArrayList<>();

  /** The script of a task (or of on_error): its lines as written. */
  private record ScriptLines(String task, Sequence lines) {}

  private DefinitionBuilder(Path file, List<DefinitionProblem> problems) {
    this.file = file;
    this.problems = problems;
    this.positions = new ScalarPositions(file);
  }

  /** Every pipeline {@code root} declares, in the order of the file. */
  static List<Declared> build(Path file, YamlNode root, List<DefinitionProblem> problems) {
    return new DefinitionBuilder(file, problems).top(root);
  }

  private List<Declared> top(YamlNode root) {
    if (isNull(root)) {
      problem(root, "empty file: expected a mapping with the key \"pipelines\"");
      return List.of();
    }
    if (!(root instanceof Mapping mapping)) {
      problem(root, "expected a mapping with the key \"pipelines\" at the top, got "
          + YamlNode.describe(root));
      return List.of();
    }
    Map<String, Entry> fields = fields(mapping, "at the top", TOP_KEYS, EXTENSION_PREFIX);
    Entry pipelines = fields.get("pipelines");
    if (!given(pipelines)) {
      return List.of(); // as in prunner: a file without pipelines declares none
    }
    if (!(pipelines.value() instanceof Mapping byName)) {
      problem(pipelines.value(), "pipelines must be a mapping of pipeline names to pipelines, got "
          + YamlNode.describe(pipelines.value()));
      return List.of();
    }
    return byName.entries().stream().map(this::pipeline).toList();
  }

  private Declared pipeline(Entry declaration) {
    int problemsBefore = problems.size();
    scripts.clear();
    String name = declaration.key();
    Mapping mapping = mappingOrEmpty(declaration, "pipeline \"" + name + "\"");
    if (mapping == null) {
      return new Declared(name, declaration.keyAt(), null);
    }
    Map<String, Entry> f = fields(mapping, "in pipeline \"" + name + "\"", PIPELINE_KEYS, null);

    Integer concurrency = integer(f.get("concurrency"), "concurrency");
    if (concurrency != null && concurrency <= 0) {
      // prunner reads 0 as "not set" (Go's zero value) and uses 1; written out, 0 is a mistake
      problem(f.get("concurrency").value(), "concurrency must be greater than 0");
    }
    Integer queueLimit = integer(f.get("queue_limit"), "queue_limit");
    if (queueLimit != null && queueLimit < 0) {
      problem(f.get("queue_limit").value(), "queue_limit must not be negative");
    }
    Integer partitionLimit = integer(f.get("queue_partition_limit"), "queue_partition_limit");
    QueueStrategy strategy = queueStrategy(f.get("queue_strategy"));
    Duration startDelay = duration(f.get("start_delay"), "start_delay");
    if (startDelay != null && startDelay.isNegative()) {
      problem(f.get("start_delay").value(), "start_delay must not be negative");
    }
    if (startDelay != null && startDelay.compareTo(Duration.ZERO) > 0
        && queueLimit != null && queueLimit == 0) {
      problem(f.get("start_delay").value(), "start_delay needs queue_limit > 0");
    }
    if (strategy != null) {
      queueRules(f, strategy, partitionLimit);
    }
    Boolean continueAfterFailure = bool(
        f.get("continue_running_tasks_after_failure"), "continue_running_tasks_after_failure");
    Duration retentionPeriod = duration(f.get("retention_period"), "retention_period");
    if (retentionPeriod != null && retentionPeriod.isNegative()) {
      problem(f.get("retention_period").value(), "retention_period must not be negative");
    }
    Integer retentionCount = integer(f.get("retention_count"), "retention_count");
    if (retentionCount != null && retentionCount < 0) {
      problem(f.get("retention_count").value(), "retention_count must not be negative");
    }
    Map<String, String> env = env(f.get("env"), "env of pipeline \"" + name + "\"");
    ShellMode shell = shell(f.get("shell"), " of pipeline \"" + name + "\"");
    pipelineShell = shell == null ? ShellMode.SESSION : shell;
    Map<String, TaskDefinition> tasks = tasks(f.get("tasks"));
    OnErrorDefinition onError = onError(f.get("on_error"), name);
    CronSchedule schedule = schedule(f.get("schedule"), name);
    Boolean quoteVariables = bool(f.get("quote_variables"), "quote_variables");
    templates(!Boolean.FALSE.equals(quoteVariables));

    if (problems.size() > problemsBefore) {
      return new Declared(name, declaration.keyAt(), null);
    }
    return new Declared(name, declaration.keyAt(), new PipelineDefinition(
        name,
        concurrency == null ? PipelineDefinition.DEFAULT_CONCURRENCY : concurrency,
        queueLimit,
        strategy,
        partitionLimit,
        startDelay == null ? Duration.ZERO : startDelay,
        Boolean.TRUE.equals(continueAfterFailure),
        retentionPeriod,
        retentionCount,
        env,
        onError,
        tasks,
        schedule,
        !Boolean.FALSE.equals(quoteVariables),
        file));
  }

  /** prunner's rules on the wait list, in prunner's words, and Drover's rule on replace. */
  private void queueRules(Map<String, Entry> f, QueueStrategy strategy, Integer partitionLimit) {
    Entry queueLimit = f.get("queue_limit");
    Entry partition = f.get("queue_partition_limit");
    if (strategy == QueueStrategy.PARTITIONED_REPLACE) {
      if (given(queueLimit)) {
        problemAtKey(queueLimit, "queue_limit is not allowed if queue_strategy="
            + "partitioned_replace, use queue_partition_limit instead");
      }
      boolean invalidType = given(partition) && partitionLimit == null;
      if (!invalidType && (partitionLimit == null || partitionLimit < 1)) {
        problem(given(partition) ? partition.value() : f.get("queue_strategy").value(),
            "queue_partition_limit must be defined and >=1 if queue_strategy=partitioned_replace");
      }
    } else if (given(partition)) {
      problemAtKey(partition, "queue_partition_limit is not allowed if queue_strategy="
          + "append|replace, use queue_limit instead");
    }
    if (strategy == QueueStrategy.REPLACE && !given(queueLimit)) {
      // prunner accepts it and then replaces whichever job waits: a queue of one, said nowhere
      problem(f.get("queue_strategy").value(),
          "queue_limit must be defined if queue_strategy=replace");
    }
  }

  private QueueStrategy queueStrategy(Entry entry) {
    if (!given(entry)) {
      return QueueStrategy.APPEND;
    }
    if (!(entry.value() instanceof Scalar scalar)) {
      problem(entry.value(), "queue_strategy must be append, replace or partitioned_replace, got "
          + YamlNode.describe(entry.value()));
      return null;
    }
    return QueueStrategy.fromYaml(scalar.text()).orElseGet(() -> {
      problem(scalar, "unknown queue strategy: \"" + scalar.text() + "\"");
      return null;
    });
  }

  private Map<String, TaskDefinition> tasks(Entry entry) {
    Map<String, TaskDefinition> tasks = new LinkedHashMap<>();
    if (!given(entry)) {
      return tasks;
    }
    if (!(entry.value() instanceof Mapping byName)) {
      problem(entry.value(), "tasks must be a mapping of task names to tasks, got "
          + YamlNode.describe(entry.value()));
      return tasks;
    }
    Map<String, List<Entry>> dependencies = new LinkedHashMap<>();
    for (Entry declaration : byName.entries()) {
      String name = declaration.key();
      if (name.equals(ON_ERROR_TASK)) {
        problemAtKey(declaration, "task name \"on_error\" is reserved for the pipeline's "
            + "on_error handler");
      }
      List<Entry> dependsOn = new ArrayList<>();
      TaskDefinition task = task(declaration, dependsOn);
      dependencies.put(name, dependsOn);
      if (task != null) {
        tasks.put(name, task);
      }
    }
    dependencyRules(dependencies);
    return tasks;
  }

  /**
   * prunner's rule on unknown dependencies, in its words, and Drover's on cycles.
   *
   * @param dependencies each task's depends_on items; an entry's key is the task depended on
   */
  private void dependencyRules(Map<String, List<Entry>> dependencies) {
    for (Map.Entry<String, List<Entry>> task : dependencies.entrySet()) {
      for (Entry dependency : task.getValue()) {
        if (!dependencies.containsKey(dependency.key())) {
          problemAtKey(dependency, "missing task \"" + dependency.key()
              + "\" referenced in depends_on of task \"" + task.getKey() + "\"");
        }
      }
    }
    Map<String, List<String>> graph = new LinkedHashMap<>();
    dependencies.forEach((task, deps) ->
        graph.put(task, deps.stream().map(Entry::key).toList()));
    for (List<String> cycle : DependencyCycles.find(graph)) {
      // point at the depends_on item that starts the circle: the text to change
      Entry first = dependencies.get(cycle.get(0)).stream()
          .filter(d -> d.key().equals(cycle.get(1)))
          .findFirst()
          .orElseThrow();
      problemAtKey(first, "depends_on forms a cycle: " + String.join(" -> ", cycle));
    }
  }

  /** The task, or null when it has problems; its depends_on items go to {@code dependsOn}. */
  private TaskDefinition task(Entry declaration, List<Entry> dependsOn) {
    int problemsBefore = problems.size();
    String name = declaration.key();
    String of = " of task \"" + name + "\"";
    Mapping mapping = mappingOrEmpty(declaration, "task \"" + name + "\"");
    if (mapping == null) {
      return null;
    }
    Map<String, Entry> f = fields(mapping, "in task \"" + name + "\"", TASK_KEYS, null);
    List<String> script = strings(f.get("script"), "script" + of);
    if (script != null) {
      scripts.add(new ScriptLines(name, (Sequence) f.get("script").value()));
    }
    List<String> dependencies = strings(f.get("depends_on"), "depends_on" + of);
    if (dependencies != null) {
      List<YamlNode> items = ((Sequence) f.get("depends_on").value()).items();
      for (int i = 0; i < items.size(); i++) {
        dependsOn.add(new Entry(dependencies.get(i), items.get(i).at(), items.get(i)));
      }
    }
    Boolean allowFailure = bool(f.get("allow_failure"), "allow_failure" + of);
    Map<String, String> env = env(f.get("env"), "env" + of);
    Duration timeout = duration(f.get("timeout"), "timeout" + of);
    if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
      problem(f.get("timeout").value(), "timeout" + of + " must be greater than 0");
    }
    RetryDefinition retry = retry(f.get("retry"), name);
    Boolean awaitCallback = bool(f.get("await_callback"), "await_callback" + of);
    String pool = string(f.get("pool"), "pool" + of);
    if (pool != null && pool.isBlank()) {
      problem(f.get("pool").value(), "pool" + of + " must not be empty");
    }
    ShellMode shell = shell(f.get("shell"), of);
    if (problems.size() > problemsBefore) {
      return null;
    }
    return new TaskDefinition(
        name,
        script == null ? List.of() : script,
        dependencies == null ? List.of() : dependencies,
        Boolean.TRUE.equals(allowFailure),
        env,
        timeout,
        retry,
        Boolean.TRUE.equals(awaitCallback),
        pool == null ? TaskDefinition.DEFAULT_POOL : pool,
        shell == null ? pipelineShell : shell);
  }

  /** {@code shell}: {@code session} or {@code per-line}; null when not given or wrong. */
  private ShellMode shell(Entry entry, String of) {
    String value = string(entry, "shell" + of);
    if (value == null) {
      return null;
    }
    ShellMode mode = ShellMode.of(value);
    if (mode == null) {
      problem(entry.value(), "shell" + of + " must be \"session\" or \"per-line\", got \""
          + value + "\"");
    }
    return mode;
  }

  private RetryDefinition retry(Entry entry, String task) {
    if (!given(entry)) {
      return null;
    }
    String of = " of task \"" + task + "\"";
    if (!(entry.value() instanceof Mapping mapping)) {
      problem(entry.value(), "retry" + of + " must be a mapping with count, delay and backoff, got "
          + YamlNode.describe(entry.value()));
      return null;
    }
    int problemsBefore = problems.size();
    Map<String, Entry> f = fields(mapping, "in retry" + of, RETRY_KEYS, null);
    Integer count = integer(f.get("count"), "retry count" + of);
    if (!given(f.get("count"))) {
      problem(mapping, "retry" + of + " needs a count (the retries after the first attempt)");
    } else if (count != null && count < 0) {
      problem(f.get("count").value(), "retry count" + of + " must not be negative");
    }
    Duration delay = duration(f.get("delay"), "retry delay" + of);
    if (delay != null && delay.isNegative()) {
      problem(f.get("delay").value(), "retry delay" + of + " must not be negative");
    }
    Double backoff = number(f.get("backoff"), "retry backoff" + of);
    if (backoff != null && !(backoff >= 1.0 && !backoff.isInfinite())) {
      problem(f.get("backoff").value(), "retry backoff" + of + " must be at least 1");
    }
    if (problems.size() > problemsBefore) {
      return null;
    }
    return new RetryDefinition(count, delay == null ? Duration.ZERO : delay,
        backoff == null ? 1.0 : backoff);
  }

  private OnErrorDefinition onError(Entry entry, String pipeline) {
    if (!given(entry)) {
      return null; // as in prunner, on_error without a value is no handler
    }
    String of = " of on_error of pipeline \"" + pipeline + "\"";
    if (!(entry.value() instanceof Mapping mapping)) {
      problem(entry.value(), "on_error of pipeline \"" + pipeline
          + "\" must be a mapping with script and env, got " + YamlNode.describe(entry.value()));
      return null;
    }
    Map<String, Entry> f = fields(mapping, "in on_error of pipeline \"" + pipeline + "\"",
        ON_ERROR_KEYS, null);
    List<String> script = strings(f.get("script"), "script" + of);
    if (script != null) {
      scripts.add(new ScriptLines(ON_ERROR_TASK, (Sequence) f.get("script").value()));
    }
    Map<String, String> env = env(f.get("env"), "env" + of);
    return new OnErrorDefinition(script == null ? List.of() : script, env, pipelineShell);
  }

  private CronSchedule schedule(Entry entry, String pipeline) {
    if (!given(entry)) {
      return null;
    }
    String of = " of pipeline \"" + pipeline + "\"";
    YamlNode value = entry.value();
    if (value instanceof Scalar scalar) {
      return cron(scalar, of) ? new CronSchedule(scalar.text(), null) : null;
    }
    if (!(value instanceof Mapping mapping)) {
      problem(value, "schedule" + of + " must be a cron expression or a mapping with cron and "
          + "timezone, got " + YamlNode.describe(value));
      return null;
    }
    int problemsBefore = problems.size();
    Map<String, Entry> f = fields(mapping, "in schedule" + of, SCHEDULE_KEYS, null);
    Entry cron = f.get("cron");
    String expression = null;
    if (!given(cron)) {
      problem(mapping, "schedule" + of + " needs a cron expression (cron: \"0 3 * * *\")");
    } else if (!(cron.value() instanceof Scalar cronText)) {
      problem(cron.value(), "schedule cron" + of + " must be a string, got "
          + YamlNode.describe(cron.value()));
    } else if (cron(cronText, of)) {
      expression = cronText.text();
    }
    String timezone = string(f.get("timezone"), "schedule timezone" + of);
    if (timezone != null) {
      try {
        ZoneId.of(timezone);
      } catch (DateTimeException e) {
        problem(f.get("timezone").value(), "unknown time zone \"" + timezone + "\" in schedule"
            + of + " (expected an IANA name such as Europe/Berlin)");
      }
    }
    return problems.size() > problemsBefore ? null : new CronSchedule(expression, timezone);
  }

  /**
   * Whether the expression is one the scheduler can run (read with the scheduler's own
   * definition, {@link CronSchedule#DEFINITION}); a problem at it when it is not.
   */
  private boolean cron(Scalar expression, String of) {
    String text = expression.text().trim();
    if (text.startsWith("@")) {
      if (CronSchedule.NICKNAMES.contains(text)) {
        return true;
      }
      problem(expression, "unknown cron macro \"" + text + "\" in schedule" + of + " (known: "
          + CronSchedule.NICKNAMES.stream().sorted().collect(Collectors.joining(", ")) + ")");
      return false;
    }
    int fields = text.isEmpty() ? 0 : text.split("\\s+").length;
    if (fields != 5) {
      problem(expression, "cron expression \"" + text + "\" in schedule" + of + " has " + fields
          + " fields; it needs 5: minute hour day-of-month month day-of-week");
      return false;
    }
    try {
      CronSchedule.parse(text);
      return true;
    } catch (CronSchedule.InvalidCron e) {
      problem(expression, "cron expression \"" + text + "\" in schedule" + of + ": "
          + e.getMessage());
      return false;
    }
  }

  /**
   * Parses every script line of the pipeline as a template and, when values are quoted, checks
   * that each placeholder stands where its value can be quoted whatever it is: a job can then
   * fail only for its values (a missing one, one a guard refuses), never for its template.
   */
  private void templates(boolean quoteVariables) {
    for (ScriptLines script : scripts) {
      List<YamlNode> lines = script.lines().items();
      for (int i = 0; i < lines.size(); i++) {
        Scalar line = (Scalar) lines.get(i);
        try {
          ScriptTemplate template = ScriptTemplate.parse(line.text());
          if (quoteVariables) {
            template.checkQuotable();
          }
        } catch (ScriptTemplateException e) {
          Location at = positions.of(line.at(), line.text(), e.offset());
          problems.add(new DefinitionProblem(file, at.line(), at.column(),
              e.at(script.task(), i + 1).getMessage()));
        }
      }
    }
  }

  // ---- reading typed values; each reports its own problem and returns null when absent or bad

  /**
   * The entries of {@code mapping} by key; a key that is not {@code known} is a problem, unless
   * it starts with {@code ignoredPrefix} (when not null).
   */
  private Map<String, Entry> fields(
      Mapping mapping, String where, List<String> known, String ignoredPrefix) {
    Map<String, Entry> fields = new LinkedHashMap<>();
    for (Entry entry : mapping.entries()) {
      if (known.contains(entry.key())) {
        fields.put(entry.key(), entry);
      } else if (ignoredPrefix == null || !entry.key().startsWith(ignoredPrefix)) {
        problemAtKey(entry, "unknown key \"" + entry.key() + "\" " + where + " (known: "
            + String.join(", ", known) + ")");
      }
    }
    return fields;
  }

  /** The mapping under {@code declaration}; an empty one for no value; null (a problem) else. */
  private Mapping mappingOrEmpty(Entry declaration, String what) {
    YamlNode value = declaration.value();
    if (isNull(value)) {
      return new Mapping(value.at(), List.of()); // prunner: a key without value is all defaults
    }
    if (value instanceof Mapping mapping) {
      return mapping;
    }
    problem(value, what + " must be a mapping, got " + YamlNode.describe(value));
    return null;
  }

  private Integer integer(Entry entry, String what) {
    if (!given(entry)) {
      return null;
    }
    if (!(entry.value() instanceof Scalar s) || s.kind() != Kind.INTEGER) {
      problem(entry.value(), what + " must be an integer, got " + YamlNode.describe(entry.value()));
      return null;
    }
    BigInteger value = (BigInteger) s.value();
    if (value.bitLength() > 31) {
      problem(s, what + " is out of range: " + s.text());
      return null;
    }
    return value.intValue();
  }

  private Double number(Entry entry, String what) {
    if (!given(entry)) {
      return null;
    }
    if (entry.value() instanceof Scalar s && s.kind() == Kind.INTEGER) {
      return ((BigInteger) s.value()).doubleValue();
    }
    if (entry.value() instanceof Scalar s && s.kind() == Kind.FLOAT) {
      return (Double) s.value();
    }
    problem(entry.value(), what + " must be a number, got " + YamlNode.describe(entry.value()));
    return null;
  }

  private Boolean bool(Entry entry, String what) {
    if (!given(entry)) {
      return null;
    }
    if (!(entry.value() instanceof Scalar s) || s.kind() != Kind.BOOLEAN) {
      problem(entry.value(), what + " must be true or false, got "
          + YamlNode.describe(entry.value()));
      return null;
    }
    return (Boolean) s.value();
  }

  private Duration duration(Entry entry, String what) {
    if (!given(entry)) {
      return null;
    }
    if (!(entry.value() instanceof Scalar s)) {
      problem(entry.value(), what + " must be a duration such as \"10s\", got "
          + YamlNode.describe(entry.value()));
      return null;
    }
    try {
      return GoDuration.parse(s.text());
    } catch (GoDuration.InvalidDurationException e) {
      problem(s, what + ": " + e.getMessage());
      return null;
    }
  }

  /** A single value as text, whatever YAML resolved it to, as prunner's decoder reads strings. */
  private String string(Entry entry, String what) {
    if (!given(entry)) {
      return null;
    }
    if (!(entry.value() instanceof Scalar s)) {
      problem(entry.value(), what + " must be a string, got " + YamlNode.describe(entry.value()));
      return null;
    }
    return s.text();
  }

  private List<String> strings(Entry entry, String what) {
    if (!given(entry)) {
      return null;
    }
    if (!(entry.value() instanceof Sequence sequence)) {
      String hint = entry.value() instanceof Scalar
          ? " (write each item on its own line, starting with \"- \")" : "";
      problem(entry.value(), what + " must be a list of strings, got "
          + YamlNode.describe(entry.value()) + hint);
      return null;
    }
    List<String> strings = new ArrayList<>();
    boolean valid = true;
    for (YamlNode item : sequence.items()) {
      if (isNull(item)) {
        problem(item, what + " has an empty item");
        valid = false;
      } else if (item instanceof Scalar s) {
        strings.add(s.text());
      } else {
        problem(item, what + " must be a list of strings, got " + YamlNode.describe(item)
            + " as an item");
        valid = false;
      }
    }
    return valid ? strings : null;
  }

  private Map<String, String> env(Entry entry, String what) {
    Map<String, String> env = new LinkedHashMap<>();
    if (!given(entry)) {
      return env;
    }
    if (!(entry.value() instanceof Mapping mapping)) {
      problem(entry.value(), what + " must be a mapping of names to values, got "
          + YamlNode.describe(entry.value()));
      return env;
    }
    for (Entry variable : mapping.entries()) {
      if (variable.value() instanceof Scalar s) {
        // prunner's decoder reads "FOO:" as the empty string
        env.put(variable.key(), s.kind() == Kind.NULL ? "" : s.text());
      } else {
        problem(variable.value(), "value of " + variable.key() + " in " + what
            + " must be a string, got " + YamlNode.describe(variable.value()));
      }
    }
    return env;
  }

  private static boolean given(Entry entry) {
    return entry != null && !isNull(entry.value());
  }

  private static boolean isNull(YamlNode node) {
    return node instanceof Scalar s && s.kind() == Kind.NULL;
  }

  private void problem(YamlNode node, String message) {
    problems.add(new DefinitionProblem(file, node.at().line(), node.at().column(), message));
  }

  private void problemAtKey(Entry entry, String message) {
    problems.add(new DefinitionProblem(file, entry.keyAt().line(), entry.keyAt().column(),
        message));
  }
}
