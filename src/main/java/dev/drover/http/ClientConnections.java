package dev.drover.http;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.IncomingConnection;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open connections of the HTTP server, counted per client (remote IP address) and in all.
 *
 * <p>A connection is closed as soon as it opens when its client already holds {@code perClient}
 * connections or the server {@code max}: one client's idle or slow connections then cannot take
 * every slot and lock the other clients out (the server's idle timeout closes what they hold).
 * A refused connection costs a log line only when its client reaches the limit, not per
 * connection, so refusals cannot flood the log.
 *
 * <p>At shutdown, {@link #close(Duration)} lets each connection finish the request it is
 * serving, closes it, and cuts what is still open after the grace period.
 */
final class ClientConnections {
  private static final Logger log = LoggerFactory.getLogger(ClientConnections.class);

  private final int max;
  private final int perClient;
  private final Map<InetAddress, Integer> byClient = new HashMap<>();
  private final Set<Open> open = new HashSet<>();
  private final Set<InetAddress> refusing = new HashSet<>();
  private boolean full;
  private boolean closing;

  /**
   * @param max the most connections open at once
   * @param perClient the most connections open at once from one address; 0 for no limit of its
   *     own
   */
  ClientConnections(int max, int perClient) {
    this.max = max;
    this.perClient = perClient;
  }

  /** One admitted connection: what ends it, and its end. */
  private record Open(InetAddress client, UniqueKillSwitch requests, CompletionStage<Done> ended) {}

  /** Serves {@code connection} with {@code handler}, or closes it when its client is over a limit. */
  void accept(IncomingConnection connection, Flow<HttpRequest, HttpResponse, NotUsed> handler,
      Materializer materializer) {
    InetAddress client = connection.remoteAddress().getAddress();
    if (!admit(client)) {
      // no response: the request is not even read, and the client sees its connection closed
      connection.handleWith(Flow.fromSinkAndSourceCoupled(Sink.<HttpRequest>ignore(),
          Source.<HttpResponse>empty()), materializer);
      return;
    }
    // the kill switch ends the stream of requests: the connection then closes once the response
    // to the request in flight, if any, is sent
    Pair<UniqueKillSwitch, CompletionStage<Done>> handled = connection.handleWith(
        Flow.of(HttpRequest.class)
            .viaMat(KillSwitches.single(), Keep.right())
            .via(handler)
            .watchTermination(Keep.both()),
        materializer);
    Open o = new Open(client, handled.first(), handled.second());
    boolean late;
    synchronized (this) {
      late = closing;
      open.add(o);
    }
    if (late) {
      o.requests().shutdown();
    }
    o.ended().whenComplete((done, failure) -> release(o));
  }

  private synchronized boolean admit(InetAddress client) {
    int fromClient = byClient.getOrDefault(client, 0);
    if (closing) {
      return false;
    }
    if (perClient > 0 && fromClient >= perClient) {
      if (refusing.add(client)) {
        log.warn("Refusing connections from {}: it has {} open, the most one client may have "
            + "(drover.http.max-connections-per-client)", client.getHostAddress(), fromClient);
      }
      return false;
    }
    if (total() >= max) {
      if (!full) {
        full = true;
        log.warn("Refusing connections: {} are open, the most the server keeps "
            + "(drover.http.max-connections)", max);
      }
      return false;
    }
    byClient.put(client, fromClient + 1);
    return true;
  }

  private synchronized void release(Open o) {
    if (!open.remove(o)) {
      return;
    }
    byClient.computeIfPresent(o.client(), (c, n) -> n <= 1 ? null : n - 1);
    if (byClient.getOrDefault(o.client(), 0) < perClient && refusing.remove(o.client())) {
      log.info("Accepting connections from {} again", o.client().getHostAddress());
    }
    if (full && total() < max) {
      full = false;
      log.info("Accepting connections again");
    }
  }

  private int total() {
    return byClient.values().stream().mapToInt(Integer::intValue).sum();
  }

  /** Connections open now, all clients together. */
  synchronized int size() {
    return open.size();
  }

  /**
   * Refuses new connections, closes each open one once it has answered its request in flight,
   * and cuts those still open after {@code grace}.
   */
  CompletionStage<Done> close(Duration grace) {
    List<Open> all;
    synchronized (this) {
      closing = true;
      all = new ArrayList<>(open);
    }
    all.forEach(o -> o.requests().shutdown());
    CompletableFuture<?>[] ends = all.stream()
        .map(o -> o.ended().toCompletableFuture().exceptionally(failure -> Done.getInstance()))
        .toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(ends)
        .completeOnTimeout(null, grace.toMillis(), TimeUnit.MILLISECONDS)
        .thenApply(v -> {
          List<Open> left;
          synchronized (this) {
            left = open.stream().filter(o -> !o.ended().toCompletableFuture().isDone()).toList();
          }
          if (!left.isEmpty()) {
            log.info("Closing {} connections still busy after {}", left.size(), grace);
            left.forEach(o -> o.requests().abort(new ServerStopped()));
          }
          return Done.getInstance();
        });
  }

  /** Why a connection still busy at the end of the grace period was cut. */
  private static final class ServerStopped extends RuntimeException {
    ServerStopped() {
      super("the HTTP server stopped", null, false, false);
    }
  }
}
