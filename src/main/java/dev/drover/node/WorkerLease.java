package dev.drover.node;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * A worker leased to this client. Submit work one piece at a time; release the lease when done
 * (or the worker ends it after {@code lease-idle-timeout} without work).
 */
public final class WorkerLease {
  private final ActorRef<Client.Command> client;
  private final Client.Lease lease;
  private final Pending pending;

  WorkerLease(ActorRef<Client.Command> client, Client.Lease lease, Pending pending) {
    this.client = client;
    this.lease = lease;
    this.pending = pending;
  }

  public String leaseId() {
    return lease.leaseId();
  }

  /** The pool slot of the worker. */
  public int slot() {
    return lease.slot();
  }

  /** The worker's OS process id. */
  public long pid() {
    return lease.pid();
  }

  /**
   * Runs {@code input} on the worker; {@code onPayload} gets each payload on the client's
   * thread. The work is cancelled after the pool's {@code work-timeout}, if it has one.
   */
  public Work submit(JsonNode input, Consumer<JsonNode> onPayload) {
    return submit(input, null, onPayload);
  }

  /**
   * Runs {@code input} on the worker, cancelled after {@code timeout} (null: the pool's
   * {@code work-timeout}); the result then fails with {@link ErrWorkTimeout}. A handler that
   * does not stop within the pool's {@code cancel-grace-period} gets its worker replaced, and
   * this lease is lost.
   */
  public Work submit(JsonNode input, Duration timeout, Consumer<JsonNode> onPayload) {
    String workId = UUID.randomUUID().toString();
    CompletableFuture<JsonNode> result = pending.track(new CompletableFuture<>());
    client.tell(new Client.Submit(lease.leaseId(), workId, input, timeout, onPayload, result));
    return new Work(workId, result, () -> client.tell(new Client.CancelWork(lease.leaseId(), workId)));
  }

  /** Runs {@code input} on the worker; its payloads are read from {@link Work#payloads()}. */
  public Work submit(JsonNode input) {
    Work.PayloadQueue queue = new Work.PayloadQueue();
    Work work = submit(input, queue::add);
    work.attach(queue);
    return work;
  }

  /** Ends the lease; completes when the worker is free again (or gone). */
  public CompletionStage<Void> release() {
    CompletableFuture<Void> done = pending.trackRelease(new CompletableFuture<>());
    client.tell(new Client.Release(lease.leaseId(), done));
    return done;
  }

  /** Completes when the worker is lost while leased. */
  public CompletionStage<WorkerLost> lost() {
    return lease.lost();
  }

  @Override
  public String toString() {
    return "lease " + lease.leaseId() + " on slot " + lease.slot() + " (pid " + lease.pid() + ")";
  }
}
