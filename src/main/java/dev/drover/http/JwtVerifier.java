package dev.drover.http;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
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

  private final byte[] secret;
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
    this.secret = secret.bytes();
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
      if (!jwt.verify(new MACVerifier(secret))) {
        throw new InvalidToken("token signature does not match");
      }
    } catch (JOSEException e) {
      // e.g. a critical header parameter we do not understand
      throw new InvalidToken("token cannot be verified: " + e.getMessage());
    }
    JWTClaimsSet claims;
    try {
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new InvalidToken("token claims are not a JSON object");
    }
    checkTimes(claims);
    return new Caller(subject(claims));
  }

  private void checkTimes(JWTClaimsSet claims) throws InvalidToken {
    Instant now = clock.instant();
    Instant exp = instant(claims.getExpirationTime());
    if (exp != null && now.isAfter(exp.plus(clockSkew))) {
      throw new InvalidToken("token expired at " + Json.TIME.format(exp));
    }
    Instant nbf = instant(claims.getNotBeforeTime());
    if (nbf != null && now.plus(clockSkew).isBefore(nbf)) {
      throw new InvalidToken("token is not valid before " + Json.TIME.format(nbf));
    }
    Instant iat = instant(claims.getIssueTime());
    if (iat != null && now.plus(clockSkew).isBefore(iat)) {
      throw new InvalidToken("token is issued in the future, at " + Json.TIME.format(iat));
    }
  }

  private static Instant instant(Date date) {
    return date == null ? null : date.toInstant();
  }

  private static String subject(JWTClaimsSet claims) {
    // like prunner: a subject that is not a string names nobody
    return claims.getClaim("sub") instanceof String s ? s : "";
  }

  /**
   * Who made an authorised call.
   *
   * @param subject the token's {@code sub} claim, empty when it has none
   */
  public record Caller(String subject) {}

  /** The token is missing, malformed, of another algorithm, badly signed or out of its time. */
  public static final class InvalidToken extends Exception {
    public InvalidToken(String reason) {
      super(reason);
    }
  }
}
