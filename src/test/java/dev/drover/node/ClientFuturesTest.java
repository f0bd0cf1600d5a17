package dev.drover.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every future of a {@link NodeClient} completes: when the client is closed, when its actor
 * system terminates, and when no supervisor answers a request within its timeout (however long
 * attaching would take).
 */
class ClientFuturesTest {
  private ActorTestKit kit;

  @AfterEach
  void stop() {
    if (kit != null) {
      TestPools.stop(kit);
    }
  }

  /** A client whose only supervisor address has nobody listening, with a long attach timeout. */
  private NodeClient clientOfNobody() throws Exception {
    kit = TestPools.clientKit();
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    return NodeClient.connect(kit.system(), "nobody", List.of("127.0.0.1:" + port),
        Duration.ofMinutes(5));
  }

  private static Throwable failure(CompletionStage<?> stage) {
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> stage.toCompletableFuture().get(30, TimeUnit.SECONDS));
    return e.getCause();
  }

  @Test
  void aRequestTimesOutOnTheClientSideWhenNoSupervisorAnswers() throws Exception {
    try (NodeClient client = clientOfNobody()) {
      // when a worker is requested for 2 s while attaching would take minutes
      CompletionStage<WorkerLease> request = client.requestWorker(Duration.ofSeconds(2));

      // then the request fails on its own, saying so
      assertThat(failure(request)).isInstanceOf(ErrWorker.class)
          .hasMessageContaining("within PT2S").hasMessageContaining("enforced by the client");
    }
  }

  @Test
  void closingTheClientFailsItsOpenRequestsAndEveryLaterOne() throws Exception {
    NodeClient client = clientOfNobody();
    CompletionStage<WorkerLease> open = client.requestWorker(Duration.ofMinutes(10));

    // when the client is closed
    client.close();

    // then the open request fails, and so does every later call
    assertThat(failure(open)).isInstanceOf(ErrSupervisor.class).hasMessageContaining("closed");
    assertThat(failure(client.requestWorker(Duration.ofMinutes(10))))
        .isInstanceOf(ErrSupervisor.class);
    assertThat(failure(client.state())).isInstanceOf(ErrSupervisor.class);
  }

  @Test
  void theTerminationOfTheClientsActorSystemFailsItsOpenRequests() throws Exception {
    NodeClient client = clientOfNobody();
    CompletionStage<WorkerLease> open = client.requestWorker(Duration.ofMinutes(10));

    // when its actor system terminates
    kit.shutdownTestKit();
    kit = null;

    // then the open request fails
    assertThat(failure(open)).isInstanceOf(ErrSupervisor.class);
    CompletableFuture<?> later = client.requestWorker(Duration.ofMinutes(10)).toCompletableFuture();
    assertThatThrownBy(() -> later.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
  }
}
