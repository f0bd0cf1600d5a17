package dev.drover.node;

import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import dev.drover.config.DroverConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.typed.Cluster;

/** What the node tests share: configurations, pool settings, status queries, processes. */
final class TestPools {
  // generous: seven worker JVMs starting at once, each with its TLS handshakes, on 2 loaded cores
  static final Duration WAIT = Duration.ofSeconds(120);

  private TestPools() {}

  /** A node listening on a free port of 127.0.0.1. */
  static Config nodeConfig(String role) {
    return NodeSystem.config(role, 0, DroverConfig.load());
  }

  static ActorTestKit supervisorKit() {
    return ActorTestKit.create(NodeSystem.NAME, nodeConfig("supervisor"));
  }

  static ActorTestKit clientKit() {
    return ActorTestKit.create(NodeSystem.NAME, nodeConfig("client"));
  }

  /**
   * Stops a kit's actor system after a test. Artery over TLS now and then cannot stop the TLS
   * stream of a connection whose peer JVM was killed (an upstream issue of the tls-tcp
   * transport; the stuck actor is the stream's TLSActor), so a system that has not stopped after
   * 30 s is logged and left to the test JVM's exit instead of failing a test that passed.
   */
  static void stop(ActorTestKit kit) {
    ActorTestKit.shutdown(kit.system(), Duration.ofSeconds(30), false);
  }

  /** Settings tuned so failures are noticed and repaired fast in tests. */
  static PoolSettings settings(String kind, String handler, int min, int warm, int max, Path data) {
    return PoolSettings.fromConfig(DroverConfig.load(), kind, handler).toBuilder()
        .pool(min, warm, max)
        .heartbeat(Duration.ofMillis(200), Duration.ofSeconds(3))
        .registrationTimeout(Duration.ofSeconds(45))
        .requestTimeout(Duration.ofSeconds(2))
        .restarts(Duration.ofMillis(100), Duration.ofSeconds(1), 0.1, 5, Duration.ofMinutes(1))
        .cancelGracePeriod(Duration.ofMillis(500))
        .dataDir(data)
        .build();
  }

  static ActorRef<Supervisor.Command> spawnSupervisor(
      ActorTestKit kit, PoolSettings settings, WorkerLauncher launcher) {
    return kit.spawn(Supervisor.create(settings, launcher), Supervisor.actorName(settings.kind()));
  }

  static PoolStatus status(ActorSystem<?> system, ActorRef<Supervisor.Command> supervisor) {
    try {
      return AskPattern.<Supervisor.Command, PoolStatus>ask(supervisor, Supervisor.GetStatus::new,
          Duration.ofSeconds(5), system.scheduler()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("supervisor did not answer a status query", e);
    }
  }

  /** Waits until the supervisor's status matches, returning that status. */
  static PoolStatus awaitStatus(
      ActorSystem<?> system, ActorRef<Supervisor.Command> supervisor,
      Predicate<PoolStatus> condition) {
    PoolStatus[] last = new PoolStatus[1];
    await().atMost(WAIT).pollInterval(Duration.ofMillis(50))
        .alias("pool status condition")
        .until(() -> {
          last[0] = status(system, supervisor);
          return condition.test(last[0]);
        });
    return last[0];
  }

  static Predicate<PoolStatus> ready(int idle) {
    return s -> s.state() == SupervisorState.POOL_READY && s.idle() == idle && s.busy() == 0;
  }

  static String address(ActorSystem<?> system) {
    return Cluster.get(system).selfMember().address().toString();
  }

  /** The worker JVMs this test JVM forked and that are still alive. */
  static List<ProcessHandle> workerProcesses() {
    return ProcessHandle.current().descendants()
        .filter(ProcessHandle::isAlive)
        .filter(TestPools::runsWorkerMain)
        .toList();
  }

  private static boolean runsWorkerMain(ProcessHandle p) {
    // /proc holds the whole command line; ProcessHandle.Info may cut long ones short
    try {
      return Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline"))
          .contains(WorkerMain.class.getName());
    } catch (IOException e) {
      return false;
    }
  }

  /** Kills whatever worker JVM a failed test left behind. */
  static void killLeftoverWorkers() {
    workerProcesses().forEach(ProcessTree::kill);
  }

  static void signal(long pid, String signal) {
    try {
      new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start()
          .waitFor(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
