package dev.drover.node;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The futures a {@link NodeClient} handed out and that have not completed. When the client is
 * closed or its actor system terminates, a message to the client actor may land in dead letters
 * instead of being answered; these futures then complete rather than wait for ever: a release
 * as done (the lease ends with the client), everything else with the reason.
 */
final class Pending {
  /** Open futures, and whether closing fails them (else completes them with null). */
  private final Map<CompletableFuture<?>, Boolean> open = new ConcurrentHashMap<>();
  private volatile RuntimeException closed;

  /** Tracks {@code future} until it completes; fails it at once when already closed. */
  <T> CompletableFuture<T> track(CompletableFuture<T> future) {
    return add(future, true);
  }

  /** Tracks a release: completed, not failed, when the client closes. */
  CompletableFuture<Void> trackRelease(CompletableFuture<Void> future) {
    return add(future, false);
  }

  private <T> CompletableFuture<T> add(CompletableFuture<T> future, boolean fail) {
    open.put(future, fail);
    future.whenComplete((v, e) -> open.remove(future));
    if (closed != null) {
      end(future, fail, closed);
    }
    return future;
  }

  /** Ends every open future, and every future tracked from now on, for {@code reason}. */
  void close(RuntimeException reason) {
    closed = reason;
    open.forEach((f, fail) -> end(f, fail, reason));
  }

  private static void end(CompletableFuture<?> f, boolean fail, RuntimeException reason) {
    if (fail) {
      f.completeExceptionally(reason);
    } else {
      f.complete(null);
    }
  }
}
