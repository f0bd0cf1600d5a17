package dev.drover.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.pipeline.PipelineApi.TaskView;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Port of prunner's TestJobTasks_sortTasksByDependencies: every case, prunner's expectations. */
class PrunnerTaskOrderTest {

  private static List<String> order(String... nameThenDeps) {
    List<TaskView> tasks = new ArrayList<>();
    for (String t : nameThenDeps) {
      String[] parts = t.split(":");
      List<String> deps = parts.length > 1 ? List.of(parts[1].split(",")) : List.of();
      tasks.add(new TaskView(parts[0], deps, "waiting", null, null, false, 0, false, null));
    }
    return PrunnerTaskOrder.sorted(tasks).stream().map(TaskView::name).toList();
  }

  @Test
  void withoutDependenciesByName() {
    assertThat(order("zeta", "alpha")).containsExactly("alpha", "zeta");
  }

  @Test
  void aSimpleDependency() {
    assertThat(order("b:a", "a")).containsExactly("a", "b");
  }

  @Test
  void aChain() {
    assertThat(order("site_export:prepare_directory", "build_archive:site_export",
        "prepare_directory"))
        .containsExactly("prepare_directory", "site_export", "build_archive");
  }

  @Test
  void aComplexGraph() {
    assertThat(order("a", "b:a,e", "c:d,b", "d:a", "e:a", "f:b,e", "g:c,f"))
        .containsExactly("a", "d", "e", "b", "c", "f", "g");
  }
}
