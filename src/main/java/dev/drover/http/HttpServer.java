package dev.drover.http;

import dev.drover.observe.metrics.DroverMetrics;
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
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
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
  private volatile ClientConnections connections;
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
        Clock.systemUTC()), new JwtIssuer(secret), host, port);
  }

  /**
   * Starts serving {@code api}, checking tokens with {@code verifier}; blocks until the port is
   * bound. Without the secret, sign-in URLs of {@code drover token --open} open no session.
   *
   * @param host the address to listen on, e.g. {@code 127.0.0.1}
   * @param port the port, or 0 for a free one
   * @return the address bound
   * @throws IllegalStateException when the address cannot be bound (e.g. the port is in use), or
   *     when this server was started before
   */
  public InetSocketAddress start(ActorSystem<?> system, PipelineApi api,
      JwtVerifier verifier, String host, int port) {
    return start(system, api, verifier, null, host, port);
  }

  private synchronized InetSocketAddress start(ActorSystem<?> system, PipelineApi api,
      JwtVerifier verifier, JwtIssuer issuer, String host, int port) {
    if (binding != null) {
      throw new IllegalStateException("the HTTP server is already started at "
          + binding.localAddress());
    }
    HttpSettings settings = HttpSettings.fromConfig(system.settings().config());
    Materializer materializer = Materializer.matFromSystem(system);
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    EventStreams events =
        new EventStreams(materializer, settings.sseBufferSize(), settings.sseKeepAlive());
    HttpRoutes tree = new HttpRoutes(api, verifier, issuer, events, blocking, materializer,
        settings, DroverMetrics.get(system), system.settings().config());
    Flow<HttpRequest, HttpResponse, NotUsed> handler = tree.route().flow(system);
    ClientConnections clients =
        new ClientConnections(settings.maxConnections(), settings.maxConnectionsPerClient());
    CompletionStage<ServerBinding> bound = Http.get(system).newServerAt(host, port)
        .withSettings(serverSettings(system, settings))
        .connectionSource()
        .to(Sink.foreach(connection -> clients.accept(connection, handler, materializer)))
        .run(materializer);
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
    connections = clients;
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
    routes.close();
    // open event streams never finish by themselves; ending them lets the clients see a clean
    // end of stream instead of a connection cut at the deadline
    streams.completeAll();
    String at = hostAndPort(b.localAddress());
    log.info("HTTP API on {} stopping; requests in flight have {} to finish", at, grace);
    ClientConnections open = connections;
    return b.unbind()
        .thenCompose(unbound -> open.close(grace))
        .thenApply(closed -> {
          log.info("HTTP API on {} stopped", at);
          return Done.getInstance();
        });
  }

  /**
   * Pekko HTTP's settings for Drover's: the idle timeout, the body limit (so that Pekko's own
   * check, before any route, uses it too) and JSON answers to requests it refuses itself.
   */
  private static ServerSettings serverSettings(ActorSystem<?> system, HttpSettings settings) {
    return ServerSettings.create(ConfigFactory.parseMap(Map.of(
            "pekko.http.server.idle-timeout", settings.idleTimeout().toMillis() + "ms",
            "pekko.http.server.parsing.max-content-length", settings.maxRequestBody(),
            "pekko.http.server.parsing.error-handler", JsonParsingErrors.class.getName()))
        .withFallback(system.settings().config()));
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
