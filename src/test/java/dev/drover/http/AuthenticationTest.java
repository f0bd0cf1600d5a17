package dev.drover.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Who gets in: HS256 tokens of the server's secret, in the header or the cookie, in time. */
class AuthenticationTest {
  private static ActorSystem<Void> system;
  private ApiFixture http;

  @BeforeAll
  static void startSystem() {
    system = ApiFixture.system("authentication-test");
  }

  @AfterAll
  static void stopSystem() {
    system.terminate();
  }

  @BeforeEach
  void startServer() {
    http = new ApiFixture(system, new FakePipelineApi());
  }

  @AfterEach
  void stopServer() {
    http.close();
  }

  private HttpResponse<String> withBearer(String token) {
    return http.send(ApiFixture.authorised(HttpRequest.newBuilder(http.uri("/pipelines")), token)
        .GET().build());
  }

  private static String error(HttpResponse<String> response) {
    return ApiFixture.json(response).get("error").asText();
  }

  @Test
  void aRequestWithoutTokenIs401InJson() {
    // given no Authorization header and no cookie
    // when the pipelines are listed
    HttpResponse<String> response =
        http.send(HttpRequest.newBuilder(http.uri("/pipelines")).GET().build());

    // then 401, with a JSON error and a challenge
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(error(response)).startsWith("Unauthorized: no token");
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
  }

  @Test
  void theJwtCookieAuthorisesLikeTheHeader() {
    // given a valid token in the jwt cookie, as a browser sends it
    String token = http.token("j.doe");

    // when the pipelines are listed with it
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(http.uri("/pipelines"))
        .header("Cookie", "other=1; jwt=" + token).GET().build());

