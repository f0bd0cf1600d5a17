package dev.drover.http;

import org.apache.pekko.http.javadsl.model.StatusCode;

/**
 * A request refused by the HTTP layer itself (a malformed id, an unreadable body, ...): its status
 * and the message of its {@code {"error": ...}} body, and whether the connection must close after
 * the answer (a body left unread cannot be skipped to reach the next request).
 */
final class HttpFailure extends RuntimeException {
  private final StatusCode status;
  private final boolean closeConnection;

  HttpFailure(StatusCode status, String message) {
    this(status, message, false);
  }

  HttpFailure(StatusCode status, String message, boolean closeConnection) {
    super(message, null, false, false);
    this.status = status;
    this.closeConnection = closeConnection;
  }

  StatusCode status() {
    return status;
  }

  boolean closeConnection() {
    return closeConnection;
  }
}
