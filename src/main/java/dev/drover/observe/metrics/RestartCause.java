package dev.drover.observe.metrics;

/**
 * The cause label of {@code drover_worker_restarts_total}: a slot's failure message reduced to
 * one of a few words, so the label has few values.
 */
final class RestartCause {
  private RestartCause() {}

  /**
   * {@code start-failed}, {@code registration-timeout}, {@code heartbeat-timeout},
   * {@code unreachable}, {@code process-exited}, {@code actor-terminated} or {@code other}.
   */
  static String of(String failure) {
    if (failure == null) {
      return "other";
    }
    if (failure.startsWith("cannot start a worker")) {
      return "start-failed";
    }
    if (failure.contains("did not register")) {
      return "registration-timeout";
    }
    if (failure.contains("missed heartbeats")) {
      return "heartbeat-timeout";
    }
    if (failure.contains("unreachable")) {
      return "unreachable";
    }
    if (failure.contains("process exited")) {
      return "process-exited";
    }
    return failure.contains("actor terminated") ? "actor-terminated" : "other";
  }
}
