package dev.drover.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.node.InProcessLauncher;
import dev.drover.node.WorkContext;
import dev.drover.node.Worker;
import dev.drover.node.WorkerHandler;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.Behavior;

/**
 * The workers of one simulated pool: the {@link InProcessLauncher.Decorator} that puts each new
 * worker behind its {@link SimulatedWorker} gate and its handler behind a check, and the latest
 * incarnation of each slot, for the faults to aim at.
 */
final class SimulatedWorkers implements InProcessLauncher.Decorator {
  private final String kind;
  private final Violations violations;
  private final WorkLedger ledger;
  private final Map<Integer, SimulatedWorker> bySlot = new ConcurrentHashMap<>();

  SimulatedWorkers(String kind, Violations violations, WorkLedger ledger) {
    this.kind = kind;
    this.violations = violations;
    this.ledger = ledger;
  }

  InProcessLauncher launcher() {
    return new InProcessLauncher(this);
  }

  @Override
  public WorkerHandler handler(int slotId, String incarnation, WorkerHandler handler) {
    SimulatedWorker worker = new SimulatedWorker(kind, slotId, incarnation, violations);
    bySlot.put(slotId, worker);
    return new CheckedHandler(worker, handler);
  }

  @Override
  public Behavior<Worker.Command> worker(
      int slotId, String incarnation, Behavior<Worker.Command> worker) {
    SimulatedWorker w = bySlot.get(slotId);
    return w != null && w.incarnation().equals(incarnation) ? w.gate(worker) : worker;
  }

  /** The current worker of each slot that has one, by slot. */
  List<SimulatedWorker> current() {
    return bySlot.values().stream()
        .filter(w -> w.ref() != null && !w.stopped())
        .sorted(java.util.Comparator.comparingInt(SimulatedWorker::slot))
        .toList();
  }

  /**
   * The latest worker of {@code slot}; one still starting takes a fault at its first message.
   */
  SimulatedWorker slot(int slot) {
    SimulatedWorker w = bySlot.get(slot);
    if (w == null) {
      throw new IllegalArgumentException("pool '" + kind + "' has no started worker in slot "
          + slot + " (slots: " + bySlot.keySet() + ")");
    }
    return w;
  }

  /** The host's handler, telling the simulation what each worker runs. */
  private final class CheckedHandler implements WorkerHandler {
    private final SimulatedWorker worker;
    private final WorkerHandler handler;

    CheckedHandler(SimulatedWorker worker, WorkerHandler handler) {
      this.worker = worker;
      this.handler = handler;
    }

    @Override
    public JsonNode handle(JsonNode input, WorkContext context) throws Exception {
      if (ledger.ran(context.workId()) > 1) {
        violations.add(worker + " runs work " + context.workId() + " a second time");
      }
      worker.workStarts(context.workId());
      try {
        return handler.handle(input, context);
      } finally {
        worker.workEnds();
      }
    }

    @Override
    public void reset() {
      handler.reset();
    }
  }
}
