package dev.drover.flow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.drover.flow.ExecutionEvent.ExecutionCompleted;
import dev.drover.flow.ExecutionEvent.ExecutionPaused;
import dev.drover.flow.ExecutionEvent.ExecutionResumed;
import dev.drover.flow.ExecutionEvent.ExecutionStarted;
import dev.drover.flow.ExecutionEvent.TaskScheduled;
import dev.drover.flow.ExecutionEvent.TaskStarted;
import dev.drover.flow.ExecutionEvent.TaskSucceeded;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link ExecutionState#apply} is total: a journal holds history, so an event the state cannot
 * take is ignored and replay goes on, never an execution that cannot recover.
 */
class ExecutionStateTest {
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
  private static final Instant T1 = T0.plusSeconds(1);

  private static final Flow FLOW = Flow.builder("total")
      .task("a", t -> t.local(TestActions.Echo.class))
      .build();

  private static ExecutionState started() {
    return ExecutionState.EMPTY.apply(new ExecutionStarted("e1", FLOW, null, T0));
  }

  @Test
  void anEventBeforeTheStartIsIgnored() {
    // when a task event or a pause reaches an execution that never started
    ExecutionState s = ExecutionState.EMPTY
        .apply(new TaskScheduled("a", 1, T0))
        .apply(new ExecutionPaused(T0));
    // then it is still not started
    assertThat(s).isEqualTo(ExecutionState.EMPTY);
  }

  @Test
  void aSecondStartIsIgnored() {
    ExecutionState s = started().apply(new TaskScheduled("a", 1, T0));
    // when the start is replayed again, then the task's progress is kept
    ExecutionState again = s.apply(new ExecutionStarted("e1", FLOW, null, T1));
    assertThat(again).isEqualTo(s);
    assertThat(again.task("a").status()).isEqualTo(TaskStatus.SCHEDULED);
  }

  @Test
  void aMoveTheStatusTablesRefuseIsIgnored() {
    // given a running execution whose task never started
    ExecutionState s = started();
    // when its task is said to have succeeded, and the execution to have been resumed
    ExecutionState after = s
        .apply(new TaskSucceeded("a", 1, TextNode.valueOf("x"), T1))
        .apply(new ExecutionResumed(T1));
    // then neither moved
    assertThat(after.task("a").status()).isEqualTo(TaskStatus.PENDING);
    assertThat(after.status()).isEqualTo(ExecutionStatus.RUNNING);
  }

  @Test
  void withinARoundAnIllegalEventIsSkippedAndTheOthersAreTaken() {
    // given a round whose middle event is illegal (a second pause)
    ExecutionState s = started().apply(new ExecutionEvent.Round(List.of(
        new TaskScheduled("a", 1, T0),
        new ExecutionPaused(T0),
        new ExecutionPaused(T0),
        new ExecutionResumed(T0),
        new TaskStarted("a", 1, "tok", null, T0),
        new TaskSucceeded("a", 1, TextNode.valueOf("done"), T1),
        new ExecutionCompleted(TextNode.valueOf("done"), T1)), T1));
    // then the rest of the round took effect
    assertThat(s.task("a").status()).isEqualTo(TaskStatus.SUCCEEDED);
    assertThat(s.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
  }
}
