package dev.drover.flow;

import dev.drover.node.NodeClient;
import dev.drover.node.WorkerLease;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The leases of one pool kind, shared by the engine's attempts: an attempt that ends well hands
 * its lease straight to the next attempt waiting for that kind, instead of giving the worker back
 * to the supervisor and asking for one again. A shell task then costs the worker a submit and a
 * result, not a reservation, a grant, a release and the state changes between them (with forked
 * workers, about a fifth of the time of the 200 short tasks of {@code bench/run-dag}).
 *
 * <p>At most one request is outstanding at a time: each grant goes to the longest-waiting
 * attempt, and the next request follows while attempts still wait. So the engine asks for one
 * more worker at a time while the pool has idle ones, and when it holds as many as the pool
 * gives, a single request waits at the supervisor rather than one per waiting attempt — requests
 * that, granted once the work is done, would only be given back. An attempt still fails when it
 * waited longer than the request timeout. A lease no attempt waits for is kept for
 * {@code node-lease-linger}, for the attempt a round is about to start (the next job's task,
 * the dependent of the task that just ended), then goes back to the supervisor. Thread-safe:
 * attempts end on any thread.
 */
final class LeaseShare {
  /** An attempt waiting for a lease, since {@code since} (nanoTime). */
  private record Waiter(CompletableFuture<WorkerLease> lease, long since) {}

  private final NodeClient client;
  private final Duration timeout;
  private final Duration linger;
  /** Leases nobody waits for, kept for {@code linger} before they go back. */
  private final Deque<WorkerLease> idle = new ArrayDeque<>();
  /** Attempts waiting for a lease, oldest first; cancelled ones are dropped when met. */
  private final Deque<Waiter> waiting = new ArrayDeque<>();
  private boolean requesting;

  /**
   * @param timeout how long an attempt waits for a worker
   * @param linger how long a lease nobody waits for is kept before it goes back
   */
  LeaseShare(NodeClient client, Duration timeout, Duration linger) {
    this.client = client;
    this.timeout = timeout;
    this.linger = linger;
  }

  /**
   * A lease for one attempt: the next one handed over or granted. Cancelling the returned future
   * withdraws the attempt; a lease that would have been its goes to the next attempt or back.
   */
  CompletableFuture<WorkerLease> acquire() {
    CompletableFuture<WorkerLease> lease = new CompletableFuture<>();
    synchronized (this) {
      WorkerLease kept;
      while ((kept = idle.pollFirst()) != null) {
        if (!kept.lost().toCompletableFuture().isDone()) {
          lease.complete(kept);
          return lease;
        }
      }
      waiting.addLast(new Waiter(lease, System.nanoTime()));
    }
    requestIfWaiting();
    return lease;
  }

  /**
   * The attempt on {@code lease} is over. {@code reusable}: its work ended with a result, so the
   * worker is free under the same lease and may serve the next waiting attempt.
   */
  void done(WorkerLease lease, boolean reusable) {
    if (reusable && !lease.lost().toCompletableFuture().isDone()) {
      handOver(lease);
    } else {
      lease.release();
      requestIfWaiting();
    }
  }

  /** Stops the client; leases it holds end with it. */
  void close() {
    client.close();
  }

  private void requestIfWaiting() {
    synchronized (this) {
      if (requesting || nextWaiter() == null) {
        return;
      }
      requesting = true;
    }
    client.requestWorker(timeout).whenComplete(this::granted);
  }

  private void granted(WorkerLease lease, Throwable error) {
    synchronized (this) {
      requesting = false;
    }
    if (error == null) {
      handOver(lease);
    } else {
      failOverdue(error);
    }
    requestIfWaiting();
  }

  /**
   * Gives {@code lease} to the longest-waiting attempt still waiting; else keeps it for
   * {@code linger} for the next attempt, then gives it back.
   */
  private void handOver(WorkerLease lease) {
    while (true) {
      Waiter next;
      synchronized (this) {
        next = waiting.pollFirst();
        if (next == null && !linger.isZero()) {
          idle.addLast(lease);
        }
      }
      if (next == null) {
        if (linger.isZero()) {
          lease.release();
        } else {
          CompletableFuture.delayedExecutor(linger.toNanos(), TimeUnit.NANOSECONDS)
              .execute(() -> giveBackIfIdle(lease));
        }
        return;
      }
      if (next.lease().complete(lease)) {
        return;
      }
    }
  }

  private void giveBackIfIdle(WorkerLease lease) {
    boolean kept;
    synchronized (this) {
      kept = idle.remove(lease);
    }
    if (kept) {
      lease.release();
    }
  }

  /**
   * A request failed (no worker within the timeout, the pool refused, the supervisor is gone):
   * the oldest attempt fails with its error, and so does every other that waited as long.
   */
  private void failOverdue(Throwable error) {
    List<Waiter> overdue = new ArrayList<>();
    long now = System.nanoTime();
    synchronized (this) {
      Waiter oldest = nextWaiter();
      if (oldest != null) {
        overdue.add(waiting.pollFirst());
      }
      waiting.removeIf(w -> now - w.since() >= timeout.toNanos() && overdue.add(w));
    }
    overdue.forEach(w -> w.lease().completeExceptionally(error));
  }

  /** The longest-waiting attempt that still waits, dropping those withdrawn before it. */
  private Waiter nextWaiter() {
    while (!waiting.isEmpty() && waiting.peekFirst().lease().isDone()) {
      waiting.pollFirst();
    }
    return waiting.peekFirst();
  }
}
