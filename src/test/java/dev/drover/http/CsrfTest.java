package dev.drover.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A request another site's page makes a browser send carries the {@code jwt} cookie but cannot
 * carry a JSON content type (without a preflight Drover never allows) nor this server's Origin:
 * such a request that changes state is refused with 403 and changes nothing.
 */
class CsrfTest {
  private static final String SCHEDULE = "{\"pipeline\": \"release_it\"}";
  private static ActorSystem<Void> system;
  private ApiFixture http;

  @BeforeAll
  static void startSystem() {
    system = ApiFixture.system("csrf");
  }

  @AfterAll
  static void stopSystem() {
    system.terminate();
  }

  @BeforeEach
  void startServer() {
    http = new ApiFixture(system, new FakePipelineApi().holdTasks());
  }

  @AfterEach
  void stopServer() {
    http.close();
  }

  private HttpRequest.Builder withCookie(String path) {
    return HttpRequest.newBuilder(http.uri(path)).header("Cookie", "jwt=" + http.token("alice"));
  }

  private String self() {
    return "http://127.0.0.1:" + http.address.getPort();
  }

  @Test
  void aCookieAuthorisedFormPostSchedulesNothing() {
    // given requests as an HTML form on another site makes a browser send them
    for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x"}) {
      HttpResponse<String> r = http.send(withCookie("/pipelines/schedule")
          .header("Content-Type", type)
          .POST(HttpRequest.BodyPublishers.ofString(SCHEDULE)).build());
      HttpResponse<String> drover = http.send(withCookie("/api/v1/jobs")
          .header("Content-Type", type).header("Origin", "https://evil.example")
          .POST(HttpRequest.BodyPublishers.ofString(SCHEDULE)).build());

      // then 403, and no job
      assertThat(r.statusCode()).as(type).isEqualTo(403);
      assertThat(drover.statusCode()).as(type).isEqualTo(403);
      assertThat(ApiFixture.json(r).get("error").asText()).isEqualTo(Authentication.CROSS_SITE);
    }
    assertThat(http.api.jobs()).isEmpty();
  }

  @Test
  void aCookieAuthorisedCancelWithoutThisServersOriginCancelsNothing() {
    // given a running job
    UUID job = http.schedule();

    // when a cookie-authorised cancel without a body comes from another site, or from nowhere
    HttpResponse<String> evil = http.send(withCookie("/job/cancel?id=" + job)
        .header("Origin", "https://evil.example").POST(HttpRequest.BodyPublishers.noBody())
        .build());
    HttpResponse<String> bare = http.send(withCookie("/job/cancel?id=" + job)
        .POST(HttpRequest.BodyPublishers.noBody()).build());

    // then both are refused and the job goes on
    assertThat(evil.statusCode()).isEqualTo(403);
    assertThat(bare.statusCode()).isEqualTo(403);
    assertThat(http.api.jobNow(job).canceled()).isFalse();

    // and the same cancel from a page of this server is done
    HttpResponse<String> own = http.send(withCookie("/job/cancel?id=" + job)
        .header("Origin", self()).POST(HttpRequest.BodyPublishers.noBody()).build());
    assertThat(own.statusCode()).isEqualTo(200);
    assertThat(http.api.jobNow(job).canceled()).isTrue();
  }

  @Test
  void aCookieAuthorisedJsonRequestOrOneOfThisOriginIsServed() {
    // when the cookie comes with a JSON body, or with this server's Origin
    HttpResponse<String> json = http.send(withCookie("/pipelines/schedule")
        .header("Content-Type", "application/json; charset=utf-8")
        .POST(HttpRequest.BodyPublishers.ofString(SCHEDULE)).build());
    HttpResponse<String> origin = http.send(withCookie("/api/v1/jobs")
        .header("Content-Type", "text/plain").header("Origin", self())
        .POST(HttpRequest.BodyPublishers.ofString(SCHEDULE)).build());

    // then both are scheduled, for the cookie's user
    assertThat(json.statusCode()).isEqualTo(202);
    assertThat(origin.statusCode()).isEqualTo(202);
    assertThat(http.api.jobs()).hasSize(2).allSatisfy(j -> assertThat(j.user()).isEqualTo("alice"));
  }

  @Test
  void aBearerTokenOrAReadNeedsNoProof() {
    // when a bearer token comes with a plain-text body, and the cookie reads
    HttpResponse<String> bearer = http.send(ApiFixture.authorised(
            HttpRequest.newBuilder(http.uri("/pipelines/schedule")), http.token())
        .header("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString(SCHEDULE)).build());
    HttpResponse<String> read = http.send(withCookie("/pipelines/jobs").GET().build());

    // then both are served: no browser adds the header by itself, and a read changes nothing
    assertThat(bearer.statusCode()).isEqualTo(202);
    assertThat(read.statusCode()).isEqualTo(200);
  }
}
