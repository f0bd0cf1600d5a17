package dev.drover.pipeline.definition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The definition values: equality (which a reload uses to see changes) and their invariants. */
class PipelineDefinitionTest {

  private static PipelineDefinition pipeline1(String task1Script) {
    Map<String, TaskDefinition> tasks = new LinkedHashMap<>();
    tasks.put("task1", TaskDefinition.of("task1", List.of(task1Script), List.of()));
    tasks.put("task2", TaskDefinition.of("task2", List.of("echo 'Done'"), List.of("task1")));
    return new PipelineDefinition("pipeline1", 1, null, QueueStrategy.REPLACE, null,
        Duration.ofMinutes(2), false, Duration.ofHours(48), 5, Map.of("FOO", "BAR"), null, tasks,
        null, true, null);
  }

  // Ports prunner's TestPipelinesDef_Equals: a definition equals itself and a copy, and not one
  // whose task script changed. Java records give the equality prunner writes by hand.
  @Test
  void definitionsAreEqualExactlyWhenEverySettingIsEqual() {
    // given a pipeline, a copy of it and a version whose task1 prints something else
    PipelineDefinition def1 = pipeline1("echo 'Hello World'");
    PipelineDefinition copy = pipeline1("echo 'Hello World'");
    PipelineDefinition changed = pipeline1("echo 'Hello Change'");

    // when they are compared
    // then the pipeline equals itself and its copy, and not the changed one
    assertThat(def1).isEqualTo(def1);
    assertThat(def1).isEqualTo(copy).hasSameHashCodeAs(copy);
    assertThat(def1).as("a changed task script").isNotEqualTo(changed);
  }

  @Test
  void theMapsOfADefinitionKeepTheirOrderAndCannotBeChanged() {
    // given tasks and env put in non-alphabetical order
    Map<String, String> env = new LinkedHashMap<>();
    env.put("Z", "1");
    env.put("A", "2");
    PipelineDefinition p = new PipelineDefinition("p", 1, null, QueueStrategy.APPEND, null,
        Duration.ZERO, false, null, null, env, null, pipeline1("x").tasks(), null, true, null);

    // when the definition is read back
    // then the order is kept, and the maps are read-only copies
    assertThat(p.env().keySet()).containsExactly("Z", "A");
    assertThat(p.tasks().keySet()).containsExactly("task1", "task2");
    env.put("LATER", "3");
    assertThat(p.env()).doesNotContainKey("LATER");
    assertThat(p.env()).isUnmodifiable();
    assertThat(p.tasks()).isUnmodifiable();
  }

  @Test
  void aConcurrencyBelowOneIsRefusedByTheConstructorToo() {
    // given a definition built in code with concurrency 0
    // when it is constructed
    // then it is refused, as the loader refuses it in a file
    assertThatIllegalArgumentException().isThrownBy(() ->
        new PipelineDefinition("p", 0, null, QueueStrategy.APPEND, null, Duration.ZERO, false,
            null, null, Map.of(), null, Map.of(), null, true, null))
        .withMessageContaining("concurrency must be greater than 0");
  }

  @Test
  void aRetryDefinitionBecomesTheFlowLayersPolicyWithTheSameCount() {
    // given retry {count: 3, delay: 10s, backoff: 2}
    RetryDefinition retry = new RetryDefinition(3, Duration.ofSeconds(10), 2.0);

    // when it becomes a retry policy
    var policy = retry.toRetryPolicy();

    // then there are three retries after the first attempt, the delays doubling
    assertThat(policy.retries(3, "error")).isTrue();
    assertThat(policy.retries(4, "error")).isFalse();
    assertThat(policy.delayAfter(1)).isEqualTo(Duration.ofSeconds(10));
    assertThat(policy.delayAfter(3)).isEqualTo(Duration.ofSeconds(40));
  }
}
