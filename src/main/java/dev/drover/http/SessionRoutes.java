package dev.drover.http;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpCookie;
import org.apache.pekko.http.javadsl.model.headers.SameSite;
import org.apache.pekko.http.javadsl.model.headers.SetCookie;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.Materializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signing in to the web UI: a pasted token, or a one-time sign-in token from {@code drover token
 * --open}, becomes the {@code jwt} cookie, which the browser then sends with every request.
 *
 * <p>The cookie is {@code HttpOnly} (no script of the page can read it) and {@code
 * SameSite=Strict} (no other site's page makes the browser send it). A sign-in needs {@code
 * Content-Type: application/json}, which no other site's form can send without the browser asking
 * this server first.
 */
final class SessionRoutes extends RouteSupport {
  private static final Logger log = LoggerFactory.getLogger(SessionRoutes.class);
  static final String PATH = "/api/v1/session";

  private final JwtVerifier verifier;
  private final JwtIssuer issuer;
  private final SignInCodes codes;
  private final Clock clock;

  /**
   * @param issuer issues the session of a sign-in token; null when this server has no secret to
   *     sign with, so only pasted tokens sign in
   */
  SessionRoutes(JwtVerifier verifier, JwtIssuer issuer, Clock clock, Executor blocking,
      Materializer materializer, HttpSettings settings) {
    super(blocking, materializer, settings);
    this.verifier = verifier;
    this.issuer = issuer;
    this.clock = clock;
    this.codes = new SignInCodes(clock);
  }

  void register(RouteTable routes) {
    routes.open(HttpMethods.POST, PATH, call -> extractRequestEntity(entity -> {
      if (!entity.getContentType().mediaType().equals(MediaTypes.APPLICATION_JSON)) {
        throw new HttpFailure(StatusCodes.UNSUPPORTED_MEDIA_TYPE,
            "Sign in with Content-Type: application/json");
      }
      return withJsonBody(SignInBody.class, body -> complete(signIn(body.token())));
    }));
    // answered 200 either way: the page asks it first, and a browser logs every 401 as an error
    routes.open(HttpMethods.GET, PATH, call -> optionalHeaderValueByName("Authorization",
        header -> optionalCookie("jwt", cookie -> {
          var token = Authentication.token(header, cookie);
          if (token.isEmpty()) {
            return complete(Responses.json(StatusCodes.OK, Session.none("not signed in")));
          }
          try {
            return complete(Responses.json(StatusCodes.OK, new Session(true,
                verifier.verify(token.get()).subject(), verifier.expiry(token.get()), null)));
          } catch (JwtVerifier.InvalidToken e) {
            return complete(Responses.json(StatusCodes.OK, Session.none(e.getMessage())));
          }
        })));
    routes.open(HttpMethods.DELETE, PATH, call -> complete(Responses.json(StatusCodes.OK,
            Session.none("signed out"))
        .addHeader(SetCookie.create(cookie("").withMaxAge(0)))));
  }

  /** The body of {@code POST /api/v1/session}. */
  record SignInBody(String token) {}

  /**
   * Who is signed in.
   *
   * @param signedIn whether the request carries a valid token
   * @param subject the token's subject, empty when it has none
   * @param expires when the session ends, or null
   * @param reason why the request is not signed in, or null
   */
  record Session(boolean signedIn, String subject, Instant expires, String reason) {
    static Session none(String reason) {
      return new Session(false, "", null, reason);
    }
  }

  private HttpResponse signIn(String token) {
    if (token == null || token.isBlank()) {
      throw new HttpFailure(StatusCodes.BAD_REQUEST, "token is required");
    }
    String pasted = token.strip();
    if (pasted.regionMatches(true, 0, "Bearer ", 0, 7)) {
      // what `drover token` prints, pasted whole
      pasted = pasted.substring(7).strip();
    }
    try {
      if (JwtVerifier.looksLikeSignIn(pasted)) {
        return signInOnce(pasted);
      }
      String subject = verifier.verify(pasted).subject();
      Instant expires = verifier.expiry(pasted);
      log.info("User '{}' signed in to the web UI", subject);
      return session(subject, pasted, expires);
    } catch (JwtVerifier.InvalidToken e) {
      // 200 with the reason, as GET answers: the page shows it, and a browser logs a 401 as an
      // error in its console
      log.debug("Refused a sign-in: {}", e.getMessage());
      return Responses.json(StatusCodes.OK, Session.none(e.getMessage()));
    }
  }

  private HttpResponse signInOnce(String token) throws JwtVerifier.InvalidToken {
    JwtVerifier.SignIn signIn = verifier.verifySignIn(token);
    if (issuer == null) {
      throw new JwtVerifier.InvalidToken("this server cannot open sessions from sign-in URLs");
    }
    if (!codes.use(signIn.id(), signIn.expires())) {
      throw new JwtVerifier.InvalidToken("this sign-in URL was used before");
    }
    String session = issuer.issue(signIn.subject(), signIn.sessionLifetime());
    Instant expires = signIn.sessionLifetime().isZero() ? null
        : clock.instant().plus(signIn.sessionLifetime());
    log.info("User '{}' signed in to the web UI with a sign-in URL", signIn.subject());
    return session(signIn.subject(), session, expires);
  }

  private HttpResponse session(String subject, String token, Instant expires) {
    HttpCookie cookie = cookie(token);
    if (expires != null) {
      long seconds = Math.max(0, Duration.between(clock.instant(), expires).toSeconds());
      cookie = cookie.withMaxAge(seconds);
    }
    return Responses.json(StatusCodes.OK, new Session(true, subject, expires, null))
        .addHeader(SetCookie.create(cookie));
  }

  private static HttpCookie cookie(String value) {
    return HttpCookie.create("jwt", value).withPath("/").withHttpOnly(true)
        .withSameSite(SameSite.Strict);
  }
}
