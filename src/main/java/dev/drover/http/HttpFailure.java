package dev.drover.http;

import org.apache.pekko.http.javadsl.model.StatusCode;

/**
 * A request refused by the HTTP layer itself (a malformed id, an unreadable body, ...): its status
 * and the message of its {@code {"error": ...}} body.
 */
final class HttpFailure extends RuntimeException {
  private final StatusCode status;

  HttpFailure(StatusCode status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  StatusCode status() {
    return status;
  }
}
