package dev.drover.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.flow.FlowValidationException.Problem;
import java.util.List;
import org.assertj.core.api.ThrowableAssertAlternative;
import org.assertj.core.api.Assertions;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** What {@link Flow.Builder#build()} accepts and how it names what it refuses. */
class FlowTest {

  private static ThrowableAssertAlternative<FlowValidationException> refused(
      ThrowingCallable build, Problem problem) {
    return Assertions.assertThatExceptionOfType(FlowValidationException.class)
        .isThrownBy(build)
        .matches(e -> e.problem() == problem, "problem is " + problem);
  }

  @Test
  void aFlowWithoutTasksIsRefusedAsEmpty() {
    // given a flow with no task
    // when it is built
    // then it is refused as EMPTY, naming the flow
    refused(() -> Flow.builder("nothing").build(), Problem.EMPTY)
        .withMessageContaining("'nothing'");
  }

  @Test
  void twoTasksWithTheSameNameAreRefusedNamingTheTask() {
    // given two tasks both called "build"
    // when the flow is built
    // then it is refused as DUPLICATE_TASK and the message names the task
    refused(() -> Flow.builder("dup")
            .task("build", t -> t.local(TestActions.Echo.class))
            .task("build", t -> t.local(TestActions.Echo.class))
            .build(),
        Problem.DUPLICATE_TASK)
        .withMessageContaining("'build'");
  }

  @Test
  void aDependencyOnAnUnknownTaskIsRefusedNamingBothTasks() {
    // given "deploy" depending on "tset", which does not exist
    // when the flow is built
    // then it is refused as UNKNOWN_DEPENDENCY, naming both the task and the unknown one
    refused(() -> Flow.builder("typo")
            .task("test", t -> t.local(TestActions.Echo.class))
            .task("deploy", t -> t.local(TestActions.Echo.class).dependsOn("tset"))
            .build(),
        Problem.UNKNOWN_DEPENDENCY)
        .withMessageContaining("'deploy'")
        .withMessageContaining("'tset'");
  }

  @Test
  void aCycleIsRefusedListingItsTasksInOrder() {
    // given a depends on b, b on c and c on a
    // when the flow is built
    // then it is refused as CYCLE and the message walks the cycle once, in dependency order
    FlowValidationException e = Assertions.catchThrowableOfType(FlowValidationException.class,
        () -> Flow.builder("loop")
            .task("a", t -> t.local(TestActions.Echo.class).dependsOn("b"))
            .task("b", t -> t.local(TestActions.Echo.class).dependsOn("c"))
            .task("c", t -> t.local(TestActions.Echo.class).dependsOn("a"))
            .build());

    assertThat(e).isNotNull();
    assertThat(e.problem()).isEqualTo(Problem.CYCLE);
    assertThat(e.getMessage()).contains("a", "b", "c", " -> ");
    assertThat(e.getMessage()).containsAnyOf("a -> b -> c -> a", "b -> c -> a -> b",
        "c -> a -> b -> c");
  }

  @Test
  void aTaskDependingOnItselfIsACycle() {
    // given a task that depends on itself
    // when the flow is built
    // then it is refused as CYCLE, the cycle being the task alone
    refused(() -> Flow.builder("self")
            .task("a", t -> t.local(TestActions.Echo.class).dependsOn("a"))
            .build(),
        Problem.CYCLE)
        .withMessageContaining("a -> a");
  }

  @Test
  void anOnErrorTaskThatDependsOnATaskIsRefused() {
    // given an on-error task that depends on a task of the flow
    // when the flow is built
    // then it is refused: the on-error task runs after a failure and depends on nothing
    refused(() -> Flow.builder("handler")
            .task("a", t -> t.local(TestActions.Echo.class))
            .onError(t -> t.local(TestActions.RecordFailure.class).dependsOn("a"))
            .build(),
        Problem.INVALID)
        .withMessageContaining("on-error");
  }

  @Test
  void aTaskNamedLikeTheOnErrorTaskIsRefusedWhenThereIsOne() {
    // given a task called on_error beside an on-error task
    // when the flow is built
    // then the clash is refused as DUPLICATE_TASK
    refused(() -> Flow.builder("clash")
            .task(Flow.ON_ERROR, t -> t.local(TestActions.Echo.class))
            .onError(t -> t.local(TestActions.RecordFailure.class))
            .build(),
        Problem.DUPLICATE_TASK)
        .withMessageContaining("'" + Flow.ON_ERROR + "'");
  }

  @Test
  void anOutputNamingAnUnknownTaskIsRefusedNamingTheFieldAndTheTask() {
    // given an output field taken from a task that does not exist
    // when the flow is built
    // then it is refused as UNKNOWN_DEPENDENCY, naming the field and the task
    refused(() -> Flow.builder("out")
            .task("a", t -> t.local(TestActions.Echo.class))
            .output("result", "b")
            .build(),
        Problem.UNKNOWN_DEPENDENCY)
        .withMessageContaining("'result'")
        .withMessageContaining("'b'");
  }

  @Test
  void aTaskWithoutActionIsRefusedNamingTheTask() {
    // given a task that says neither local, delegate nor node
    // when it is added to a flow
    // then it is refused, naming the task
    refused(() -> Flow.builder("idle").task("nothing", t -> t.dependsOn()).build(),
        Problem.INVALID)
        .withMessageContaining("'nothing'")
        .withMessageContaining("no action");
  }

  @Test
  void aTaskNameWithSpacesIsRefused() {
    refused(() -> Flow.builder("names").task("two words", t -> t.local(TestActions.Echo.class))
            .build(),
        Problem.INVALID)
        .withMessageContaining("'two words'");
  }

  @Test
  void aNegativeMaxParallelIsRefused() {
    refused(() -> Flow.builder("limits").task("a", t -> t.local(TestActions.Echo.class))
            .maxParallel(-1).build(),
        Problem.INVALID)
        .withMessageContaining("-1");
  }

  @Test
  void theSinksOfAValidFlowAreTheTasksNothingDependsOn() {
    // given a -> (b, c), and d on its own
    Flow flow = Flow.builder("fan-out")
        .task("a", t -> t.local(TestActions.Echo.class))
        .task("b", t -> t.local(TestActions.Echo.class).dependsOn("a"))
        .task("c", t -> t.local(TestActions.Echo.class).dependsOn("a"))
        .task("d", t -> t.local(TestActions.Echo.class))
        .onError(t -> t.local(TestActions.RecordFailure.class))
        .build();

    // when its sinks are asked for
    List<String> sinks = flow.sinks();

    // then they are b, c and d, in definition order, and not the on-error task
    assertThat(sinks).containsExactly("b", "c", "d");
  }

  @Test
  void aValidFlowKeepsItsTasksInDefinitionOrderAndFindsTheOnErrorTaskByName() {
    // given a valid diamond with an on-error task
    Flow flow = Flow.builder("diamond")
        .task("a", t -> t.local(TestActions.Echo.class))
        .task("b", t -> t.local(TestActions.Echo.class).dependsOn("a"))
        .task("c", t -> t.local(TestActions.Echo.class).dependsOn("a"))
        .task("d", t -> t.local(TestActions.Echo.class).dependsOn("b", "c"))
        .onError(t -> t.local(TestActions.RecordFailure.class))
        .build();

    // then its tasks keep their order and the on-error task is found by its name
    assertThat(flow.tasks()).extracting(Task::name).containsExactly("a", "b", "c", "d");
    assertThat(flow.failFast()).isTrue();
    assertThat(flow.task(Flow.ON_ERROR)).isSameAs(flow.onError());
    assertThat(flow.task("missing")).isNull();
    assertThat(flow.sinks()).containsExactly("d");
    assertThatThrownBy(() -> flow.tasks().add(flow.task("a")))
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
