package dev.drover.http;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.MediaTypes;
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
 *
 * <p>Because a browser sends the cookie with any request to the server, also one that a page of
 * another site makes it send (an HTML form posts {@code text/plain} or form data without asking),
 * a request that changes state and is authorised by the cookie only must show that a page of
 * this server sent it: a {@code Content-Type: application/json} body (which another site's page
 * cannot send without the browser asking the server first, and Drover answers no such question)
 * or an {@code Origin} naming this server. Otherwise it gets 403 and changes nothing. A token in
 * the {@code Authorization} header needs neither: no browser adds it by itself.
 */
final class Authentication extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(Authentication.class);
  private static final String BEARER = "bearer ";
  static final String CROSS_SITE = "Forbidden: a request that changes state and is authorised "
      + "by the jwt cookie needs Content-Type: application/json or an Origin of this server";

  private final JwtVerifier verifier;

  Authentication(JwtVerifier verifier) {
    this.verifier = verifier;
  }

  /**
   * {@code inner} with the verified caller, or 401; or 403 when {@code changesState} and the
   * token came from the cookie of a request another site may have made.
   */
  Route authenticated(boolean changesState, Function<JwtVerifier.Caller, Route> inner) {
    return optionalHeaderValueByName("Authorization", header ->
        optionalCookie("jwt", cookie -> {
          Optional<String> bearer = header.flatMap(Authentication::bearerToken);
          Optional<String> token = token(header, cookie);
          if (token.isEmpty()) {
            return unauthorized("no token in an Authorization: Bearer header or a jwt cookie");
          }
          JwtVerifier.Caller caller;
          try {
            caller = verifier.verify(token.get());
          } catch (JwtVerifier.InvalidToken e) {
            return unauthorized(e.getMessage());
          }
          if (changesState && bearer.isEmpty()) {
            return extractRequest(request -> sameSite(request)
                ? inner.apply(caller) : crossSite(request));
          }
          return inner.apply(caller);
        }));
  }

  /** The token of a request: the bearer token of its header, else its {@code jwt} cookie. */
  static Optional<String> token(Optional<String> header, Optional<HttpCookiePair> cookie) {
    return header.flatMap(Authentication::bearerToken)
        .or(() -> cookie.map(HttpCookiePair::value).filter(v -> !v.isBlank()));
  }

  /** Whether a cookie-authorised request shows that a page of this server made it. */
  private static boolean sameSite(HttpRequest request) {
    if (request.entity().getContentType().mediaType().equals(MediaTypes.APPLICATION_JSON)) {
      return true;
    }
    Optional<String> origin = request.getHeader("Origin").map(HttpHeader::value);
    Optional<String> host = request.getHeader("Host").map(HttpHeader::value);
    return origin.isPresent() && host.isPresent() && authority(origin.get())
        .map(a -> a.equalsIgnoreCase(host.get())).orElse(false);
  }

  /** The host and port of an Origin ({@code http://host:port}); the scheme may differ behind a proxy. */
  private static Optional<String> authority(String origin) {
    try {
      URI uri = new URI(origin);
      return Optional.ofNullable(uri.getRawAuthority());
    } catch (URISyntaxException e) {
      return Optional.empty();
    }
  }

  private Route crossSite(HttpRequest request) {
    log.info("Refused a cookie-authorised {} {} without a JSON body or this server's Origin "
        + "(Origin: {})", request.method().name(), request.getUri().path(),
        request.getHeader("Origin").map(HttpHeader::value).orElse("none"));
    return complete(Responses.error(StatusCodes.FORBIDDEN, CROSS_SITE));
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
