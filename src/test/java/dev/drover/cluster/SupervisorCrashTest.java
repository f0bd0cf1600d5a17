package dev.drover.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import dev.drover.config.DroverConfig;
import dev.drover.node.ErrSupervisor;
import dev.drover.node.NodeClient;
import dev.drover.node.NodeSystem;
import dev.drover.node.Work;
import dev.drover.node.WorkerLease;
import dev.drover.node.WorkerLost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Supervisors in JVMs of their own, on the cluster's TLS: the {@code kill -9} of either of two
 * supervisors never takes the other or a client down, the client's lease on the dead side fails
 * within the failure detector's time, and a process without the cluster's keys gets nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SupervisorCrashTest {
  // four supervisor JVMs and their workers start at once: generous on 2 loaded cores
  private static final Duration WAIT = Duration.ofMinutes(3);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  private ClusterProcesses processes;
  private Path keys;
  private final List<ActorTestKit> kits = new ArrayList<>();

  @BeforeAll
  void keys() throws Exception {
    processes = new ClusterProcesses(dir);
    keys = ClusterKeys.init(dir.resolve("keys")).directory();
  }

  @AfterAll
  void stopEverything() {
    try {
      // an intruder's system may hold TLS handshakes that never complete; it must not fail
      // the test that proved it got nowhere
      kits.forEach(k -> ActorTestKit.shutdown(k.system(), Duration.ofSeconds(30), false));
    } finally {
      processes.close();
    }
  }

  private Process supervisor(String name, int port, Integer seed) throws Exception {
    List<String> args = new ArrayList<>(List.of("supervisor", "--kind", "shell",
        "--min", "1", "--warm", "0", "--max", "2", "--port", Integer.toString(port),
        "--data", dir.resolve(name).toString(), "--cluster-keys", keys.toString()));
    if (seed != null) {
      args.addAll(List.of("--seed", "127.0.0.1:" + seed));
    }
    return processes.drover(name, List.of(), Map.of(), args.toArray(String[]::new));
  }

  /** A client's actor system in this JVM, seeded with {@code seeds}, holding {@code keyDir}. */
  private ActorSystem<Void> clientSystem(Config base, List<Integer> seeds) {
    Config config = NodeSystem.config("client", 0, base.withValue("pekko.cluster.seed-nodes",
        ConfigValueFactory.fromIterable(seeds.stream()
            .map(p -> "pekko://drover@127.0.0.1:" + p).toList())));
    ActorTestKit kit = ActorTestKit.create(NodeSystem.NAME, config);
    kits.add(kit);
    @SuppressWarnings("unchecked")
    ActorSystem<Void> system = (ActorSystem<Void>) (ActorSystem<?>) kit.system();
    return system;
  }

  private Config withKeys(Path keyDir) {
    return DroverConfig.load()
        .withValue("drover.cluster.keys", ConfigValueFactory.fromAnyRef(keyDir.toString()));
  }

  private static JsonNode script(String... lines) {
    return JSON.valueToTree(Map.of("script", List.of(lines)));
  }

  private static long upSupervisors(ActorSystem<?> system) {
    List<Member> members = new ArrayList<>();
    Cluster.get(system).state().getMembers().forEach(members::add);
    return members.stream().filter(m -> m.hasRole("supervisor"))
        .filter(m -> m.status() == MemberStatus.up()).count();
  }

  private static List<Integer> memberPorts(ActorSystem<?> system) {
    List<Integer> ports = new ArrayList<>();
    Cluster.get(system).state().getMembers().forEach(m -> ports.add((Integer) m.address().port().get()));
    return ports;
  }

  private static String commandLine(ProcessHandle p) {
    try {
      return Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline"));
    } catch (java.io.IOException e) {
      return "";
    }
  }

  /** One cluster of two supervisors and a client leasing a worker of {@code victim}. */
  private final class Scenario {
    final int first = ClusterProcesses.freePort();
    final int second = ClusterProcesses.freePort();
    final boolean killFirst;
    final Process firstJvm;
    final Process secondJvm;
    ActorSystem<Void> client;
    NodeClient nodeClient;
    WorkerLease lease;
    Work work;
    List<ProcessHandle> victimWorkers;

    Scenario(String name, boolean killFirst) throws Exception {
      this.killFirst = killFirst;
      firstJvm = supervisor(name + "-first", first, null);
      secondJvm = supervisor(name + "-second", second, first);
    }

    int victim() {
      return killFirst ? first : second;
    }

    int survivor() {
      return killFirst ? second : first;
    }

    Process victimJvm() {
      return killFirst ? firstJvm : secondJvm;
    }

    Process survivorJvm() {
      return killFirst ? secondJvm : firstJvm;
    }

    void joinAndLease() throws Exception {
      client = clientSystem(withKeys(keys), List.of(first, second));
      await().atMost(WAIT).until(() -> upSupervisors(client) == 2);
      nodeClient = NodeClient.connect(client, "shell",
          List.of("127.0.0.1:" + victim(), "127.0.0.1:" + survivor()));
      // the supervisors' first workers may take a while on a loaded machine
      lease = nodeClient.requestWorker(WAIT).toCompletableFuture()
          .get(WAIT.toSeconds() + 10, TimeUnit.SECONDS);
      java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
      work = lease.submit(script("echo started", "sleep 600." + processes.marker()),
          payload -> started.countDown());
      assertThat(started.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      // the worker JVMs; the scripts they started are processes of their own
      victimWorkers = victimJvm().descendants().filter(p -> commandLine(p)
          .contains(dev.drover.node.WorkerMain.class.getName())).toList();
      assertThat(victimWorkers).extracting(ProcessHandle::pid).contains(lease.pid());
    }
  }

  @Test
  void theKillOfEitherSupervisorLeavesTheOtherAndTheClientRunningAndFailsItsLeases()
      throws Exception {
    // given two clusters of two supervisors and a client each; each client holds a lease on a
    // worker of the supervisor that will be killed: the oldest member in one, the youngest in
    // the other
    Scenario oldest = new Scenario("oldest", true);
    Scenario youngest = new Scenario("youngest", false);
    for (Scenario s : List.of(oldest, youngest)) {
      s.joinAndLease();
    }

    // when each victim's JVM is killed with SIGKILL
    long killedAt = System.nanoTime();
    for (Scenario s : List.of(oldest, youngest)) {
      ClusterProcesses.kill9(s.victimJvm());
    }

    // then each lease fails within the failure detector's time (10 s), its work with it
    for (Scenario s : List.of(oldest, youngest)) {
      await().atMost(Duration.ofSeconds(10).minusNanos(System.nanoTime() - killedAt))
          .until(() -> s.lease.lost().toCompletableFuture().isDone());
      WorkerLost lost = s.lease.lost().toCompletableFuture().get();
      assertThat(lost.getMessage()).contains("unreachable");
      // (the worker's JVM halts with its supervisor: whichever of the two nodes the client's
      // failure detector finds unreachable first names the loss)
      assertThatThrownBy(() -> s.work.result().toCompletableFuture().get(5, TimeUnit.SECONDS))
          .cause().isInstanceOfAny(ErrSupervisor.class, WorkerLost.class)
          .hasMessageContaining("unreachable");
    }
    // and the victims' workers halted with them
    for (Scenario s : List.of(oldest, youngest)) {
      await().atMost(WAIT).until(() -> s.victimWorkers.stream().noneMatch(ProcessHandle::isAlive));
    }
    // and the clients lease from the survivors
    for (Scenario s : List.of(oldest, youngest)) {
      JsonNode result = await().atMost(WAIT).ignoreExceptions().until(() -> {
        WorkerLease next = s.nodeClient.requestWorker(Duration.ofSeconds(10))
            .toCompletableFuture().get(20, TimeUnit.SECONDS);
        try {
          return next.submit(script("echo again")).result().toCompletableFuture()
              .get(20, TimeUnit.SECONDS);
        } finally {
          next.release();
        }
      }, r -> r.get("exitCode").asInt() == 0);
      assertThat(result.get("exitCode").asInt()).isZero();
    }

    // and once the split brain resolver has downed and removed the victim (its decision, which
    // once downed the survivors too), the survivor and the client stay members, Up, and the
    // client's actor system runs, until 60 s after the kill
    for (Scenario s : List.of(oldest, youngest)) {
      await().atMost(WAIT).until(() -> !memberPorts(s.client).contains(s.victim()));
    }
    Duration left = Duration.ofSeconds(60).minusNanos(System.nanoTime() - killedAt);
    Duration untilSixty = left.isNegative() ? Duration.ZERO : left;
    await().during(untilSixty).atMost(untilSixty.plusSeconds(10)).until(() ->
        List.of(oldest, youngest).stream().allMatch(s -> !s.client.whenTerminated().isCompleted()
            && Cluster.get(s.client).selfMember().status() == MemberStatus.up()
            && upSupervisors(s.client) == 1 && s.survivorJvm().isAlive()
            && memberPorts(s.client).contains(s.survivor())));
    for (Scenario s : List.of(oldest, youngest)) {
      WorkerLease last = s.nodeClient.requestWorker(Duration.ofSeconds(10)).toCompletableFuture()
          .get(20, TimeUnit.SECONDS);
      assertThat(last.submit(script("true")).result().toCompletableFuture()
          .get(20, TimeUnit.SECONDS).get("exitCode").asInt()).isZero();
      last.release().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void aProcessWithoutTheClusterKeysCannotJoinLeaseOrRunAnything() throws Exception {
    // given a supervisor of shell workers, and a legitimate client proving it serves
    int port = ClusterProcesses.freePort();
    supervisor("guarded", port, null);
    ActorSystem<Void> legit = clientSystem(withKeys(keys), List.of(port));
    await().atMost(WAIT).until(() -> upSupervisors(legit) == 1);

    // when intruders try: with keys of another cluster, with none, and over plain TCP
    Path marker = dir.resolve("intruded");
    Path otherKeys = ClusterKeys.init(dir.resolve("other-keys")).directory();
    List<ActorSystem<Void>> intruders = List.of(
        clientSystem(withKeys(otherKeys), List.of(port)),
        clientSystem(withKeys(dir.resolve("no-keys-here")).withValue("drover.cluster.keys",
            ConfigValueFactory.fromAnyRef("")).withValue("drover.data-dir",
            ConfigValueFactory.fromAnyRef(dir.resolve("intruder-data").toString())), List.of(port)),
        clientSystem(DroverConfig.load().withValue("drover.cluster.tls",
            ConfigValueFactory.fromAnyRef(false)), List.of(port)));
    List<NodeClient> clients = intruders.stream().map(s -> NodeClient.connect(s, "shell",
        List.of("127.0.0.1:" + port), Duration.ofSeconds(2))).toList();

    // then none joins, none is attached, none gets a worker, nothing runs (all tried at once)
    List<java.util.concurrent.CompletableFuture<?>> attached = clients.stream()
        .<java.util.concurrent.CompletableFuture<?>>map(
            c -> c.attached(Duration.ofSeconds(20)).toCompletableFuture()).toList();
    List<java.util.concurrent.CompletableFuture<?>> ran = clients.stream()
        .<java.util.concurrent.CompletableFuture<?>>map(c -> c.requestWorker(Duration.ofSeconds(2))
            .thenCompose(l -> l.submit(script("touch " + marker)).result()).toCompletableFuture())
        .toList();
    for (int i = 0; i < clients.size(); i++) {
      var a = attached.get(i);
      var r = ran.get(i);
      assertThatThrownBy(() -> a.get(60, TimeUnit.SECONDS)).hasCauseInstanceOf(ErrSupervisor.class);
      // refused as not attached, or timed out by the client itself: either way, no worker
      assertThatThrownBy(() -> r.get(60, TimeUnit.SECONDS))
          .cause().isInstanceOfAny(ErrSupervisor.class, dev.drover.node.ErrWorker.class);
    }
    for (ActorSystem<Void> s : intruders) {
      assertThat(Cluster.get(s).selfMember().status()).isNotEqualTo(MemberStatus.up());
    }
    assertThat(upSupervisors(legit)).isEqualTo(1);
    assertThat(Files.exists(marker)).isFalse();
    assertThat(processes.logText("guarded")).doesNotContain("intruded");
  }
}
