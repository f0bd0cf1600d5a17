package dev.drover.node;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A handler for the limits of work: {@code {"op": "echo", "value": v}} sends {@code v} as a
 * payload and returns it; {@code {"op": "stubborn"}} sleeps for ten minutes, ignoring every
 * interrupt and cancel.
 */
public final class Limits implements WorkerHandler {
  @Override
  public JsonNode handle(JsonNode input, WorkContext context) {
    if (input.path("op").asText().equals("stubborn")) {
      long end = System.nanoTime() + 600_000_000_000L;
      while (System.nanoTime() < end) {
        try {
          Thread.sleep(1000);
        } catch (InterruptedException ignored) {
          // stubborn on purpose
        }
      }
      return input;
    }
    context.emit(input.get("value"));
    return input.get("value");
  }
}
