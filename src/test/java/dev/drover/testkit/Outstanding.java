package dev.drover.testkit;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** What the simulation's clients asked for and has not ended yet: each must end. */
final class Outstanding {
  private final Map<Long, String> open = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final AtomicLong followed = new AtomicLong();

  <T> CompletionStage<T> follow(String what, CompletionStage<T> stage) {
    long id = ids.incrementAndGet();
    followed.incrementAndGet();
    open.put(id, what);
    stage.whenComplete((r, e) -> open.remove(id));
    return stage;
  }

  int count() {
    return open.size();
  }

  long followed() {
    return followed.get();
  }

  /** A few of the open ones, for a failure message. */
  List<String> sample() {
    return open.values().stream().limit(10).toList();
  }
}
