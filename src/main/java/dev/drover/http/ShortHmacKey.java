package dev.drover.http;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HS256 with a key of 16 to 31 bytes, which prunner accepts and nimbus-jose-jwt's MACSigner and
 * MACVerifier refuse (RFC 7518 asks for at least 256 bits). The JDK's HMAC does the work; tokens
 * are parsed and serialised by nimbus as with any other key. A token with critical header
 * parameters is refused, as MACVerifier refuses those it does not know (it knows none).
 */
final class ShortHmacKey implements JWSSigner, JWSVerifier {
  private static final String HMAC = "HmacSHA256";

  private final byte[] key;
  private final JCAContext context = new JCAContext();

  ShortHmacKey(byte[] key) {
    this.key = key.clone();
  }

  @Override
  public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
    return Base64URL.encode(mac(signingInput));
  }

  @Override
  public boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature)
      throws JOSEException {
    if (!JWSAlgorithm.HS256.equals(header.getAlgorithm())) {
      return false;
    }
    if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
      throw new JOSEException("critical header parameters are not accepted: "
          + header.getCriticalParams());
    }
    return MessageDigest.isEqual(mac(signingInput), signature.decode());
  }

  private byte[] mac(byte[] input) throws JOSEException {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(new SecretKeySpec(key, HMAC));
      return mac.doFinal(input);
    } catch (GeneralSecurityException e) {
      throw new JOSEException("HMAC-SHA256 is not available: " + e.getMessage(), e);
    }
  }

  @Override
  public Set<JWSAlgorithm> supportedJWSAlgorithms() {
    return Set.of(JWSAlgorithm.HS256);
  }

  @Override
  public JCAContext getJCAContext() {
    return context;
  }
}