    // then they are
    assertThat(response.statusCode()).isEqualTo(200);
  }

  @Test
  void theBearerSchemeIsReadInAnyCase() {
    // given a valid token after "bearer" in lower case, as jwtauth accepts it
    String token = http.token("j.doe");

    // when it is sent
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(http.uri("/pipelines"))
        .header("Authorization", "bearer " + token).GET().build());

    // then it is accepted
    assertThat(response.statusCode()).isEqualTo(200);
  }

  @Test
  void anUnsignedTokenIsRefused() {
    // given a token with alg "none" and a valid-looking subject
    String token = new PlainJWT(new JWTClaimsSet.Builder().subject("admin")
        .issueTime(new Date()).build()).serialize();

    // when it is sent
    HttpResponse<String> response = withBearer(token);

    // then it is refused
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(error(response)).isEqualTo("Unauthorized: malformed or unsigned token");
  }

  @Test
  void anHs512TokenSignedWithTheRightSecretIsRefused() throws Exception {
    // given a token signed with HMAC-SHA512 and the server's own secret
    String token = hmacToken("HS512", "HmacSHA512");

    // when it is sent
    HttpResponse<String> response = withBearer(token);

    // then it is refused for its algorithm alone
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(error(response))
        .isEqualTo("Unauthorized: token algorithm HS512 is not accepted, only HS256");
  }

  @Test
  void anRs256TokenIsRefused() throws Exception {
    // given a token signed with an RSA key of the caller's choosing
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256),
        new JWTClaimsSet.Builder().subject("admin").build());
    jwt.sign(new RSASSASigner(generator.generateKeyPair().getPrivate()));

    // when it is sent
    HttpResponse<String> response = withBearer(jwt.serialize());

    // then it is refused
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(error(response))
        .isEqualTo("Unauthorized: token algorithm RS256 is not accepted, only HS256");
  }

  @Test
  void anExpiredTokenIsRefusedButOneWithinTheClockSkewIsNot() {
    // given a token that expired a minute ago, and one that expired 10 seconds ago
    Instant now = Instant.now();
    String expired = issuedAt(now.minus(Duration.ofMinutes(61)), Duration.ofHours(1));
    String justExpired = issuedAt(now.minus(Duration.ofSeconds(70)), Duration.ofMinutes(1));

    // when they are sent
    HttpResponse<String> refused = withBearer(expired);
    HttpResponse<String> accepted = withBearer(justExpired);

    // then the first is refused, the second is within the 30 s of clock skew
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(error(refused)).startsWith("Unauthorized: token expired at ");
    assertThat(accepted.statusCode()).isEqualTo(200);
  }

  @Test
  void aTokenNotYetValidOrIssuedInTheFutureIsRefused() throws Exception {
    // given a token valid only in five minutes, and one issued in five minutes
    Instant later = Instant.now().plus(Duration.ofMinutes(5));
    String notBefore = signed(new JWTClaimsSet.Builder().notBeforeTime(Date.from(later)).build());
    String future = signed(new JWTClaimsSet.Builder().issueTime(Date.from(later)).build());

    // when they are sent
    HttpResponse<String> first = withBearer(notBefore);
    HttpResponse<String> second = withBearer(future);

    // then both are refused, each saying why
    assertThat(first.statusCode()).isEqualTo(401);
    assertThat(error(first)).startsWith("Unauthorized: token is not valid before ");
    assertThat(second.statusCode()).isEqualTo(401);
    assertThat(error(second)).startsWith("Unauthorized: token is issued in the future");
  }

  @Test
  void aTamperedTokenIsRefused() {
    // given a valid token whose subject was changed after signing
    String[] parts = http.token("j.doe").split("\\.");
    String payload = Base64.getUrlEncoder().withoutPadding().encodeToString(
        "{\"sub\":\"admin\"}".getBytes(StandardCharsets.UTF_8));

    // when it is sent
    HttpResponse<String> response = withBearer(parts[0] + "." + payload + "." + parts[2]);

    // then it is refused
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(error(response)).isEqualTo("Unauthorized: token signature does not match");
  }

  @Test
  void garbageIsRefusedAndTheServerGoesOn() {
    // given a token that is no JWT at all
    // when it is sent
    HttpResponse<String> response = withBearer("not.a.jwt");

    // then it is refused, and a valid one is still accepted afterwards
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(withBearer(http.token("j.doe")).statusCode()).isEqualTo(200);
  }

  @Test
  void aTokenWhoseSubjectIsNotAStringNamesNobody() throws Exception {
    // given a valid token whose sub is a number, which prunner accepts
    String token = hs256Token("{\"sub\": 42, \"iat\": " + Instant.now().getEpochSecond() + "}");

    // when it lists and schedules
    HttpResponse<String> list = withBearer(token);
    HttpResponse<String> schedule = http.send(ApiFixture.authorised(
            HttpRequest.newBuilder(http.uri("/pipelines/schedule")), token)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"pipeline\": \"release_it\"}")).build());

    // then both are served, and the job was scheduled by nobody
    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(schedule.statusCode()).isEqualTo(202);
    assertThat(http.api.jobs()).singleElement()
        .satisfies(job -> assertThat(job.user()).isEmpty());
  }

  @Test
  void aTimeClaimThatIsNotANumberIsRefused() throws Exception {
    // given a validly signed token whose exp is text
    String token = hs256Token("{\"sub\": \"j.doe\", \"exp\": \"tomorrow\"}");

    // when it is sent, then it is refused with the reason
    HttpResponse<String> response = withBearer(token);
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.body()).contains("exp is not a number");
  }

  private static String hs256Token(String claims) throws Exception {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String signingInput = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
            .getBytes(StandardCharsets.UTF_8)) + "."
        + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(ApiFixture.SECRET.bytes(), "HmacSHA256"));
    return signingInput + "." + b64.encodeToString(
        mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
  }

  private static String issuedAt(Instant at, Duration ttl) {
    return new JwtIssuer(ApiFixture.SECRET, Clock.fixed(at, ZoneOffset.UTC)).issue("j.doe", ttl);
  }

  private static String signed(JWTClaimsSet claims) throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    jwt.sign(new MACSigner(ApiFixture.SECRET.bytes()));
    return jwt.serialize();
  }

  private static String hmacToken(String alg, String javaAlg) throws Exception {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String signingInput = b64.encodeToString(("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}")
            .getBytes(StandardCharsets.UTF_8)) + "."
        + b64.encodeToString("{\"sub\":\"admin\"}".getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance(javaAlg);
    mac.init(new SecretKeySpec(ApiFixture.SECRET.bytes(), javaAlg));
    return signingInput + "." + b64.encodeToString(
        mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
  }
}
