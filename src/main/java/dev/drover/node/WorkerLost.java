package dev.drover.node;

/**
 * The leased worker's process or actor is gone: its running work is lost and the lease is over.
 * Request another worker to go on.
 */
public class WorkerLost extends ErrWorker {
  private final String leaseId;

  public WorkerLost(String leaseId, String cause) {
    super("worker of lease " + leaseId + " lost: " + cause);
    this.leaseId = leaseId;
  }

  public String leaseId() {
    return leaseId;
  }
}
