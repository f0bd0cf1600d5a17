package dev.drover.http;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.UUID;

/**
 * Issues HS256 tokens that {@link JwtVerifier} accepts, for {@code drover token} and for
 * applications that call the API from the same machine.
 */
public final class JwtIssuer {
  /** The claim that marks a token for one purpose only. */
  static final String USE_CLAIM = "drover_use";
  /** Its value for a one-time sign-in token, which the API refuses as a bearer token. */
  static final String SIGN_IN = "sign-in";
  /** The lifetime, in seconds, of the session a sign-in token opens. */
  static final String SESSION_TTL_CLAIM = "drover_session_ttl";

  private final JwtSecret secret;
  private final Clock clock;

  public JwtIssuer(JwtSecret secret) {
    this(secret, Clock.systemUTC());
  }

  public JwtIssuer(JwtSecret secret, Clock clock) {
    this.secret = secret;
    this.clock = clock;
  }

  /**
   * A token for {@code subject}, issued now.
   *
   * @param subject the {@code sub} claim: the user jobs scheduled with it are recorded for; none
   *     when null
   * @param ttl how long it is valid; {@link Duration#ZERO} for a token that never expires
   */
  public String issue(String subject, Duration ttl) {
    if (ttl.isNegative()) {
      throw new IllegalArgumentException("a token's lifetime must not be negative, got " + ttl);
    }
    // whole seconds, as JWT's NumericDate is
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
        .subject(subject)
        .issueTime(Date.from(now));
    if (!ttl.isZero()) {
      claims.expirationTime(Date.from(now.plus(ttl)));
    }
    return sign(claims.build());
  }

  /**
   * A one-time sign-in token for the web UI: valid for {@code window}, accepted once, and never
   * as a bearer token. The session it opens is a token of {@code subject} that lives {@code
   * sessionTtl} ({@link Duration#ZERO}: no limit).
   */
  public String issueSignIn(String subject, Duration window, Duration sessionTtl) {
    if (window.isNegative() || window.isZero() || sessionTtl.isNegative()) {
      throw new IllegalArgumentException("a sign-in window must be positive and a session's "
          + "lifetime not negative, got " + window + " and " + sessionTtl);
    }
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .subject(subject)
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plus(window)))
        .jwtID(UUID.randomUUID().toString())
        .claim(USE_CLAIM, SIGN_IN)
        .claim(SESSION_TTL_CLAIM, sessionTtl.toSeconds())
        .build();
    return sign(claims);
  }

  private String sign(JWTClaimsSet claims) {
    SignedJWT jwt = new SignedJWT(
        new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(), claims);
    try {
      // nimbus refuses keys under 256 bits, which prunner's 16-character secrets are
      jwt.sign(secret.strong() ? new MACSigner(secret.bytes()) : new ShortHmacKey(secret.bytes()));
    } catch (JOSEException e) {
      // JwtSecret guarantees a key HS256 can use, so this is a bug
      throw new IllegalStateException("cannot sign a token with " + secret, e);
    }
    return jwt.serialize();
  }
}
