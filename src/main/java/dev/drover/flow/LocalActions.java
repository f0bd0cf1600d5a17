package dev.drover.flow;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;

/**
 * Runs local and delegate actions on the engine's own dispatcher, one new action instance per
 * attempt. A cancelled attempt's thread is interrupted.
 */
final class LocalActions {
  private final Executor dispatcher;
  private final Map<String, Class<? extends TaskAction>> classes = new ConcurrentHashMap<>();

  LocalActions(Executor dispatcher) {
    this.dispatcher = dispatcher;
  }

  Attempt run(String className, TaskContext context) {
    CompletableFuture<TaskOutcome> outcome = new CompletableFuture<>();
    FutureTask<Void> task = new FutureTask<>(() -> {
      try {
        TaskOutcome o = instantiate(className).run(context);
        outcome.complete(o == null ? TaskOutcome.success(null) : o);
      } catch (InterruptedException e) {
        outcome.complete(TaskOutcome.failure("cancelled", "interrupted"));
      } catch (Exception | LinkageError e) {
        outcome.complete(TaskOutcome.failure("exception",
            e.getMessage() == null ? e.toString() : e.getMessage()));
      }
      return null;
    });
    dispatcher.execute(task);
    return new Attempt(outcome, () -> task.cancel(true));
  }

  private TaskAction instantiate(String className) throws ReflectiveOperationException {
    Class<? extends TaskAction> type = classes.get(className);
    if (type == null) {
      Class<?> c = Class.forName(className);
      if (!TaskAction.class.isAssignableFrom(c)) {
        throw new IllegalArgumentException(className + " does not implement TaskAction");
      }
      type = c.asSubclass(TaskAction.class);
      classes.put(className, type);
    }
    return type.getConstructor().newInstance();
  }
}
