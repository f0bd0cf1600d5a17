package dev.drover.node;

import com.typesafe.config.Config;
import dev.drover.node.process.ProcessLedger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.SelfUp;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * The main class of a forked worker JVM: joins the supervisor's cluster with role {@code worker},
 * then runs one {@link Worker} that registers with its slot. The JVM ends when the worker stops,
 * and at once when its parent (the supervisor's JVM) dies, so no worker outlives its supervisor.
 */
public final class WorkerMain {
  private WorkerMain() {}

  /** What the slot tells the worker JVM on its command line. */
  public record Arguments(
      String systemName, String seedAddress, String slotRef, String incarnation, String kind,
      String handlerClass, Duration leaseIdleTimeout, int recycleAfterLeases,
      int transitionLogSize, Duration cancelGracePeriod, Duration workTimeout, Path dataDir,
      String cancelSignal) {

    List<String> toArgs() {
      List<String> args = new ArrayList<>(List.of(
          "--system", systemName, "--seed", seedAddress, "--slot", slotRef,
          "--incarnation", incarnation, "--kind", kind,
          "--lease-idle-timeout", leaseIdleTimeout.toString(),
          "--recycle-after-leases", Integer.toString(recycleAfterLeases),
          "--transition-log-size", Integer.toString(transitionLogSize),
          "--cancel-grace-period", cancelGracePeriod.toString(),
          "--work-timeout", workTimeout.toString(),
          "--data-dir", dataDir.toAbsolutePath().toString(),
          "--cancel-signal", cancelSignal));
      if (handlerClass != null) {
        args.add("--handler");
        args.add(handlerClass);
      }
      return args;
    }

    static Arguments parse(String[] args) {
      Map<String, String> m = new HashMap<>();
      for (int i = 0; i + 1 < args.length; i += 2) {
        if (!args[i].startsWith("--")) {
          throw new IllegalArgumentException("expected an option, got '" + args[i] + "'");
        }
        m.put(args[i].substring(2), args[i + 1]);
      }
      return new Arguments(
          required(m, "system"), required(m, "seed"), required(m, "slot"),
          required(m, "incarnation"), required(m, "kind"), m.get("handler"),
          Duration.parse(required(m, "lease-idle-timeout")),
          Integer.parseInt(required(m, "recycle-after-leases")),
          Integer.parseInt(required(m, "transition-log-size")),
          Duration.parse(required(m, "cancel-grace-period")),
          Duration.parse(required(m, "work-timeout")),
          Path.of(required(m, "data-dir")),
          required(m, "cancel-signal"));
    }

    private static String required(Map<String, String> m, String key) {
      String v = m.get(key);
      if (v == null) {
        throw new IllegalArgumentException("missing --" + key);
      }
      return v;
    }
  }

  public static void main(String[] argv) {
    NodeSystem.pooledAsyncStages();
    // initialise logging before Pekko's threads log concurrently with its start-up
    org.slf4j.LoggerFactory.getILoggerFactory();
    ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() ->
        orphaned("supervisor process " + parent.pid() + " is gone")));
    String inherited = readSettings();
    watchStandardInput();
    start(Arguments.parse(argv), inherited, true);
  }

  /**
   * The first line of this JVM's standard input: the supervisor's settings
   * ({@link WorkerConfig#inherited}, one line of JSON), written there rather than on the command
   * line, which every user of the host can read.
   */
  private static String readSettings() {
    java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
    try {
      for (int b = System.in.read(); b >= 0 && b != '\n'; b = System.in.read()) {
        line.write(b);
      }
    } catch (java.io.IOException e) {
      orphaned("the supervisor's settings could not be read: " + e.getMessage());
    }
    return line.toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * After its settings the supervisor holds the other end of this JVM's standard input and
   * writes nothing more: end of file means the supervisor's process is gone, however it died, at
   * once (a non-child's exit is otherwise only polled).
   */
  private static void watchStandardInput() {
    Thread watch = new Thread(() -> {
      try {
        while (System.in.read() >= 0) {
          // nothing is ever written; read on until the end
        }
      } catch (java.io.IOException e) {
        // a broken pipe is the same news
      }
      orphaned("the supervisor closed this worker's standard input");
    }, "drover-supervisor-watch");
    watch.setDaemon(true);
    watch.start();
  }

  /** The supervisor is gone: this worker's scripts die with it, then the JVM. */
  private static void orphaned(String why) {
    System.err.println(why + "; worker kills its scripts and exits");
    ProcessLedger.killAllOfThisJvm();
    Runtime.getRuntime().halt(3);
  }

  /**
   * Starts a worker's actor system in this JVM. {@link #main} does so in a forked JVM; the build
   * does it beside a supervisor to record the classes a worker loads for class-data sharing.
   *
   * @param inherited the supervisor's settings ({@link WorkerConfig#inherited})
   */
  public static ActorSystem<Object> start(
      Arguments args, String inherited, boolean exitJvmWhenDone) {
    Config config = WorkerConfig.forWorker(inherited, args.seedAddress(), exitJvmWhenDone);
    // the handler is loaded before the actor system so a bad class fails fast, with its reason
    WorkerHandler handler = WorkerHandlers.load(handlerSettings(config, args));
    return ActorSystem.create(guardian(handler, args), args.systemName(), config);
  }

  private static PoolSettings handlerSettings(Config config, Arguments args) {
    return PoolSettings.fromConfig(config, args.kind(), args.handlerClass())
        .toBuilder().cancelGracePeriod(args.cancelGracePeriod()).workTimeout(args.workTimeout())
        .dataDir(args.dataDir()).cancelSignal(args.cancelSignal()).build();
  }

  /** Waits until this JVM is Up in the cluster, so the slot and clients can watch the worker. */
  private static Behavior<Object> guardian(WorkerHandler handler, Arguments args) {
    return Behaviors.setup(ctx -> {
      Cluster.get(ctx.getSystem()).subscriptions().tell(
          Subscribe.create(ctx.getSelf().narrow(), SelfUp.class));
      return Behaviors.receive(Object.class)
          .onMessage(SelfUp.class, up -> {
            ActorRef<WorkerSlot.Command> slot =
                ActorRefResolver.get(ctx.getSystem()).resolveActorRef(args.slotRef());
            ActorRef<Worker.Command> worker = ctx.spawn(Worker.create(handler,
                new Worker.WorkerSettings(slot, args.incarnation(), args.leaseIdleTimeout(),
                    args.recycleAfterLeases(), args.transitionLogSize(), args.workTimeout(),
                    args.cancelGracePeriod())), "worker");
            ctx.watch(worker);
            return Behaviors.receive(Object.class)
                .onSignal(Terminated.class, t -> Behaviors.stopped())
                .build();
          })
          .build();
    });
  }
}
