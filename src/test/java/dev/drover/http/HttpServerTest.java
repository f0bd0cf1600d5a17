package dev.drover.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Starting and stopping the server. */
class HttpServerTest {
  private static ActorSystem<Void> system;

  @BeforeAll
  static void startSystem() {
    system = ApiFixture.system("http-server-test");
  }

  @AfterAll
  static void stopSystem() {
    system.terminate();
  }

  @Test
  void stoppingEndsEventStreamsAndUnbinds() throws Exception {
    // given a server with a client on its event stream
    ApiFixture http = new ApiFixture(system, new FakePipelineApi());
    SseClient stream = new SseClient(http.client, ApiFixture.authorised(
        HttpRequest.newBuilder(http.uri("/api/v1/events")), http.token("j.doe")).GET().build());
    await().atMost(Duration.ofSeconds(10)).until(() -> http.api.subscribers() == 1);

    // when it stops
    http.server.stop(Duration.ofSeconds(5)).toCompletableFuture().join();

    // then the stream ended, its subscription is closed, and the port takes no connection
    await().atMost(Duration.ofSeconds(10)).until(stream::ended);
    await().atMost(Duration.ofSeconds(10)).until(() -> http.api.subscribers() == 0);
    assertThatThrownBy(() -> http.client.send(
            HttpRequest.newBuilder(http.uri("/pipelines")).GET().build(),
            HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(ConnectException.class);

    // and stopping again does nothing
    http.server.stop(Duration.ofSeconds(1)).toCompletableFuture().join();
  }

  @Test
  void aPortInUseIsAClearError() {
    // given a server on a port
    try (ApiFixture http = new ApiFixture(system, new FakePipelineApi())) {
      int port = http.address.getPort();

      // when a second server is started on it
      // then it says it cannot listen there
      assertThatThrownBy(() -> new HttpServer().start(system, new FakePipelineApi(),
          ApiFixture.SECRET, "127.0.0.1", port))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("cannot listen on 127.0.0.1:" + port);
    }
  }

  @Test
  void aServerStartsOnce() {
    // given a started server
    try (ApiFixture http = new ApiFixture(system, new FakePipelineApi())) {
      InetSocketAddress at = http.address;

      // when it is started again
      // then it refuses, naming where it runs
      assertThatThrownBy(() -> http.server.start(system, new FakePipelineApi(), ApiFixture.SECRET,
          "127.0.0.1", 0))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(String.valueOf(at.getPort()));
    }
  }
}
