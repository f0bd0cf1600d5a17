package dev.drover.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/** Task actions the flow tests run, and what they record of their runs. */
final class TestActions {
  private TestActions() {}

  /** Runs per "execution/task", across attempts. */
  static final Map<String, AtomicInteger> RUNS = new ConcurrentHashMap<>();
  /** Callback tokens handed out by {@link Delegate}, per "execution/task". */
  static final Map<String, String> TOKENS = new ConcurrentHashMap<>();
  /** Latches a {@link Gate} waits on, per "execution/task". */
  static final Map<String, CountDownLatch> GATES = new ConcurrentHashMap<>();
  /** Params the on-error tasks received, per execution. */
  static final Map<String, JsonNode> ON_ERROR = new ConcurrentHashMap<>();
  /** Attempts of interrupted actions, per "execution/task". */
  static final List<String> INTERRUPTED = new CopyOnWriteArrayList<>();

  static String key(TaskContext t) {
    return t.executionId() + "/" + t.taskName();
  }

  static int count(TaskContext t) {
    return RUNS.computeIfAbsent(key(t), k -> new AtomicInteger()).incrementAndGet();
  }

  static int runs(String execution, String task) {
    AtomicInteger n = RUNS.get(execution + "/" + task);
    return n == null ? 0 : n.get();
  }

  static void open(String execution, String task) {
    GATES.computeIfAbsent(execution + "/" + task, k -> new CountDownLatch(1)).countDown();
  }

  /** Outputs its params, or its task name when it has none. */
  public static final class Echo implements TaskAction {
    @Override
    public TaskOutcome run(TaskContext t) {
      count(t);
      return TaskOutcome.success(t.params().isNull() ? TextNode.valueOf(t.taskName()) : t.params());
    }
  }

  /** Outputs the sum of its upstream outputs (numbers), plus its own param "add". */
  public static final class Sum implements TaskAction {
    @Override
    public TaskOutcome run(TaskContext t) {
      count(t);
      int sum = t.params().path("add").asInt(0);
      for (JsonNode v : t.upstream().values()) {
        sum += v.asInt();
      }
      return TaskOutcome.success(IntNode.valueOf(sum));
    }
  }

  /** Outputs the upstream outputs it saw, by task name. */
  public static final class Collect implements TaskAction {
    @Override
    public TaskOutcome run(TaskContext t) {
      count(t);
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      t.upstream().forEach(out::set);
      out.set("input", t.input());
      return TaskOutcome.success(out);
    }
  }

  /** Fails with kind {@code params.kind} (default "boom") until attempt {@code params.succeedOn}. */
  public static final class Flaky implements TaskAction {
    @Override
    public TaskOutcome run(TaskContext t) {
      count(t);
      int succeedOn = t.params().path("succeedOn").asInt(Integer.MAX_VALUE);
      if (t.attempt() >= succeedOn) {
        return TaskOutcome.success(IntNode.valueOf(t.attempt()));
      }
      return new TaskOutcome.Failure(t.params().path("kind").asText("boom"),
          "attempt " + t.attempt() + " failed", TextNode.valueOf("partial " + t.attempt()));
    }
  }

  /** Throws. */
  public static final class Throws implements TaskAction {
    @Override
    public TaskOutcome run(TaskContext t) {
      count(t);
      throw new IllegalStateException("exploded in " + t.taskName());
    }
  }

  /** Waits until its gate opens (or it is interrupted), then succeeds. */
  public static final class Gate implements TaskAction {
    @Override
    public TaskOutcome run(TaskContext t) throws InterruptedException {
      count(t);
      CountDownLatch gate = GATES.computeIfAbsent(key(t), k -> new CountDownLatch(1));
      try {
        gate.await();
      } catch (InterruptedException e) {
        INTERRUPTED.add(key(t) + "#" + t.attempt());
        throw e;
      }
      return TaskOutcome.success(TextNode.valueOf("opened"));
    }
  }

  /** Hands its token out (to {@link #TOKENS}) and waits for a third party. */
  public static final class Delegate implements TaskAction {
    @Override
    public TaskOutcome run(TaskContext t) {
      count(t);
      TOKENS.put(key(t), t.callbackToken());
      return TaskOutcome.delayed();
    }
  }

  /** The on-error task: records what it was told. */
  public static final class RecordFailure implements TaskAction {
    @Override
    public TaskOutcome run(TaskContext t) {
      count(t);
      ON_ERROR.put(t.executionId(), t.params());
      return TaskOutcome.success(TextNode.valueOf("notified"));
    }
  }
}
