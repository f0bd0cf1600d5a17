package dev.drover.flow;

/**
 * The code of a local or delegate task, run in the engine's JVM on the dispatcher
 * {@code drover.flow.local-dispatcher} (never on Pekko's default dispatcher).
 *
 * <p>Implementations are public classes with a public no-argument constructor: a flow names its
 * action by class so that an execution can be resumed by another JVM after a crash.
 *
 * <pre>{@code
 * public final class Charge implements TaskAction {
 *   public TaskOutcome run(TaskContext task) {
 *     JsonNode order = task.input().get("order");
 *     return TaskOutcome.success(TextNode.valueOf("charged " + order));
 *   }
 * }
 * }</pre>
 *
 * <p>A delegate action starts outside work, hands {@link TaskContext#callbackToken()} to the
 * third party that will finish it, and returns {@link TaskOutcome#delayed()}; the third party
 * later calls {@code FlowService.completeTask} with the token.
 */
@FunctionalInterface
public interface TaskAction {

  /**
   * Runs one attempt of the task.
   *
   * @return its outcome; throwing is a failure of kind {@code "exception"}
   */
  TaskOutcome run(TaskContext task) throws Exception;
}
