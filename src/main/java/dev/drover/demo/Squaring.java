package dev.drover.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.LongNode;
import dev.drover.node.WorkContext;
import dev.drover.node.WorkerHandler;

/** The demo's worker: squares the number it is given, as one payload and as the result. */
public final class Squaring implements WorkerHandler {
  @Override
  public JsonNode handle(JsonNode input, WorkContext context) {
    if (!input.canConvertToLong()) {
      throw new IllegalArgumentException("squaring needs an integer, got " + input);
    }
    long n = input.asLong();
    JsonNode square = LongNode.valueOf(Math.multiplyExact(n, n));
    context.emit(square);
    return square;
  }
}
