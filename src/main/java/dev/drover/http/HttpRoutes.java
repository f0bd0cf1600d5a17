package dev.drover.http;

import com.typesafe.config.Config;
import dev.drover.observe.metrics.DroverMetrics;
import dev.drover.pipeline.PipelineApi;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.Materializer;

/**
 * The whole route tree of the HTTP server: prunner's routes, Drover's {@code /api/v1} routes,
 * signing in, {@code /metrics}, the OpenAPI document and the web UI, inside the handlers that
 * answer every failure and unknown route with JSON, and the count of every request answered.
 */
final class HttpRoutes extends AllDirectives {
  /** Where the OpenAPI document is served, and where it is on the class path. */
  static final String OPENAPI_PATH = "/openapi.yaml";
  private static final String OPENAPI_RESOURCE = "/dev/drover/http/openapi.yaml";
  private static final ContentType YAML =
      MediaTypes.applicationWithOpenCharset("yaml", "yaml").toContentType(HttpCharsets.UTF_8);

  /** Where the Prometheus metrics are served. */
  static final String METRICS_PATH = "/metrics";

  private final RouteTable table;
  private final ErrorHandling errors = new ErrorHandling();
  private final byte[] openApi;
  private final DroverMetrics metrics;
  private final Route ui;
  private final AutoCloseable sseCount;

  /**
   * @param issuer signs the sessions that sign-in URLs open, or null when the server has no
   *     secret to sign with
   */
  HttpRoutes(PipelineApi api, JwtVerifier verifier, JwtIssuer issuer, EventStreams streams,
      Executor blocking, Materializer materializer, HttpSettings settings, DroverMetrics metrics,
      Config config) {
    this.table = new RouteTable(new Authentication(verifier));
    this.openApi = readOpenApi();
    this.metrics = metrics;
    this.ui = settings.ui() ? new UiRoutes().route() : reject();
    new PrunnerRoutes(api, blocking, materializer, settings).register(table);
    new DroverRoutes(api, streams, blocking, materializer, settings).register(table);
    new SessionRoutes(verifier, issuer, Clock.systemUTC(), blocking, materializer, settings)
        .register(table);
    new MetricsRoute(api, metrics, blocking, materializer, settings,
        config.getDuration("drover.observe.pool-status-timeout"))
        .register(table, config.getBoolean("drover.observe.metrics.require-token")
            ? RouteTable.Auth.JWT : RouteTable.Auth.NONE);
    table.get(OPENAPI_PATH, call -> complete(HttpResponse.create()
        .withEntity(HttpEntities.create(YAML, openApi))));
    this.sseCount = metrics.sseClients(streams::openCount);
  }

  /** Stops counting this server's streams in the metrics. */
  void close() {
    try {
      sseCount.close();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The route to bind. */
  Route route() {
    // rejections inside, exceptions outside: a failure in answering a rejection is answered too;
    // the count of requests outside both, so it sees every answer
    return withRequestTimeoutResponse(request -> Responses.error(StatusCodes.SERVICE_UNAVAILABLE,
        "The server did not answer in time"), () -> extractRequest(request -> {
          long start = System.nanoTime();
          String path = request.getUri().path();
          String template = table.templateOf(path);
          String route = template != null ? template
              : path.equals("/") || path.startsWith("/ui/") ? "/ui" : "unmatched";
          return mapResponse(response -> {
            metrics.httpRequest(request.method().name(), route, response.status().intValue(),
                Duration.ofNanos(System.nanoTime() - start));
            return response;
          }, () -> handleExceptions(errors.exceptions(), () ->
              handleRejections(errors.rejections(), () -> concat(table.route(), ui))));
        }));
  }

  /** What the server answers, for the check of the OpenAPI document. */
  List<RouteTable.Endpoint> endpoints() {
    return table.endpoints();
  }

  private static byte[] readOpenApi() {
    try (InputStream in = HttpRoutes.class.getResourceAsStream(OPENAPI_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(OPENAPI_RESOURCE + " is missing from the class path");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
