package dev.drover.node;

import static dev.drover.node.TestPools.WAIT;
import static dev.drover.node.TestPools.awaitStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The limits of work with real forked worker JVMs: a killed worker takes its scripts along, work
 * past its timeout ends (and a handler that ignores the cancel loses its JVM), and inputs,
 * payloads and results far larger than a remote message arrive whole.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ForkedWorkLimitsTest {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private ActorTestKit supervisorKit;
  private ActorTestKit clientKit;
  private ActorRef<Supervisor.Command> shell;
  private ActorRef<Supervisor.Command> limits;
  private String address;
  private final List<String> markers = new CopyOnWriteArrayList<>();
  private final Random random = new Random();

  @BeforeAll
  void startPools(@TempDir Path data) {
    supervisorKit = TestPools.supervisorKit();
    ForkedJvmLauncher launcher = new ForkedJvmLauncher(Optional.empty());
    shell = TestPools.spawnSupervisor(supervisorKit,
        TestPools.settings(PoolSettings.SHELL, null, 1, 0, 1, data), launcher);
    limits = TestPools.spawnSupervisor(supervisorKit,
        TestPools.settings("limits", Limits.class.getName(), 1, 0, 1, data), launcher);
    awaitStatus(supervisorKit.system(), shell, TestPools.ready(1));
    awaitStatus(supervisorKit.system(), limits, TestPools.ready(1));
    address = TestPools.address(supervisorKit.system());
    clientKit = TestPools.clientKit();
  }

  @AfterEach
  void killMarked() {
    markers.forEach(m -> processesWith(m).forEach(ProcessHandle::destroyForcibly));
  }

  @AfterAll
  void stopPools() {
    try {
      if (clientKit != null) {
        TestPools.stop(clientKit);
      }
    } finally {
      TestPools.stop(supervisorKit);
      TestPools.killLeftoverWorkers();
    }
  }

  private NodeClient client(String kind) {
    return NodeClient.connect(clientKit.system(), kind, List.of(address), WAIT);
  }

  private static <T> T get(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  private String marker() {
    String m = "600." + (100000 + random.nextInt(900000));
    markers.add(m);
    return m;
  }

  private static ObjectNode script(String... lines) {
    ObjectNode input = JSON.objectNode();
    Stream.of(lines).forEach(input.putArray("script")::add);
    return input;
  }

  @Test
  void theScriptsOfAWorkerKilledWithSigkillAreGoneWithinFiveSeconds() throws Exception {
    // given a leased shell worker running a script that sleeps in the foreground and background
    String m = marker();
    try (NodeClient client = client(PoolSettings.SHELL)) {
      WorkerLease lease = get(client.requestWorker(Duration.ofSeconds(60)));
      Work work = lease.submit(script("sleep " + m + " & sleep " + m + "; wait"), p -> { });
      await().atMost(WAIT).until(() -> processesWith(m).size() >= 3);

      // when its JVM is killed with SIGKILL
      ProcessHandle.of(lease.pid()).orElseThrow().destroyForcibly();

      // then within five seconds no process of the script is left
      await().atMost(Duration.ofSeconds(5)).until(() -> processesWith(m).isEmpty());
      // and the work failed as lost
      assertThatThrownBy(() -> get(work.result())).hasCauseInstanceOf(WorkerLost.class);
    }
    awaitStatus(supervisorKit.system(), shell, TestPools.ready(1));
  }

  @Test
  void aShellScriptPastItsTimeoutEndsWithErrWorkTimeoutAndItsWorkerServesTheNextWork()
      throws Exception {
    String m = marker();
    try (NodeClient client = client(PoolSettings.SHELL)) {
      // given a leased shell worker
      WorkerLease lease = get(client.requestWorker(Duration.ofSeconds(60)));

      // when a script sleeping 600 s runs with a timeout of 2 s
      Work work = lease.submit(script("sleep " + m), Duration.ofSeconds(2), p -> { });

      // then it fails with ErrWorkTimeout and its process is gone
      assertThatThrownBy(() -> get(work.result()))
          .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(ErrWorkTimeout.class);
      await().atMost(Duration.ofSeconds(5)).until(() -> processesWith(m).isEmpty());
      // and the same lease runs the next work
      List<JsonNode> out = new CopyOnWriteArrayList<>();
      JsonNode result = get(lease.submit(script("echo next"), out::add).result());
      assertThat(result.get("exitCode").asInt()).isZero();
      get(lease.release());
    }
  }

  @Test
  void aHandlerIgnoringTheCancelOfItsTimedOutWorkLosesItsJvmAndThePoolServesTheNextClient()
      throws Exception {
    long stubbornPid;
    try (NodeClient client = client("limits")) {
      // given the only worker of a pool of max 1, leased
      WorkerLease lease = get(client.requestWorker(Duration.ofSeconds(60)));
      stubbornPid = lease.pid();

      // when its handler ignores the cancel of work that timed out after 2 s
      ObjectNode stubborn = JSON.objectNode().put("op", "stubborn");
      Work work = lease.submit(stubborn, Duration.ofSeconds(2), p -> { });

      // then the work fails with ErrWorkTimeout, and the lease holder learns its worker is gone
      assertThatThrownBy(() -> get(work.result())).hasCauseInstanceOf(ErrWorkTimeout.class)
          .hasMessageContaining("did not stop within");
      assertThat(get(lease.lost()).getMessage()).contains("did not stop within");
    }
    // and a next client gets a fresh worker that does its work
    try (NodeClient next = client("limits")) {
      WorkerLease lease = get(next.requestWorker(Duration.ofSeconds(60)));
      assertThat(lease.pid()).isNotEqualTo(stubbornPid);
      ObjectNode echo = JSON.objectNode().put("op", "echo");
      echo.put("value", "hello");
      assertThat(get(lease.submit(echo, p -> { }).result()).asText()).isEqualTo("hello");
      get(lease.release());
    }
    assertThat(ProcessHandle.of(stubbornPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
  }

  @Test
  void inputsPayloadsAndResultsOfMegabytesCrossTheJvmBoundaryWhole() throws Exception {
    try (NodeClient client = client("limits")) {
      WorkerLease lease = get(client.requestWorker(Duration.ofSeconds(60)));
      for (int size : new int[] {1_000_000, 3_000_000}) {
        // given an input holding a string of `size` characters
        StringBuilder value = new StringBuilder(size);
        while (value.length() < size) {
          value.append(Integer.toHexString(random.nextInt()));
        }
        value.setLength(size);
        ObjectNode echo = JSON.objectNode().put("op", "echo");
        echo.put("value", value.toString());

        // when it is echoed as a payload and as the result
        List<JsonNode> payloads = new ArrayList<>();
        JsonNode result = get(lease.submit(echo, payloads::add).result());

        // then both arrive exactly
        assertThat(payloads).hasSize(1);
        assertThat(payloads.get(0).asText()).isEqualTo(value.toString());
        assertThat(result.asText()).isEqualTo(value.toString());
      }
      get(lease.release());
    }
  }

  /** Live processes whose command line holds {@code marker}. */
  private static List<ProcessHandle> processesWith(String marker) {
    try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
      return all.filter(ProcessHandle::isAlive).filter(p -> {
        try {
          return Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline"))
              .contains(marker);
        } catch (IOException | RuntimeException e) {
          return false;
        }
      }).toList();
    }
  }
}
