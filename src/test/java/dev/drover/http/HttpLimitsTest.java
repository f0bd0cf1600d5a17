package dev.drover.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigFactory;
import dev.drover.config.DroverConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The limits of the HTTP server answer in JSON with a 4xx status and log no stack trace: bodies
 * over the limit (however their length is declared), bodies that never arrive, heads too long;
 * and one client's idle connections cannot lock the others out.
 */
class HttpLimitsTest {
  private static final int LIMIT = 1024 * 1024;
  private static final int PER_CLIENT = 32;
  private static final Duration IDLE = Duration.ofSeconds(3);
  private static ActorSystem<Void> system;

  private ApiFixture http;
  private LogCapture logs;

  @BeforeAll
  static void startSystem() {
    system = ActorSystem.create(Behaviors.empty(), "limits", ConfigFactory.parseString("""
        pekko.actor.provider = local
        pekko.loglevel = INFO
        drover.http.request-body-timeout = 2s
        drover.http.idle-timeout = %ds
        drover.http.max-connections-per-client = %d
        """.formatted(IDLE.toSeconds(), PER_CLIENT)).withFallback(DroverConfig.load()));
  }

  @AfterAll
  static void stopSystem() {
    system.terminate();
  }

  @BeforeEach
  void startServer() {
    logs = new LogCapture();
    http = new ApiFixture(system, new FakePipelineApi());
  }

  @AfterEach
  void stopServer() {
    http.close();
    logs.close();
  }

  private String head(String method, String path, boolean authorised, String... more) {
    StringBuilder s = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    if (authorised) {
      s.append("Authorization: Bearer ").append(http.token()).append("\r\n");
    }
    for (String h : more) {
      s.append(h).append("\r\n");
    }
    return s.append("\r\n").toString();
  }

  @Test
  void aBodyOverTheLimitIs413InJsonWhateverItsLengthDeclaresAndNothingIsLoggedAsAnError() {
    // given bodies of 2 MiB and of 9 MiB (over Pekko's own default of 8 MiB), with their length
    // declared, to an authenticated route and to the callback route that needs no token
    String callback = "/api/v1/jobs/" + UUID.randomUUID() + "/tasks/build/complete";
    for (int size : List.of(2 * LIMIT, 9 * LIMIT)) {
      for (String path : List.of("/pipelines/schedule", "/api/v1/jobs", callback)) {
        byte[] body = new byte[size];
        java.util.Arrays.fill(body, (byte) 'x');
        // when each is sent
        RawHttp.Response r;
        try (RawHttp c = RawHttp.connect(http.address)) {
          r = c.write(head("POST", path, !path.equals(callback), "Content-Type: application/json",
                  "Content-Length: " + size))
              .writeUntilRefused(body)
              .read(Duration.ofSeconds(20));
        }
        // then 413 with a JSON error, at once
        assertThat(r.status()).as(path + " with " + size + " bytes").isEqualTo(413);
        assertThat(r.headers().get("content-type")).startsWith("application/json");
        assertThat(ApiFixture.json(r.body()).get("error").asText())
            .isEqualTo("Request body is larger than " + LIMIT + " bytes");
      }
    }
    // and a length over the limit is refused before any of the body is sent
    try (RawHttp c = RawHttp.connect(http.address)) {
      RawHttp.Response r = c.write(head("POST", callback, false, "Content-Length: 100000000"))
          .read(Duration.ofSeconds(5));
      assertThat(r.status()).isEqualTo(413);
    }
    assertThat(logs.errors()).isEmpty();
    assertThat(http.get("/pipelines").statusCode()).isEqualTo(200);
  }

  @Test
  void aBodyShorterThanItsContentLengthIs408OnceTheBodyTimeoutPassed() {
    // given a request that announces 100 bytes and sends 10
    try (RawHttp c = RawHttp.connect(http.address)) {
      // when the client waits
      RawHttp.Response r = c.write(head("POST", "/api/v1/jobs", true,
              "Content-Type: application/json", "Content-Length: 100"))
          .write("{\"pipelin")
          .read(Duration.ofSeconds(10));

      // then 408 in JSON after the body timeout (2 s here), not a 500
      assertThat(r.status()).isEqualTo(408);
      assertThat(ApiFixture.json(r.body()).get("error").asText())
          .isEqualTo("Request body did not arrive within 2s");
    }
    assertThat(logs.errors()).isEmpty();
  }

  @Test
  void anOversizedUriOrHeaderIsRefusedInJson() {
    // given a URI and a header far longer than any client needs
    try (RawHttp c = RawHttp.connect(http.address)) {
      // when each is sent
      RawHttp.Response uri = c.write(head("GET", "/pipelines?x=" + "a".repeat(100_000), true))
          .read(Duration.ofSeconds(5));
      // then a 4xx with a JSON error
      assertThat(uri.status()).isEqualTo(414);
      assertThat(ApiFixture.json(uri.body()).get("error").asText()).isNotBlank();
    }
    try (RawHttp c = RawHttp.connect(http.address)) {
      RawHttp.Response header = c.write(head("GET", "/pipelines", true,
              "X-Padding: " + "a".repeat(100_000)))
          .read(Duration.ofSeconds(5));
      assertThat(header.status()).isEqualTo(431);
      assertThat(ApiFixture.json(header.body()).get("error").asText()).isNotBlank();
    }
    assertThat(logs.errors()).isEmpty();
  }

  @Test
  void twoThousandIdleConnectionsOfOneClientLockNoOtherClientOut() throws Exception {
    // given 2,000 connections from 127.0.0.2 that never send a byte
    List<SocketChannel> idle = new ArrayList<>();
    try {
      for (int i = 0; i < 2_000; i++) {
        SocketChannel c = SocketChannel.open();
        c.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
        c.connect(new InetSocketAddress("127.0.0.1", http.address.getPort()));
        c.configureBlocking(false);
        idle.add(c);
      }

      // when an authenticated client from 127.0.0.1 calls
      HttpResponse<String> served = http.send(ApiFixture.authorised(
          HttpRequest.newBuilder(http.uri("/pipelines")), http.token())
          .timeout(Duration.ofSeconds(20)).build());

      // then it is served, the server keeps only the per-client limit of the idle connections
      // open, and closes those too after the idle timeout
      assertThat(served.statusCode()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(20)).until(() -> open(idle) <= PER_CLIENT);
      assertThat(open(idle)).isGreaterThan(0);
      await().atMost(IDLE.multipliedBy(5)).until(() -> open(idle) == 0);
      assertThat(http.get("/pipelines").statusCode()).isEqualTo(200);
    } finally {
      for (SocketChannel c : idle) {
        c.close();
      }
    }
  }

  /** How many of {@code channels} the server has not closed. */
  private static long open(List<SocketChannel> channels) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(1);
    long open = 0;
    for (SocketChannel c : channels) {
      if (!c.isOpen()) {
        continue;
      }
      int read;
      try {
        read = c.read(buffer.clear());
      } catch (IOException reset) {
        read = -1;
      }
      if (read == -1) {
        c.close();
      } else {
        open++;
      }
    }
    return open;
  }
}
