package dev.drover.http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server-Sent Events streams fed by the runner's callbacks ({@code subscribe}, {@code
 * followLogs}).
 *
 * <p>Each stream has a bounded buffer: a client that falls that far behind is disconnected, so a
 * slow reader never slows the runner that calls back, nor grows our memory. The subscription is
 * closed when the client goes away, when the stream fails, or when {@link #completeAll()} ends
 * every stream at shutdown. An idle stream sends a heartbeat comment now and then, so that
 * proxies and the server's idle timeout keep it open.
 */
final class EventStreams {
  private static final Logger log = LoggerFactory.getLogger(EventStreams.class);

  private final Materializer materializer;
  private final int bufferSize;
  private final Duration keepAlive;
  private final Set<BoundedSourceQueue<ServerSentEvent>> open = ConcurrentHashMap.newKeySet();

  EventStreams(Materializer materializer, int bufferSize, Duration keepAlive) {
    this.materializer = materializer;
    this.bufferSize = bufferSize;
    this.keepAlive = keepAlive;
  }

  /**
   * A stream of what {@code subscribe} delivers to its consumer, each item as an event, until
   * the client leaves or the delivery calls its end.
   *
   * <p>{@code subscribe} is called at once, on the calling thread, so that its refusals (an
   * unknown job, ...) surface before the response is sent. What it delivers before it returns
   * (a task's output so far) is kept whole, however long, as the JSON logs route would send it;
   * only what comes after counts against the buffer of a slow client. The stream starts with a
   * heartbeat, so the response's headers reach the client at once rather than with the first
   * event (Pekko sends them together with the first chunk).
   *
   * @param subscribe starts the delivery, given the consumer of items and what ends the stream
   *     (after the items delivered before it), and returns what stops the delivery
   * @param toEvent one item as one event
   */
  <T> Source<ServerSentEvent, NotUsed> stream(
      BiFunction<Consumer<T>, Runnable, AutoCloseable> subscribe,
      Function<T, ServerSentEvent> toEvent) {
    // watchTermination sits before preMaterialize, so it also sees the stream cancelled when the
    // response is never sent (the subscription timeout of a pre-materialized source)
    Pair<Pair<BoundedSourceQueue<ServerSentEvent>, CompletionStage<Done>>,
        Source<ServerSentEvent, NotUsed>> materialized = Source.<ServerSentEvent>queue(bufferSize)
        .watchTermination(Pair::create)
        .preMaterialize(materializer);
    BoundedSourceQueue<ServerSentEvent> queue = materialized.first().first();
    Relay<T> relay = new Relay<>(queue, toEvent);
    open.add(queue);
    AutoCloseable subscription;
    try {
      subscription = subscribe.apply(relay, queue::complete);
    } catch (RuntimeException e) {
      open.remove(queue);
      queue.complete();
      throw e;
    }
    materialized.first().second().whenComplete((done, failure) -> {
      open.remove(queue);
      close(subscription);
    });
    return Source.single(ServerSentEvent.heartbeat())
        .concat(Source.from(relay.goLive()))
        .concat(materialized.second())
        .keepAlive(keepAlive, ServerSentEvent::heartbeat);
  }

  /** How many streams are open now. */
  int openCount() {
    return open.size();
  }

  /** Ends every open stream, e.g. before the server stops, so clients see a clean end. */
  void completeAll() {
    open.forEach(BoundedSourceQueue::complete);
  }

  /**
   * The consumer handed to the runner: keeps what arrives before the response is under way, then
   * offers each item to the stream's bounded queue.
   */
  private final class Relay<T> implements Consumer<T> {
    private final BoundedSourceQueue<ServerSentEvent> queue;
    private final Function<T, ServerSentEvent> toEvent;
    private List<ServerSentEvent> backlog = new ArrayList<>();

    Relay(BoundedSourceQueue<ServerSentEvent> queue, Function<T, ServerSentEvent> toEvent) {
      this.queue = queue;
      this.toEvent = toEvent;
    }

    @Override
    public synchronized void accept(T item) {
      ServerSentEvent event = toEvent.apply(item);
      if (backlog != null) {
        backlog.add(event);
      } else if (queue.offer(event) == QueueOfferResult.dropped()) {
        log.warn("An event stream client fell {} events behind; disconnecting it", bufferSize);
        queue.fail(new IllegalStateException("client fell " + bufferSize + " events behind"));
      }
      // QueueClosed and Failure: the client is gone and the subscription is being closed
    }

    /** What arrived so far; from now on items go to the queue, after these. */
    synchronized List<ServerSentEvent> goLive() {
      List<ServerSentEvent> sofar = backlog;
      backlog = null;
      return sofar;
    }
  }

  private static void close(AutoCloseable subscription) {
    try {
      subscription.close();
    } catch (Exception e) {
      log.warn("Closing a subscription of an event stream failed", e);
    }
  }
}
