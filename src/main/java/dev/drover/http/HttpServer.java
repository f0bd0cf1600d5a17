package dev.drover.http;

import dev.drover.pipeline.PipelineApi;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.stream.Materializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drover's HTTP API on Pekko HTTP: prunner's routes, so prunner's clients work unchanged, and
 * Drover's own under {@code /api/v1}; every route but a task's callback requires an HS256 JWT.
 *
 * <pre>{@code
 * HttpServer http = new HttpServer();
 * JwtSecret secret = JwtSecret.resolve(null, null);
 * InetSocketAddress at = http.start(system, runner, secret, "127.0.0.1", 9009);
 * ...
 * http.stop(Duration.ofSeconds(10)).toCompletableFuture().join();
 * }</pre>
 *
 * <p>The runner's synchronous calls run on Pekko's blocking dispatcher; settings come from {@code
 * drover.http} of the actor system's configuration.
 */
public final class HttpServer {
  private static final Logger log = LoggerFactory.getLogger(HttpServer.class);
  private static final Duration BIND_TIMEOUT = Duration.ofSeconds(30);

  private volatile ServerBinding binding;
  private volatile EventStreams streams;
  private volatile HttpRoutes routes;

  /**
   * Starts serving {@code api} with tokens signed with {@code secret}.
   *
   * @return the address bound, e.g. with the port picked when {@code port} is 0
   */
  public InetSocketAddress start(ActorSystem<?> system, PipelineApi api, JwtSecret secret,
      String host, int port) {
    HttpSettings settings = HttpSettings.fromConfig(system.settings().config());
    return start(system, api, new JwtVerifier(secret, settings.jwtClockSkew(),
        Clock.systemUTC()), host, port);
  }

  /**
   * Starts serving {@code api}, checking tokens with {@code verifier}; blocks until the port is
   * bound.
   *
   * @param host the address to listen on, e.g. {@code 127.0.0.1}
   * @param port the port, or 0 for a free one
   * @return the address bound
   * @throws IllegalStateException when the address cannot be bound (e.g. the port is in use), or
   *     when this server was started before
   */
  public synchronized InetSocketAddress start(ActorSystem<?> system, PipelineApi api,
      JwtVerifier verifier, String host, int port) {
    if (binding != null) {
      throw new IllegalStateException("the HTTP server is already started at "
          + binding.localAddress());
    }
    HttpSettings settings = HttpSettings.fromConfig(system.settings().config());
    Materializer materializer = Materializer.matFromSystem(system);
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    EventStreams events =
        new EventStreams(materializer, settings.sseBufferSize(), settings.sseKeepAlive());
    HttpRoutes tree = new HttpRoutes(api, verifier, events, blocking, materializer, settings);
    CompletionStage<ServerBinding> bound =
        Http.get(system).newServerAt(host, port).bind(tree.route());
    try {
      binding = bound.toCompletableFuture().get(BIND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot listen on " + host + ":" + port + ": "
          + ErrorHandling.unwrap(e).getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("binding " + host + ":" + port + " took longer than "
          + BIND_TIMEOUT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while binding " + host + ":" + port, e);
    }
    streams = events;
    routes = tree;
    log.info("HTTP API listening on {}", hostAndPort(binding.localAddress()));
    return binding.localAddress();
  }

  /**
   * Stops serving: ends the event streams, stops accepting connections, gives requests in
   * flight up to {@code grace} to finish, then closes every connection. Stopping a server that is
   * not started completes at once.
   */
  public synchronized CompletionStage<Done> stop(Duration grace) {
    ServerBinding b = binding;
    if (b == null) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    binding = null;
    // open event streams never finish by themselves; ending them lets the clients see a clean
    // end of stream instead of a connection cut at the deadline
    streams.completeAll();
    String at = hostAndPort(b.localAddress());
    log.info("HTTP API on {} stopping; requests in flight have {} to finish", at, grace);
    return b.terminate(grace).thenApply(terminated -> {
      log.info("HTTP API on {} stopped", at);
      return Done.getInstance();
    });
  }

  private static String hostAndPort(InetSocketAddress address) {
    return address.getHostString() + ":" + address.getPort();
  }

  /** The routes served, for the check of the OpenAPI document; empty before start. */
  List<RouteTable.Endpoint> endpoints() {
    HttpRoutes r = routes;
    return r == null ? List.of() : r.endpoints();
  }
}
