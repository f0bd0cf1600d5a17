package dev.drover.http;

import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.ParsingErrorHandler;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.scaladsl.model.ErrorInfo;
import org.apache.pekko.http.scaladsl.model.StatusCode;
import org.apache.pekko.http.scaladsl.settings.ServerSettings;

/**
 * The answer to a request Pekko HTTP refuses before any route sees it (a URI or header too
 * long, a body over the limit, a malformed head): its status with the API's {@code {"error":
 * ...}} body instead of plain text. Named in {@code pekko.http.server.parsing.error-handler} by
 * {@link HttpServer}.
 *
 * <p>Logged at debug level only: anyone who can reach the port can send malformed requests, and
 * they must not be able to fill the log.
 */
public final class JsonParsingErrors extends ParsingErrorHandler {

  /** Pekko HTTP creates it by reflection. */
  public JsonParsingErrors() {}

  @Override
  public HttpResponse handle(StatusCode status, ErrorInfo error, LoggingAdapter log,
      ServerSettings settings) {
    log.debug("Refused a request with {}: {}", status, error.formatPretty());
    String message = status.intValue() == StatusCodes.CONTENT_TOO_LARGE.intValue()
        ? RouteSupport.tooLarge(settings.parserSettings().maxContentLength())
        : error.summary();
    return Responses.error(status, message);
  }
}
