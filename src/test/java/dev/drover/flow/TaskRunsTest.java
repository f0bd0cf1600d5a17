package dev.drover.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.flow.ExecutionEvent.ExecutionStarted;
import dev.drover.flow.ExecutionEvent.TaskScheduled;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An execution's task runs are an indexed map that must read exactly as the insertion-ordered
 * map it replaces: flow order, the on-error task last, equal to a plain map of the same runs.
 */
class TaskRunsTest {
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

  private static final Flow FLOW = Flow.builder("indexed")
      .task("c", t -> t.local(TestActions.Echo.class))
      .task("a", t -> t.local(TestActions.Echo.class).dependsOn("c"))
      .task("b", t -> t.local(TestActions.Echo.class).dependsOn("c"))
      .onError(t -> t.local(TestActions.Echo.class))
      .build();

  @Test
  void runsReadInFlowOrderAndEqualAPlainMapOfTheSameRuns() {
    ExecutionState s = ExecutionState.EMPTY.apply(new ExecutionStarted("e1", FLOW, null, T0))
        .apply(new TaskScheduled("b", 1, T0));
    assertThat(s.tasks()).isInstanceOf(TaskRuns.class);
    assertThat(s.tasks().keySet()).containsExactly("c", "a", "b");
    assertThat(s.task("b").status()).isEqualTo(TaskStatus.SCHEDULED);
    assertThat(s.task("nope")).isNull();

    Map<String, TaskRun> plain = new LinkedHashMap<>(s.tasks());
    assertThat(s.tasks()).isEqualTo(plain);
    assertThat(plain).isEqualTo(s.tasks());
    assertThat(s.tasks().hashCode()).isEqualTo(plain.hashCode());
    // a state made from the plain map (as Jackson reads a snapshot) is indexed again and equal
    ExecutionState read = new ExecutionState(s.id(), s.flow(), s.input(), s.status(), plain,
        s.startedAt(), s.endedAt(), s.output(), s.failedTask(), s.error());
    assertThat(read.tasks()).isInstanceOf(TaskRuns.class);
    assertThat(read).isEqualTo(s);
  }

  @Test
  void theOnErrorTaskComesLastOnceItRan() {
    ExecutionState s = ExecutionState.EMPTY.apply(new ExecutionStarted("e1", FLOW, null, T0));
    assertThat(s.tasks()).doesNotContainKey(Flow.ON_ERROR).hasSize(3);
    ExecutionState after = s.apply(new TaskScheduled(Flow.ON_ERROR, 1, T0));
    assertThat(after.tasks().keySet()).containsExactly("c", "a", "b", Flow.ON_ERROR);
    assertThat(after.tasks()).hasSize(4);
    // the earlier state did not change
    assertThat(s.tasks()).hasSize(3);
  }

  @Test
  void aTaskTheFlowDoesNotKnowIsKeptAfterTheOthers() {
    // history written by another version may name a task this flow lacks
    ExecutionState s = ExecutionState.EMPTY.apply(new ExecutionStarted("e1", FLOW, null, T0))
        .apply(new TaskScheduled("gone", 1, T0));
    assertThat(s.tasks().keySet()).containsExactly("c", "a", "b", "gone");
    assertThat(s.task("gone").status()).isEqualTo(TaskStatus.SCHEDULED);
  }

  @Test
  void runsAndTasksAreImmutable() {
    ExecutionState s = ExecutionState.EMPTY.apply(new ExecutionStarted("e1", FLOW, null, T0));
    assertThatThrownBy(() -> s.tasks().put("x", s.task("a")))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> FLOW.tasks().add(FLOW.task("a")))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(FLOW.tasks()).isEqualTo(List.copyOf(FLOW.tasks()));
    assertThat(FLOW.task("b").dependsOn()).containsExactly("c");
    assertThat(FLOW.task(Flow.ON_ERROR)).isNotNull();
  }
}
