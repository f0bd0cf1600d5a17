package dev.drover.pipeline.definition;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cycles in a pipeline's {@code depends_on} graph, each one a list of task names that starts
 * and ends with the same task: {@code [a, b, c, a]} means a depends on b, b on c and c on a.
 *
 * <p>Tasks that depend on each other in several overlapping circles are one tangle (a strongly
 * connected component); each tangle is reported once, by its shortest circle through the tangle's
 * first task in declaration order, so that a file with one mistake gets one message.
 */
final class DependencyCycles {

  private final Map<String, List<String>> dependsOn;
  private final Map<String, Integer> index = new HashMap<>();
  private final Map<String, Integer> lowLink = new HashMap<>();
  private final Deque<String> stack = new ArrayDeque<>();
  private final Set<String> onStack = new HashSet<>();
  private final List<Set<String>> components = new ArrayList<>();

  private DependencyCycles(Map<String, List<String>> dependsOn) {
    this.dependsOn = dependsOn;
  }

  /**
   * One cycle per tangle, ordered by their first tasks' places in {@code dependsOn}.
   *
   * @param dependsOn each task's dependencies in declaration order; dependencies that are not
   *     keys (unknown tasks) are ignored
   */
  static List<List<String>> find(Map<String, List<String>> dependsOn) {
    DependencyCycles search = new DependencyCycles(new LinkedHashMap<>(dependsOn));
    for (String task : dependsOn.keySet()) {
      if (!search.index.containsKey(task)) {
        search.connect(task);
      }
    }
    List<String> order = new ArrayList<>(dependsOn.keySet());
    List<List<String>> cycles = new ArrayList<>();
    for (Set<String> component : search.components) {
      String first = Collections.min(component, (a, b) -> order.indexOf(a) - order.indexOf(b));
      boolean cyclic = component.size() > 1 || search.edges(first).contains(first);
      if (cyclic) {
        cycles.add(search.shortestCycle(first, component));
      }
    }
    cycles.sort((a, b) -> order.indexOf(a.get(0)) - order.indexOf(b.get(0)));
    return cycles;
  }

  /** Tarjan's strongly connected components; pipelines are small enough to recurse. */
  private void connect(String task) {
    index.put(task, index.size());
    lowLink.put(task, index.get(task));
    stack.push(task);
    onStack.add(task);
    for (String next : edges(task)) {
      if (!index.containsKey(next)) {
        connect(next);
        lowLink.put(task, Math.min(lowLink.get(task), lowLink.get(next)));
      } else if (onStack.contains(next)) {
        lowLink.put(task, Math.min(lowLink.get(task), index.get(next)));
      }
    }
    if (lowLink.get(task).equals(index.get(task))) {
      Set<String> component = new HashSet<>();
      String member;
      do {
        member = stack.pop();
        onStack.remove(member);
        component.add(member);
      } while (!member.equals(task));
      components.add(component);
    }
  }

  private List<String> edges(String task) {
    return dependsOn.getOrDefault(task, List.of()).stream()
        .filter(dependsOn::containsKey)
        .toList();
  }

  /** Breadth first from {@code start} inside its component, back to {@code start}. */
  private List<String> shortestCycle(String start, Set<String> component) {
    Map<String, String> previous = new HashMap<>();
    Deque<String> queue = new ArrayDeque<>(List.of(start));
    while (!queue.isEmpty()) {
      String task = queue.poll();
      for (String next : edges(task)) {
        if (next.equals(start)) {
          List<String> cycle = new ArrayList<>(List.of(start));
          for (String t = task; !t.equals(start); t = previous.get(t)) {
            cycle.add(1, t);
          }
          cycle.add(start);
          return cycle;
        }
        if (component.contains(next) && !previous.containsKey(next)) {
          previous.put(next, task);
          queue.add(next);
        }
      }
    }
    throw new IllegalStateException("no cycle through " + start + " in " + component);
  }
}
