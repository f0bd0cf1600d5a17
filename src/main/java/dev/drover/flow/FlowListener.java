package dev.drover.flow;

/** Host code told of every execution and task state change; called on an actor's thread. */
@FunctionalInterface
public interface FlowListener {
  void onEvent(FlowEvent event);
}
