package dev.drover.node;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * Runs each worker as an actor in the supervisor's own actor system, a child of its slot: the
 * same protocol, no fork. For TestKit simulations and fast tests, and for pools whose handler is
 * trusted not to take its JVM down — such as the built-in {@code shell} handler, whose scripts
 * run in processes of their own anyway — where a worker then costs neither a JVM start nor a
 * remote message per lease (about half of the CPU time of a short shell task, see
 * {@code bench/run-dag}). A crash of the handler's JVM is the supervisor's crash here, and a
 * stopped worker cancels its running work itself (SIGTERM to a script's process group), as
 * there is no worker JVM whose process tree the slot could kill.
 */
public final class InProcessLauncher implements WorkerLauncher {

  /**
   * Wraps what each in-process worker is made of before it starts: a simulation
   * ({@code dev.drover.testkit}) injects faults into the worker's behaviour and watches what its
   * handler is given, without a launcher of its own that would have to copy this one.
   */
  public interface Decorator {
    /** The handler the worker of {@code slotId}'s {@code incarnation} runs. */
    default WorkerHandler handler(int slotId, String incarnation, WorkerHandler handler) {
      return handler;
    }

    /** The behaviour that is spawned for the worker of {@code slotId}'s {@code incarnation}. */
    default Behavior<Worker.Command> worker(
        int slotId, String incarnation, Behavior<Worker.Command> worker) {
      return worker;
    }
  }

  private final Decorator decorator;

  /** Workers as they are. */
  public InProcessLauncher() {
    this(new Decorator() {});
  }

  /** Workers wrapped by {@code decorator}. */
  public InProcessLauncher(Decorator decorator) {
    this.decorator = decorator;
  }

  @Override
  public WorkerProcess launch(LaunchRequest request, ActorContext<WorkerSlot.Command> slotContext) {
    WorkerHandler handler = decorator.handler(request.slotId(), request.incarnation(),
        WorkerHandlers.load(request.settings()));
    ActorRef<Worker.Command> worker = slotContext.spawn(
        decorator.worker(request.slotId(), request.incarnation(),
            Worker.create(handler, request.workerSettings())),
        "worker-" + request.slotId() + "-" + request.incarnation());
    slotContext.watchWith(worker, new WorkerSlot.WorkerTerminated(request.incarnation()));
    return new InProcessWorker(worker, slotContext);
  }

  private record InProcessWorker(ActorRef<Worker.Command> worker, ActorContext<?> slotContext)
      implements WorkerProcess {
    @Override
    public long pid() {
      return ProcessHandle.current().pid();
    }

    @Override
    public CompletionStage<Integer> exited() {
      return new CompletableFuture<>();
    }

    @Override
    public void kill() {
      slotContext.stop(worker);
    }

    @Override
    public String describe() {
      return "in-process worker " + worker.path();
    }
  }
}
