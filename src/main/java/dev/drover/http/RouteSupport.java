package dev.drover.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamException;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.stream.Materializer;

/**
 * What the routes of both APIs share: running the runner's synchronous calls off Pekko's
 * threads, reading bounded JSON bodies, and checking ids and task names before they reach the
 * runner.
 */
abstract class RouteSupport extends AllDirectives {
  /** A UUID in its canonical form; {@link UUID#fromString} alone also takes "1-2-3-4-5". */
  private static final Pattern UUID_TEXT = Pattern.compile(
      "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private final Executor blocking;
  private final Materializer materializer;
  private final long maxBodyBytes;
  private final Duration bodyTimeout;

  RouteSupport(Executor blocking, Materializer materializer, HttpSettings settings) {
    this.blocking = blocking;
    this.materializer = materializer;
    this.maxBodyBytes = settings.maxRequestBody();
    this.bodyTimeout = settings.requestBodyTimeout();
  }

  /**
   * Completes with what {@code response} computes on the blocking dispatcher: the runner's
   * synchronous calls may read files, which must not stall the threads that serve connections.
   */
  Route blocking(Supplier<HttpResponse> response) {
    return completeWithFuture(CompletableFuture.supplyAsync(response, blocking));
  }

  /** Computes {@code value} on the blocking dispatcher and goes on with it. */
  <T> Route onBlocking(Supplier<T> value, Function<T, Route> inner) {
    return onSuccess(CompletableFuture.supplyAsync(value, blocking), inner);
  }

  /** The {@code limit} and {@code cursor} query parameters of a list, as given. */
  Route page(BiFunction<Optional<String>, Optional<String>, Route> inner) {
    return parameterOptional("limit", limit ->
        parameterOptional("cursor", cursor -> inner.apply(limit, cursor)));
  }

  /** The stage an asynchronous call of the runner returns, or a failed one if it threw. */
  static <T> CompletionStage<T> safely(Supplier<CompletionStage<T>> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Reads the request's body as JSON of {@code type}, then goes on with it. A body larger than
   * the limit is refused with 413, one that does not arrive within the body timeout with 408, one
   * cut short with 400, an unreadable one with 400 {@code Error decoding JSON: ...}; the refusals
   * of a body not read to its end close the connection.
   */
  <T> Route withJsonBody(Class<T> type, Function<T, Route> inner) {
    return extractRequestEntity(entity -> onSuccess(
        entity.withSizeLimit(maxBodyBytes)
            .toStrict(bodyTimeout.toMillis(), maxBodyBytes, materializer)
            .handle((strict, failure) -> {
              if (failure != null) {
                throw bodyRefused(ErrorHandling.unwrap(failure));
              }
              return decode(strict.getData().toArray(), type);
            }),
        inner));
  }

  /** The message of a 413. */
  static String tooLarge(long limit) {
    return "Request body is larger than " + limit + " bytes";
  }

  private RuntimeException bodyRefused(Throwable failure) {
    if (failure instanceof EntityStreamSizeException
        || (failure instanceof EntityStreamException e
            && e.info().summary().startsWith("Request too large"))) {
      return new HttpFailure(StatusCodes.CONTENT_TOO_LARGE, tooLarge(maxBodyBytes), true);
    }
    if (failure instanceof TimeoutException) {
      return new HttpFailure(StatusCodes.REQUEST_TIMEOUT, "Request body did not arrive within "
          + bodyTimeout.toString().substring(2).toLowerCase(Locale.ROOT), true);
    }
    if (failure instanceof EntityStreamException e) {
      return new HttpFailure(StatusCodes.BAD_REQUEST, "Request body is incomplete: "
          + e.info().summary(), true);
    }
    return failure instanceof RuntimeException r ? r : new IllegalStateException(failure);
  }

  private static <T> T decode(byte[] body, Class<T> type) {
    T value;
    try {
      value = Json.mapper().readValue(body, type);
    } catch (JsonProcessingException e) {
      throw new HttpFailure(StatusCodes.BAD_REQUEST, "Error decoding JSON: " + reason(e));
    } catch (IOException e) {
      throw new HttpFailure(StatusCodes.BAD_REQUEST, "Error decoding JSON: " + e.getMessage());
    }
    if (value == null) {
      throw new HttpFailure(StatusCodes.BAD_REQUEST,
          "Error decoding JSON: the body is not an object");
    }
    return value;
  }

  /** What is wrong with a body, in the words of JSON, not of Java types. */
  private static String reason(JsonProcessingException e) {
    String location = e.getLocation() == null ? ""
        : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
    if (e instanceof MismatchedInputException m) {
      if (m.getOriginalMessage().startsWith("No content to map")) {
        return "the body is empty";
      }
      String what = m.getPath().isEmpty() ? "the body" : "field \"" + path(m) + "\"";
      return what + " is not " + expected(m.getTargetType()) + location;
    }
    return e.getOriginalMessage() + location;
  }

  private static String path(MismatchedInputException e) {
    return e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : String.valueOf(r.getIndex()))
        .collect(Collectors.joining("."));
  }

  private static String expected(Class<?> type) {
    if (type == null || Map.class.isAssignableFrom(type) || type.isRecord()) {
      return "an object";
    }
    if (Collection.class.isAssignableFrom(type) || type.isArray()) {
      return "an array";
    }
    if (type == String.class) {
      return "a string";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "a boolean";
    }
    return Number.class.isAssignableFrom(type) || type.isPrimitive() ? "a number" : "valid";
  }

  /** The job id of a request, or 400 {@code Invalid job id}. */
  static UUID jobId(Optional<String> text) {
    return text.filter(t -> UUID_TEXT.matcher(t).matches())
        .map(UUID::fromString)
        .orElseThrow(() -> new HttpFailure(StatusCodes.BAD_REQUEST, "Invalid job id"));
  }

  /** {@link #jobId(Optional)} of a path parameter. */
  static UUID jobId(String text) {
    return jobId(Optional.of(text));
  }

  /**
   * A task name of a request, or 400 {@code Invalid task name}: empty, or one that could name a
   * path outside the job's log directory ({@code /}, {@code \}, NUL, {@code .} or {@code ..}).
   */
  static String taskName(Optional<String> text) {
    return text.filter(RouteSupport::safeName)
        .orElseThrow(() -> new HttpFailure(StatusCodes.BAD_REQUEST, "Invalid task name"));
  }

  /** {@link #taskName(Optional)} of a path parameter. */
  static String taskName(String text) {
    return taskName(Optional.of(text));
  }

  static boolean safeName(String name) {
    return !name.isEmpty() && !name.equals(".") && !name.equals("..")
        && name.indexOf('/') < 0 && name.indexOf('\\') < 0 && name.indexOf('\0') < 0;
  }
}
