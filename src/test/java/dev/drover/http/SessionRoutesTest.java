package dev.drover.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Signing in to the web UI: a pasted token or a one-time sign-in token becomes an HttpOnly,
 * SameSite=Strict {@code jwt} cookie; a sign-in token opens one session and is no API token.
 */
class SessionRoutesTest {
  private static ActorSystem<Void> system;
  private static ApiFixture http;

  @BeforeAll
  static void start() {
    system = ApiFixture.system("session-routes-test");
    http = new ApiFixture(system, new FakePipelineApi());
  }

  @AfterAll
  static void stop() {
    http.close();
    system.terminate();
  }

  private static HttpResponse<String> signIn(String token, String contentType) {
    return http.send(HttpRequest.newBuilder(http.uri("/api/v1/session"))
        .header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString("{\"token\": \"" + token + "\"}")).build());
  }

  private static String cookie(HttpResponse<String> response) {
    return response.headers().firstValue("Set-Cookie").orElseThrow();
  }

  private static HttpResponse<String> withCookie(String path, String setCookie) {
    String pair = setCookie.substring(0, setCookie.indexOf(';'));
    return http.send(HttpRequest.newBuilder(http.uri(path)).header("Cookie", pair).GET().build());
  }

  @Test
  void aPastedTokenBecomesAStrictHttpOnlyCookieTheApiAccepts() {
    // when a valid token of alice is posted, as `drover token` prints it
    HttpResponse<String> response = signIn("Bearer " + http.token("alice"), "application/json");

    // then the session is alice's, in a cookie no script reads and no other site sends
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(ApiFixture.json(response).get("subject").asText()).isEqualTo("alice");
    String cookie = cookie(response);
    assertThat(cookie).startsWith("jwt=ey").contains("HttpOnly").contains("SameSite=Strict")
        .contains("Path=/").contains("Max-Age=");
    assertThat(withCookie("/api/v1/jobs", cookie).statusCode()).isEqualTo(200);
    JsonNode session = ApiFixture.json(withCookie("/api/v1/session", cookie));
    assertThat(session.get("signedIn").asBoolean()).isTrue();
    assertThat(session.get("subject").asText()).isEqualTo("alice");
  }

  @Test
  void aSignInNeedsJsonSoNoOtherSitesFormCanPostIt() {
    // when a form posts a token
    HttpResponse<String> response = signIn(http.token("alice"), "text/plain");

    // then it is refused and sets no cookie
    assertThat(response.statusCode()).isEqualTo(415);
    assertThat(response.headers().firstValue("Set-Cookie")).isEmpty();
  }

  @Test
  void anExpiredTokenOpensNoSessionAndSaysWhy() {
    // given a token that expired an hour ago
    String expired = new JwtIssuer(ApiFixture.SECRET,
        Clock.fixed(Instant.now().minus(Duration.ofHours(2)), ZoneOffset.UTC))
        .issue("alice", Duration.ofHours(1));

    // when it is posted, or sent as the cookie
    HttpResponse<String> posted = signIn(expired, "application/json");
    JsonNode asCookie = ApiFixture.json(withCookie("/api/v1/session", "jwt=" + expired + ";"));

    // then neither is a session, and both say it expired
    assertThat(ApiFixture.json(posted).get("signedIn").asBoolean()).isFalse();
    assertThat(ApiFixture.json(posted).get("reason").asText()).contains("token expired at");
    assertThat(posted.headers().firstValue("Set-Cookie")).isEmpty();
    assertThat(asCookie.get("signedIn").asBoolean()).isFalse();
    assertThat(asCookie.get("reason").asText()).contains("token expired at");
  }

  @Test
  void aSignInTokenOpensOneSessionAndIsNoApiToken() {
    // given a one-time sign-in token of bob whose session lives 8 hours
    String signIn = http.issuer.issueSignIn("bob", Duration.ofMinutes(5), Duration.ofHours(8));

    // then it is refused as a bearer token
    HttpResponse<String> asBearer = http.send(ApiFixture.authorised(
        HttpRequest.newBuilder(http.uri("/api/v1/jobs")), signIn).GET().build());
    assertThat(asBearer.statusCode()).isEqualTo(401);
    assertThat(asBearer.body()).contains("sign-in token");

    // when it is used to sign in
    HttpResponse<String> first = signIn(signIn, "application/json");

    // then it opens a session of bob, with a token of its own
    assertThat(ApiFixture.json(first).get("subject").asText()).isEqualTo("bob");
    String cookie = cookie(first);
    assertThat(cookie).doesNotContain(signIn).containsPattern("Max-Age=(28800|2879\\d)");
    assertThat(withCookie("/api/v1/jobs", cookie).statusCode()).isEqualTo(200);

    // and a second use opens none
    HttpResponse<String> second = signIn(signIn, "application/json");
    assertThat(ApiFixture.json(second).get("signedIn").asBoolean()).isFalse();
    assertThat(ApiFixture.json(second).get("reason").asText()).contains("used before");
    assertThat(second.headers().firstValue("Set-Cookie")).isEmpty();
  }

  @Test
  void signingOutClearsTheCookie() {
    // when the session is deleted
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(
        http.uri("/api/v1/session")).DELETE().build());

    // then the cookie is emptied and expires at once
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(cookie(response)).startsWith("jwt=;").contains("Max-Age=0");
  }

  @Test
  void theUiIsServedWithAStrictContentSecurityPolicy() {
    // when the page and one of its modules are fetched without a token
    HttpResponse<String> page = http.send(HttpRequest.newBuilder(http.uri("/")).GET().build());
    HttpResponse<String> module = http.send(HttpRequest.newBuilder(http.uri("/ui/app.js"))
        .GET().build());
    HttpResponse<String> outside = http.send(HttpRequest.newBuilder(
        http.uri("/ui/..%2Freference.conf")).GET().build());

    // then both are served, only with scripts of this server, and nothing else of the jar is
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("<script type=\"module\" src=\"/ui/app.js\">");
    assertThat(page.headers().firstValue("Content-Security-Policy").orElse(""))
        .contains("default-src 'self'").contains("frame-ancestors 'none'");
    assertThat(module.statusCode()).isEqualTo(200);
    assertThat(module.headers().firstValue("Content-Type").orElse("")).contains("javascript");
    assertThat(outside.statusCode()).isEqualTo(404);
  }
}
