package dev.drover.node;

import com.fasterxml.jackson.databind.JsonNode;

/** A handler whose worker can never start: its constructor throws. */
public final class DiesAtStart implements WorkerHandler {
  public DiesAtStart() {
    throw new IllegalStateException("this worker always dies at start");
  }

  @Override
  public JsonNode handle(JsonNode input, WorkContext context) {
    throw new UnsupportedOperationException();
  }
}
