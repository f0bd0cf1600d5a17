package dev.drover.http;

import dev.drover.pipeline.PipelineApi;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpMethod;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Allow;
import org.apache.pekko.http.javadsl.model.headers.Connection;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.MethodRejection;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every failure and rejection into a JSON answer, so a client always gets {@code {"error":
 * "..."}} and a status it can act on, and the server goes on serving whatever a request did.
 */
final class ErrorHandling extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(ErrorHandling.class);

  /** Failures of routes: the runner's refusals, ours, and bugs (500, logged with the trace). */
  ExceptionHandler exceptions() {
    return ExceptionHandler.newBuilder().matchAny(t -> complete(response(t))).build();
  }

  /** Requests no route took: 404 for an unknown path, 405 for a known path's wrong method. */
  RejectionHandler rejections() {
    return RejectionHandler.newBuilder()
        .handleAll(MethodRejection.class, this::methodNotAllowed)
        .handleNotFound(complete(Responses.error(StatusCodes.NOT_FOUND, "Not found")))
        .build()
        // what else Pekko rejects (a malformed header, ...) keeps its status, its text as JSON
        .withFallback(RejectionHandler.defaultHandler().mapRejectionResponse(ErrorHandling::asJson))
        .seal();
  }

  private Route methodNotAllowed(List<MethodRejection> rs) {
    String allowed = rs.stream().map(r -> r.supported().name()).distinct().sorted()
        .collect(Collectors.joining(", "));
    return complete(Responses.error(StatusCodes.METHOD_NOT_ALLOWED,
            "Method not allowed, allowed: " + allowed)
        .addHeader(Allow.create(rs.stream().map(MethodRejection::supported).distinct()
            .toArray(HttpMethod[]::new))));
  }

  /** The answer to a failed request: a refusal's status and message, or 500 for a bug. */
  static HttpResponse response(Throwable failure) {
    Throwable t = unwrap(failure);
    if (t instanceof HttpFailure f) {
      HttpResponse refusal = Responses.error(f.status(), f.getMessage());
      return f.closeConnection() ? refusal.addHeader(Connection.create("close")) : refusal;
    }
    if (t instanceof PipelineApi.JobNotFound || t instanceof PipelineApi.TaskNotFound) {
      return Responses.error(StatusCodes.NOT_FOUND, t.getMessage());
    }
    if (t instanceof dev.drover.flow.EngineOverloaded) {
      // refused by the engine's backpressure before anything was created: retry
      return Responses.error(StatusCodes.SERVICE_UNAVAILABLE, t.getMessage());
    }
    if (t instanceof PipelineApi.ShuttingDown) {
      return Responses.error(StatusCodes.SERVICE_UNAVAILABLE, t.getMessage());
    }
    if (t instanceof PipelineApi.VariablesTooLarge) {
      return Responses.error(StatusCodes.CONTENT_TOO_LARGE, t.getMessage());
    }
    if (t instanceof PipelineApi.ScheduleRejected || t instanceof dev.drover.flow.UnsafeValue) {
      return Responses.error(StatusCodes.BAD_REQUEST, t.getMessage());
    }
    if (t instanceof EntityStreamSizeException e) {
      return Responses.error(StatusCodes.CONTENT_TOO_LARGE, RouteSupport.tooLarge(e.limit()))
          .addHeader(Connection.create("close"));
    }
    if (timedOut(t)) {
      // the job queue or an execution did not answer: in a cluster, while their node is lost
      // and another takes them over (README, "Running a cluster"); the client may retry
      log.warn("Request failed: {}", t.getMessage());
      return Responses.error(StatusCodes.SERVICE_UNAVAILABLE,
          "The server did not answer in time; retry shortly");
    }
    log.error("Request failed", t);
    return Responses.error(StatusCodes.INTERNAL_SERVER_ERROR, "Internal server error");
  }

  private static boolean timedOut(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof java.util.concurrent.TimeoutException) {
        return true;
      }
    }
    return false;
  }

  /** The cause of a failure that went through futures. */
  static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static HttpResponse asJson(HttpResponse pekkoResponse) {
    // Pekko's default rejection answers are short strict text entities
    String text = pekkoResponse.entity() instanceof HttpEntity.Strict strict
        ? strict.getData().utf8String() : pekkoResponse.status().reason();
    return Responses.error(pekkoResponse.status(), text).addHeaders(pekkoResponse.getHeaders());
  }
}
