package dev.drover.flow;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a task runs. Actions are named, not held as objects, so an execution's flow can be
 * journaled and resumed by any JVM that has the same classes.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = ActionSpec.Local.class, name = "local"),
    @JsonSubTypes.Type(value = ActionSpec.Delegate.class, name = "delegate"),
    @JsonSubTypes.Type(value = ActionSpec.Node.class, name = "node")
})
public sealed interface ActionSpec {

  /** A {@link TaskAction} class run in the engine's JVM. */
  record Local(String className) implements ActionSpec {}

  /**
   * A {@link TaskAction} class that starts outside work and answers {@link TaskOutcome#delayed()};
   * the task then waits, holding nothing, until {@code completeTask} is called with its token.
   */
  record Delegate(String className) implements ActionSpec {}

  /**
   * Work for a worker leased from the node pool of kind {@code pool}, e.g. {@code shell} with
   * {@code {"script": [...]}}; the worker's payloads go to the execution's output sink and its
   * result is the task's output. For {@code shell}, a non-zero exit code is a failure of kind
   * {@code "exit-code"}. With {@code awaitCallback}, a successful run is not the end: the task
   * then waits, like a delegate, for {@code completeTask} with its callback token.
   */
  record Node(String pool, JsonNode input, boolean awaitCallback) implements ActionSpec {
    public Node(String pool, JsonNode input) {
      this(pool, input, false);
    }
  }
}
