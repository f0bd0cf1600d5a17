package dev.drover.flow;

import java.time.Instant;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The runs of an execution's tasks, in flow order with the on-error task last once it ran: an
 * immutable map whose copy with one run changed is an array copy. The state of an execution is
 * folded from thousands of events in a large flow, each making a new state; copying a hash map
 * for each (every entry rehashed) made a 2,000-task job's rounds cost as much as its scripts.
 * Equal to any map of the same runs; Jackson writes it as a map, and reads it back as one that
 * {@link ExecutionState} indexes again.
 */
final class TaskRuns extends AbstractMap<String, TaskRun> {
  /** Slot by task name, shared by every copy of one execution's runs. */
  private final Map<String, Integer> slots;
  private final TaskRun[] runs;
  private final int size;
  private Set<Entry<String, TaskRun>> entries;

  private TaskRuns(Map<String, Integer> slots, TaskRun[] runs, int size) {
    this.slots = slots;
    this.runs = runs;
    this.size = size;
  }

  /** Every task of {@code flow} pending since {@code at}. */
  static TaskRuns pending(Flow flow, Instant at) {
    Map<String, Integer> slots = slots(flow);
    TaskRun[] runs = new TaskRun[slots.size()];
    for (Task t : flow.tasks()) {
      runs[slots.get(t.name())] = TaskRun.pending(t.name(), at);
    }
    return new TaskRuns(slots, runs, flow.tasks().size());
  }

  /**
   * {@code runs} of an execution of {@code flow} indexed, or as they are when one has no slot
   * (a task the flow does not know: history written by another version).
   */
  static Map<String, TaskRun> of(Flow flow, Map<String, TaskRun> runs) {
    if (runs instanceof TaskRuns indexed) {
      return indexed;
    }
    Map<String, Integer> slots = slots(flow);
    TaskRun[] array = new TaskRun[slots.size()];
    int last = -1;
    for (Map.Entry<String, TaskRun> e : runs.entrySet()) {
      Integer slot = slots.get(e.getKey());
      // a run out of flow order would change the order the map is read in
      if (slot == null || slot <= last || e.getValue() == null) {
        return runs;
      }
      array[slot] = e.getValue();
      last = slot;
    }
    return new TaskRuns(slots, array, runs.size());
  }

  private static Map<String, Integer> slots(Flow flow) {
    Map<String, Integer> positions = FlowTasks.of(flow.tasks()).positions();
    if (flow.onError() == null) {
      return positions;
    }
    Map<String, Integer> slots = new HashMap<>(positions);
    slots.put(flow.onError().name(), flow.tasks().size());
    return slots;
  }

  /** These runs with {@code run} in its task's place, added last when it had none. */
  Map<String, TaskRun> with(TaskRun run) {
    Integer slot = slots.get(run.name());
    boolean ordered = slot != null && (runs[slot] != null || isLastSoFar(slot));
    if (!ordered) {
      Map<String, TaskRun> copy = new LinkedHashMap<>(this);
      copy.put(run.name(), run);
      return copy;
    }
    TaskRun[] next = runs.clone();
    int added = next[slot] == null ? 1 : 0;
    next[slot] = run;
    return new TaskRuns(slots, next, size + added);
  }

  /** No run sits after {@code slot}, so filling it keeps the order of insertion. */
  private boolean isLastSoFar(int slot) {
    for (int i = slot + 1; i < runs.length; i++) {
      if (runs[i] != null) {
        return false;
      }
    }
    return true;
  }

  @Override
  public TaskRun get(Object name) {
    Integer slot = slots.get(name);
    return slot == null ? null : runs[slot];
  }

  @Override
  public boolean containsKey(Object name) {
    return get(name) != null;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public Set<Entry<String, TaskRun>> entrySet() {
    if (entries == null) {
      entries = new AbstractSet<>() {
        @Override
        public Iterator<Entry<String, TaskRun>> iterator() {
          return new Iterator<>() {
            private int next = advance(0);

            private int advance(int from) {
              int i = from;
              while (i < runs.length && runs[i] == null) {
                i++;
              }
              return i;
            }

            @Override
            public boolean hasNext() {
              return next < runs.length;
            }

            @Override
            public Entry<String, TaskRun> next() {
              if (!hasNext()) {
                throw new NoSuchElementException();
              }
              TaskRun run = runs[next];
              next = advance(next + 1);
              return new SimpleImmutableEntry<>(run.name(), run);
            }
          };
        }

        @Override
        public int size() {
          return size;
        }
      };
    }
    return entries;
  }
}
