package dev.drover.flow;

import java.util.AbstractList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * A flow's tasks in their order, immutable, with a lookup by name: the engine looks a task up for
 * every dependency it checks in every round, and a scan of the list made a round of a 2,000-task
 * flow cost milliseconds ({@code bench/run-dag}'s 2,000-task DAG spent four fifths of the
 * server's time there). Equal to any list of the same tasks.
 */
final class FlowTasks extends AbstractList<Task> implements RandomAccess {
  private final Task[] tasks;
  private final Map<String, Integer> positions;

  private FlowTasks(Task[] tasks, Map<String, Integer> positions) {
    this.tasks = tasks;
    this.positions = positions;
  }

  /** {@code tasks} as an immutable indexed list; no element may be null. */
  static FlowTasks of(List<Task> tasks) {
    if (tasks instanceof FlowTasks indexed) {
      return indexed;
    }
    Task[] copy = tasks.toArray(Task[]::new);
    Map<String, Integer> positions = new HashMap<>(copy.length * 2);
    for (int i = 0; i < copy.length; i++) {
      Objects.requireNonNull(copy[i], "a flow's task");
      // a duplicate name is refused by the flow's validation, which reports it
      positions.putIfAbsent(copy[i].name(), i);
    }
    return new FlowTasks(copy, Map.copyOf(positions));
  }

  /** The task called {@code name}, or null. */
  Task named(String name) {
    Integer i = positions.get(name);
    return i == null ? null : tasks[i];
  }

  /** Every task's position by its name. */
  Map<String, Integer> positions() {
    return positions;
  }

  @Override
  public Task get(int index) {
    return tasks[index];
  }

  @Override
  public int size() {
    return tasks.length;
  }
}
