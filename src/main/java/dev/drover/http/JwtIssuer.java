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

/**
 * Issues HS256 tokens that {@link JwtVerifier} accepts, for {@code drover token} and for
 * applications that call the API from the same machine.
 */
public final class JwtIssuer {
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
    SignedJWT jwt = new SignedJWT(
        new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(),
        claims.build());
    try {
      jwt.sign(new MACSigner(secret.bytes()));
    } catch (JOSEException e) {
      // JwtSecret guarantees a key long enough for HS256, so this is a bug
      throw new IllegalStateException("cannot sign a token with " + secret, e);
    }
    return jwt.serialize();
  }
}
