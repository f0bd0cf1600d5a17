package dev.drover.http;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ids of the one-time sign-in tokens this server accepted, each kept until its token expires:
 * a sign-in URL opens one session, and a copy of it (from a shell history, a screen share) opens
 * none.
 */
final class SignInCodes {
  private final Map<String, Instant> used = new ConcurrentHashMap<>();
  private final Clock clock;

  SignInCodes(Clock clock) {
    this.clock = clock;
  }

  /** Marks {@code id} used; false when it was used before. */
  boolean use(String id, Instant expires) {
    Instant now = clock.instant();
    used.values().removeIf(until -> until.isBefore(now));
    return used.putIfAbsent(id, expires) == null;
  }
}
