package dev.drover.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigFactory;
import dev.drover.config.DroverConfig;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Event streams answer with their headers at once, before any event or heartbeat is due, and a
 * task's followed output ends when the task has ended.
 */
class EventStreamEdgesTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static ActorSystem<Void> system;
  private ApiFixture http;

  @BeforeAll
  static void startSystem() {
    // heartbeats far apart: the headers must not wait for the first one
    system = ActorSystem.create(Behaviors.empty(), "streams", ConfigFactory.parseString("""
        pekko.actor.provider = local
        pekko.loglevel = WARNING
        drover.http.sse-keep-alive = 60s
        """).withFallback(DroverConfig.load()));
  }

  @AfterAll
  static void stopSystem() {
    system.terminate();
  }

  @AfterEach
  void stopServer() {
    http.close();
  }

  private HttpRequest stream(String path) {
    // the timeout bounds the wait for the response's headers
    return ApiFixture.authorised(HttpRequest.newBuilder(http.uri(path)), http.token())
        .timeout(WAIT).GET().build();
  }

  @Test
  void theEventStreamsHeadersArriveBeforeAnyEvent() throws Exception {
    // given a server with nothing happening
    http = new ApiFixture(system, new FakePipelineApi());

    // when the events are subscribed to, then the response is there, with no event yet
    try (SseClient events = new SseClient(http.client, stream("/api/v1/events"))) {
      assertThat(events.status).isEqualTo(200);
      assertThat(events.contentType).startsWith("text/event-stream");
      assertThat(events.events()).isEmpty();
    }
  }

  @Test
  void followingTheOutputOfAFinishedTaskEndsAfterItsLines() throws Exception {
    // given a job that has finished
    http = new ApiFixture(system, new FakePipelineApi());
    UUID id = http.schedule();
    await().atMost(WAIT).until(() -> http.api.jobNow(id).completed());

    // when its task's output is followed
    try (SseClient logs = new SseClient(http.client,
        stream("/api/v1/jobs/" + id + "/tasks/build/logs?follow=true"))) {
      // then the stream has its lines and ends
      await().atMost(WAIT).until(logs::ended);
      assertThat(logs.events()).extracting(e -> ApiFixture.json(e.data()).asText())
          .contains("out from build\n", "err from build\n");
    }
  }

  @Test
  void followingTheOutputOfARunningTaskEndsWhenItEnds() throws Exception {
    // given a job whose tasks run until it is canceled
    http = new ApiFixture(system, new FakePipelineApi().holdTasks());
    UUID id = http.schedule();
    try (SseClient logs = new SseClient(http.client,
        stream("/api/v1/jobs/" + id + "/tasks/build/logs?follow=true"))) {
      http.api.write(id, "build", "stdout", "half way");
      await().atMost(WAIT).until(() -> logs.events().stream()
          .anyMatch(e -> ApiFixture.json(e.data()).asText().equals("half way\n")));
      assertThat(logs.ended()).isFalse();

      // when the job ends
      http.post("/job/cancel?id=" + id, "");

      // then the stream ends
      await().atMost(WAIT).until(logs::ended);
    }
  }
}
