package dev.drover.node;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * Starts the worker of one {@link WorkerSlot} incarnation. Two ways ship with Drover:
 * {@link ForkedJvmLauncher} (the default: a JVM per worker) and {@link InProcessLauncher} (a
 * worker actor in the supervisor's actor system: simulations, tests, and a {@code drover serve}
 * on one machine that prefers less overhead per task to a JVM per worker).
 */
public interface WorkerLauncher {

  /**
   * The launcher {@code drover.node.launcher} names: {@code forked} ({@link ForkedJvmLauncher},
   * configured by {@code drover.node.worker-cds-archive}) or {@code in-process}.
   *
   * @throws IllegalArgumentException for any other value
   */
  static WorkerLauncher fromConfig(com.typesafe.config.Config config) {
    String launcher = config.getString("drover.node.launcher");
    return switch (launcher) {
      case "forked" -> ForkedJvmLauncher.fromConfig(config);
      case "in-process" -> new InProcessLauncher();
      default -> throw new IllegalArgumentException("drover.node.launcher must be \"forked\" or "
          + "\"in-process\", got \"" + launcher + "\"");
    };
  }

  /**
   * Starts a worker that will register with {@code request.slot()}.
   *
   * @param request what to start
   * @param slotContext the slot's context, for launchers that spawn actors
   * @return the handle the slot watches and kills
   * @throws Exception when nothing could be started; the slot fails and is restarted
   */
  WorkerProcess launch(LaunchRequest request, ActorContext<WorkerSlot.Command> slotContext)
      throws Exception;

  /**
   * One start of a worker.
   *
   * @param settings the pool's settings
   * @param slotId the slot's number in its pool
   * @param incarnation unique per start of the slot, echoed by the worker's registration
   * @param slot where the worker registers
   */
  record LaunchRequest(
      PoolSettings settings, int slotId, String incarnation, ActorRef<WorkerSlot.Command> slot) {

    Worker.WorkerSettings workerSettings() {
      return new Worker.WorkerSettings(slot, incarnation, settings.leaseIdleTimeout(),
          settings.recycleAfterLeases(), settings.transitionLogSize(), settings.workTimeout(),
          settings.cancelGracePeriod());
    }
  }
}
