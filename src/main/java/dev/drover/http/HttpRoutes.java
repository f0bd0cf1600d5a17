package dev.drover.http;

import dev.drover.pipeline.PipelineApi;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.Executor;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.Materializer;

/**
 * The whole route tree of the HTTP API: prunner's routes, Drover's {@code /api/v1} routes and the
 * OpenAPI document, inside the handlers that answer every failure and unknown route with JSON.
 */
final class HttpRoutes extends AllDirectives {
  /** Where the OpenAPI document is served, and where it is on the class path. */
  static final String OPENAPI_PATH = "/openapi.yaml";
  private static final String OPENAPI_RESOURCE = "/dev/drover/http/openapi.yaml";
  private static final ContentType YAML =
      MediaTypes.applicationWithOpenCharset("yaml", "yaml").toContentType(HttpCharsets.UTF_8);

  private final RouteTable table;
  private final ErrorHandling errors = new ErrorHandling();
  private final byte[] openApi;

  HttpRoutes(PipelineApi api, JwtVerifier verifier, EventStreams streams, Executor blocking,
      Materializer materializer, HttpSettings settings) {
    this.table = new RouteTable(new Authentication(verifier));
    this.openApi = readOpenApi();
    new PrunnerRoutes(api, blocking, materializer, settings.maxRequestBody()).register(table);
    new DroverRoutes(api, streams, blocking, materializer, settings.maxRequestBody())
        .register(table);
    table.get(OPENAPI_PATH, call -> complete(HttpResponse.create()
        .withEntity(HttpEntities.create(YAML, openApi))));
  }

  /** The route to bind. */
  Route route() {
    // rejections inside, exceptions outside: a failure in answering a rejection is answered too
    return handleExceptions(errors.exceptions(), () ->
        handleRejections(errors.rejections(), table::route));
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
