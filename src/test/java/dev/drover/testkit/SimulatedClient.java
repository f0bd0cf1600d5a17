package dev.drover.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.node.NodeClient;
import dev.drover.node.Work;
import dev.drover.node.WorkerLease;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * A client of a simulation: a {@link NodeClient} whose requests and work the simulation follows,
 * so it can check that each of them ends, and that work that succeeded ran exactly once.
 */
public final class SimulatedClient {
  private final String kind;
  private final NodeClient client;
  private final Outstanding outstanding;
  private final WorkLedger ledger;
  private final Violations violations;
  private volatile boolean dropped;

  SimulatedClient(String kind, NodeClient client, Outstanding outstanding, WorkLedger ledger,
      Violations violations) {
    this.kind = kind;
    this.client = client;
    this.outstanding = outstanding;
    this.ledger = ledger;
    this.violations = violations;
  }

  public String kind() {
    return kind;
  }

  public String id() {
    return client.id();
  }

  /** The client itself, for what the simulation need not follow. */
  public NodeClient nodeClient() {
    return client;
  }

  /** Whether {@link Faults#dropClient} dropped it. */
  public boolean dropped() {
    return dropped;
  }

  /** {@link NodeClient#requestWorker(Duration)}, followed until it ends. */
  public CompletionStage<WorkerLease> requestWorker(Duration timeout) {
    return outstanding.follow("request of " + id(), client.requestWorker(timeout));
  }

  /**
   * {@link WorkerLease#submit(JsonNode, java.util.function.Consumer)}, dropping the payloads,
   * followed until it ends; work that succeeds must have run exactly once.
   */
  public Work submit(WorkerLease lease, JsonNode input) {
    Work work = lease.submit(input, payload -> { });
    outstanding.follow("work " + work.id() + " of " + id() + " on " + lease, work.result());
    work.result().whenComplete((result, error) -> {
      int runs = ledger.runs(work.id());
      if (error == null && runs != 1) {
        violations.add("work " + work.id() + " of " + id() + " succeeded after " + runs
            + " runs");
      }
    });
    return work;
  }

  /** {@link WorkerLease#release()}, followed until it ends. */
  public CompletionStage<Void> release(WorkerLease lease) {
    return outstanding.follow("release of " + lease.leaseId() + " by " + id(), lease.release());
  }

  void drop() {
    dropped = true;
    client.close();
  }

  @Override
  public String toString() {
    return "client " + id() + " of '" + kind + "'";
  }
}
