package dev.drover.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.concurrent.CountDownLatch;

/** A handler that emits "started" and then waits until its work is cancelled. */
public final class Sleeper implements WorkerHandler {
  @Override
  public JsonNode handle(JsonNode input, WorkContext context) throws InterruptedException {
    CountDownLatch cancelled = new CountDownLatch(1);
    context.onCancel(cancelled::countDown);
    context.emit(TextNode.valueOf("started"));
    cancelled.await();
    return TextNode.valueOf("stopped");
  }
}
