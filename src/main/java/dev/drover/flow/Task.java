package dev.drover.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One named step of a {@link Flow}.
 *
 * @param name unique within the flow
 * @param action what it runs
 * @param dependsOn tasks that must end first; their outputs are this task's upstream inputs
 * @param params the task's own inputs
 * @param retry when to try again after a failure
 * @param timeout the watchdog: an attempt (delegate waits included) running longer fails with
 *     kind {@code "timeout"}; null for none
 * @param allowFailure a failure of this task neither fails the execution nor stops its dependents
 * @param idempotent whether an attempt that was running when the engine crashed may simply run
 *     again; if not, it fails as {@code "interrupted"} and the retry policy decides
 */
public record Task(
    String name, ActionSpec action, List<String> dependsOn, JsonNode params, RetryPolicy retry,
    Duration timeout, boolean allowFailure, boolean idempotent) {

  public Task {
    Objects.requireNonNull(name, "task name");
    Objects.requireNonNull(action, "action of task " + name);
    dependsOn = List.copyOf(dependsOn);
    params = params == null ? NullNode.getInstance() : params;
    retry = retry == null ? RetryPolicy.NONE : retry;
    if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
      throw new IllegalArgumentException("timeout of task '" + name + "' must be positive");
    }
  }
}
