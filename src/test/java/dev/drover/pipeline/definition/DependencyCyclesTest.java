package dev.drover.pipeline.definition;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Finding the cycles of a depends_on graph, one per tangle. */
class DependencyCyclesTest {

  private static Map<String, List<String>> graph(Object... taskThenDeps) {
    Map<String, List<String>> graph = new LinkedHashMap<>();
    for (int i = 0; i < taskThenDeps.length; i += 2) {
      @SuppressWarnings("unchecked")
      List<String> deps = (List<String>) taskThenDeps[i + 1];
      graph.put((String) taskThenDeps[i], deps);
    }
    return graph;
  }

  @Test
  void aGraphWithoutCyclesHasNone() {
    // given a diamond: d on b and c, both on a
    // when cycles are searched
    // then there are none
    assertThat(DependencyCycles.find(graph(
        "a", List.of(), "b", List.of("a"), "c", List.of("a"), "d", List.of("b", "c"))))
        .isEmpty();
  }

  @Test
  void overlappingCirclesAreOneCycleThroughTheFirstDeclaredTask() {
    // given a on b, b on a and on c, c on a: two circles through a, one tangle
    // when cycles are searched
    // then one cycle is reported, the shortest through a
    assertThat(DependencyCycles.find(graph(
        "a", List.of("b"), "b", List.of("c", "a"), "c", List.of("a"))))
        .containsExactly(List.of("a", "b", "a"));
  }

  @Test
  void separateCyclesAreEachReportedInDeclarationOrder() {
    // given x depending on itself declared after a two-task cycle, and an unknown dependency
    // when cycles are searched
    // then both cycles are reported, and the unknown task is ignored
    assertThat(DependencyCycles.find(graph(
        "p", List.of("q", "missing"), "q", List.of("p"), "x", List.of("x"))))
        .containsExactly(List.of("p", "q", "p"), List.of("x", "x"));
  }
}
