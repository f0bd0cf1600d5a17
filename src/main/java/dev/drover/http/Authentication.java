package dev.drover.http;

import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpCookiePair;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directive that lets only callers with a valid JWT through, found where prunner's
 * middleware (go-chi's jwtauth) looks: {@code Authorization: Bearer <token>} (the scheme in any
 * case), else the {@code jwt} cookie, which browsers send by themselves.
 *
 * <p>Any other caller gets 401 with {@code {"error": "Unauthorized: <why>"}} (prunner answers a
 * plain-text "Unauthorized", which its clients do not parse, so JSON breaks nothing).
 */
final class Authentication extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(Authentication.class);
  private static final String BEARER = "bearer ";

  private final JwtVerifier verifier;

  Authentication(JwtVerifier verifier) {
    this.verifier = verifier;
  }

  /** {@code inner} with the verified caller, or 401. */
  Route authenticated(Function<JwtVerifier.Caller, Route> inner) {
    return optionalHeaderValueByName("Authorization", header ->
        optionalCookie("jwt", cookie -> {
          Optional<String> token = header.flatMap(Authentication::bearerToken)
              .or(() -> cookie.map(HttpCookiePair::value).filter(v -> !v.isBlank()));
          if (token.isEmpty()) {
            return unauthorized("no token in an Authorization: Bearer header or a jwt cookie");
          }
          JwtVerifier.Caller caller;
          try {
            caller = verifier.verify(token.get());
          } catch (JwtVerifier.InvalidToken e) {
            return unauthorized(e.getMessage());
          }
          return inner.apply(caller);
        }));
  }

  private Route unauthorized(String why) {
    log.debug("Refused a request: {}", why);
    return complete(Responses.error(StatusCodes.UNAUTHORIZED, "Unauthorized: " + why)
        .addHeader(RawHeader.create("WWW-Authenticate", "Bearer")));
  }

  private static Optional<String> bearerToken(String header) {
    boolean bearer = header.length() > BEARER.length()
        && header.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER);
    return bearer ? Optional.of(header.substring(BEARER.length()).trim()) : Optional.empty();
  }
}
