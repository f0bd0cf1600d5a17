package dev.drover.node;

import dev.drover.node.shell.ShellHandler;
import java.lang.reflect.InvocationTargetException;

/** Finds the {@link WorkerHandler} of a worker kind: built in, or loaded by class name. */
final class WorkerHandlers {
  private WorkerHandlers() {}

  /**
   * The handler for {@code kind}: the built-in shell handler for {@code shell} without a class
   * name, else a new instance of {@code handlerClass}.
   *
   * @throws IllegalArgumentException naming the class and what is wrong with it
   */
  public static WorkerHandler load(PoolSettings settings) {
    if (settings.handlerClass() == null) {
      return new ShellHandler(settings.cancelGracePeriod(), settings.processDir(),
          settings.cancelSignal());
    }
    return instantiate(settings.handlerClass());
  }

  /** A new instance of {@code className}, which must implement {@link WorkerHandler}. */
  public static WorkerHandler instantiate(String className) {
    Class<?> type;
    try {
      type = Class.forName(className);
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException(
          "worker handler class '" + className + "' is not on the class path", e);
    }
    if (!WorkerHandler.class.isAssignableFrom(type)) {
      throw new IllegalArgumentException(
          "worker handler class '" + className + "' does not implement "
              + WorkerHandler.class.getName());
    }
    try {
      return (WorkerHandler) type.getConstructor().newInstance();
    } catch (NoSuchMethodException e) {
      throw new IllegalArgumentException(
          "worker handler class '" + className + "' needs a public no-argument constructor", e);
    } catch (InvocationTargetException e) {
      throw new IllegalArgumentException(
          "worker handler class '" + className + "' failed in its constructor: "
              + e.getCause(), e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException(
          "worker handler class '" + className + "' cannot be instantiated: " + e, e);
    }
  }
}
