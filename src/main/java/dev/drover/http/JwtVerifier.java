package dev.drover.http;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Checks the JSON Web Tokens that authorise calls to the HTTP API: HS256 signed with the shared
 * secret (see {@link JwtSecret}), nothing else.
 *
 * <p>Any other algorithm is refused, {@code none} and the asymmetric ones included, so a token
 * can never pick how it is checked. {@code exp}, {@code nbf} and {@code iat} are checked when
 * present, each with {@link #DEFAULT_CLOCK_SKEW} of tolerance for clocks that disagree a little
 * (the PHP client issues tokens that live 60 seconds, so the skew must stay well below that).
 * prunner's tokens carry only {@code iat}, so no claim is required.
 */
public final class JwtVerifier {
  /** How far the issuer's clock may be off from ours: 30 seconds. */
  public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(30);

  private final JwtSecret secret;
  private final Duration clockSkew;
  private final Clock clock;

  /** A verifier of tokens signed with {@code secret}, with the default clock skew. */
  public JwtVerifier(JwtSecret secret) {
    this(secret, DEFAULT_CLOCK_SKEW, Clock.systemUTC());
  }

  /**
   * @param secret the shared HS256 secret
   * @param clockSkew the tolerance of the time claims
   * @param clock the clock the time claims are compared with
   */
  public JwtVerifier(JwtSecret secret, Duration clockSkew, Clock clock) {
    this.secret = secret;
    this.clockSkew = Objects.requireNonNull(clockSkew);
    this.clock = Objects.requireNonNull(clock);
    if (clockSkew.isNegative()) {
      throw new IllegalArgumentException("clock skew must not be negative, got " + clockSkew);
    }
  }

  /**
   * Verifies a token as sent after {@code Bearer } or in the {@code jwt} cookie.
   *
   * @return who called: the token's {@code sub}, or an empty name when it has none
   * @throws InvalidToken with a reason that may be shown to the caller
   */
  public Caller verify(String token) throws InvalidToken {
    Map<String, Object> claims = claims(token);
    if (JwtIssuer.SIGN_IN.equals(claims.get(JwtIssuer.USE_CLAIM))) {
      throw new InvalidToken("a sign-in token only opens a session through its sign-in URL");
    }
    return new Caller(subject(claims));
  }

  /**
   * Verifies a one-time sign-in token of {@link JwtIssuer#issueSignIn}; whether it was used
   * before is the caller's to check, by its id.
   *
   * @throws InvalidToken when it is not a valid sign-in token
   */
  public SignIn verifySignIn(String token) throws InvalidToken {
    Map<String, Object> claims = claims(token);
    Instant expires = instant(claims, "exp");
    if (!JwtIssuer.SIGN_IN.equals(claims.get(JwtIssuer.USE_CLAIM))
        || !(claims.get("jti") instanceof String id) || expires == null) {
      throw new InvalidToken("not a sign-in token");
    }
    Object ttl = claims.get(JwtIssuer.SESSION_TTL_CLAIM);
    if (ttl != null && !(ttl instanceof Number)) {
      throw new InvalidToken("the session lifetime of a sign-in token is not a number");
    }
    long seconds = ttl == null ? 0 : ((Number) ttl).longValue();
    Duration session = seconds < 0 ? Duration.ZERO : Duration.ofSeconds(seconds);
    return new SignIn(subject(claims), id, expires, session);
  }

  /** Whether {@code token} is a sign-in token, judged by its claims alone (not verified). */
  public static boolean looksLikeSignIn(String token) {
    try {
      Map<String, Object> claims = SignedJWT.parse(token.trim()).getPayload().toJSONObject();
      return claims != null && JwtIssuer.SIGN_IN.equals(claims.get(JwtIssuer.USE_CLAIM));
    } catch (ParseException | RuntimeException e) {
      return false;
    }
  }

  /** When a verified token expires, or null when it never does. */
  public Instant expiry(String token) throws InvalidToken {
    return instant(claims(token), "exp");
  }

  private Map<String, Object> claims(String token) throws InvalidToken {
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token.trim());
    } catch (ParseException | RuntimeException e) {
      // includes unsigned tokens (alg "none"), which are not JWS objects at all
      throw new InvalidToken("malformed or unsigned token");
    }
    JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
    if (!JWSAlgorithm.HS256.equals(alg)) {
      throw new InvalidToken("token algorithm " + alg + " is not accepted, only HS256");
    }
    try {
      if (!jwt.verify(verifier())) {
        throw new InvalidToken("token signature does not match");
      }
    } catch (JOSEException e) {
      // e.g. a critical header parameter we do not understand
      throw new InvalidToken("token cannot be verified: " + e.getMessage());
    }
    // the claims as plain JSON: nimbus's typed claims set refuses a token whose sub is not a
    // string, which prunner accepts (naming nobody)
    Map<String, Object> claims = jwt.getPayload().toJSONObject();
    if (claims == null) {
      throw new InvalidToken("token claims are not a JSON object");
    }
    checkTimes(claims);
    return claims;
  }

  private JWSVerifier verifier() throws JOSEException {
    // nimbus refuses keys under 256 bits, which prunner's 16-character secrets are
    return secret.strong() ? new MACVerifier(secret.bytes()) : new ShortHmacKey(secret.bytes());
  }

  private void checkTimes(Map<String, Object> claims) throws InvalidToken {
    Instant now = clock.instant();
    Instant exp = instant(claims, "exp");
    if (exp != null && now.isAfter(exp.plus(clockSkew))) {
      throw new InvalidToken("token expired at " + Json.TIME.format(exp));
    }
    Instant nbf = instant(claims, "nbf");
    if (nbf != null && now.plus(clockSkew).isBefore(nbf)) {
      throw new InvalidToken("token is not valid before " + Json.TIME.format(nbf));
    }
    Instant iat = instant(claims, "iat");
    if (iat != null && now.plus(clockSkew).isBefore(iat)) {
      throw new InvalidToken("token is issued in the future, at " + Json.TIME.format(iat));
    }
  }

  /** A time claim (seconds since the epoch), null when absent; refused when not a number. */
  private static Instant instant(Map<String, Object> claims, String name) throws InvalidToken {
    Object value = claims.get(name);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Number seconds)) {
      throw new InvalidToken("token claim " + name + " is not a number of seconds");
    }
    try {
      return Instant.ofEpochSecond(seconds.longValue());
    } catch (DateTimeException e) {
      throw new InvalidToken("token claim " + name + " is out of range");
    }
  }

  private static String subject(Map<String, Object> claims) {
    // like prunner: a subject that is not a string names nobody
    return claims.get("sub") instanceof String s ? s : "";
  }

  /**
   * Who made an authorised call.
   *
   * @param subject the token's {@code sub} claim, empty when it has none
   */
  public record Caller(String subject) {}

  /**
   * A verified one-time sign-in token.
   *
   * @param subject whom the session is for
   * @param id the token's {@code jti}, to refuse a second use
   * @param expires when the token may no longer be used
   * @param sessionLifetime how long the session it opens lasts; zero for no limit
   */
  public record SignIn(String subject, String id, Instant expires, Duration sessionLifetime) {}

  /** The token is missing, malformed, of another algorithm, badly signed or out of its time. */
  public static final class InvalidToken extends Exception {
    public InvalidToken(String reason) {
      super(reason);
    }
  }
}
