package dev.drover.readme;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.flow.FlowService;
import dev.drover.flow.TaskAction;
import dev.drover.flow.TaskContext;
import dev.drover.flow.TaskOutcome;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;

/**
 * What the README's Java snippets take as given, so {@link ReadmeExamplesTest} can compile them
 * exactly as written: a host's actor system, an execution's input, a logger, and the host's own
 * task actions the flow example names.
 */
public abstract class ReadmeContext {
  protected ActorSystem<Void> system;
  protected JsonNode input;
  protected Logger log;

  /** What the flow example started, handed over after it by {@link ReadmeFlowExampleTest}. */
  ActorSystem<?> startedSystem;
  FlowService startedFlows;

  protected void started(ActorSystem<?> system, FlowService flows) {
    this.startedSystem = system;
    this.startedFlows = flows;
  }

  /** A host's action; the README only names it. */
  public static class Reserve implements TaskAction {
    @Override
    public TaskOutcome run(TaskContext task) {
      return TaskOutcome.success(null);
    }
  }

  /** A host's delegate action; the README only names it. */
  public static class AskApprover extends Reserve {}

  /** A host's action; the README only names it. */
  public static class Charge extends Reserve {}

  /** A host's on-error action; the README only names it. */
  public static class NotifyOps extends Reserve {}
}
