package dev.drover.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.node.WorkContext;

/**
 * A piece of bench work nobody cancels, whose output goes nowhere ({@code true} prints none):
 * what {@link HandlerFloor} and {@link SpawnCost} hand the shell handler.
 *
 * @param workId the work's id, for the handler's log lines
 */
record QuietWork(String workId) implements WorkContext {
  @Override
  public void emit(JsonNode payload) {}

  @Override
  public boolean isCancelled() {
    return false;
  }

  @Override
  public void onCancel(Runnable action) {}
}
