package dev.drover.node;

import com.typesafe.config.Config;
import dev.drover.node.process.ProcessLedger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Forks each worker as a JVM of its own: the same java binary and class path as the supervisor,
 * {@link WorkerMain} as main class, in a new session (so a signal to the terminal's process group
 * does not reach it and the slot decides when it stops). Its stdout and stderr go to
 * {@code <data-dir>/workers/<kind>/worker-<slot>.log}, rotated by size.
 *
 * <p>When a class-data-sharing archive is found (the build writes {@code drover-worker.jsa}
 * beside {@code drover.jar}), the worker maps its classes from it, which roughly halves its
 * start-up time.
 */
public final class ForkedJvmLauncher implements WorkerLauncher {
  /** Variables of the server's environment a worker never inherits: the HTTP API's secret. */
  private static final List<String> SECRETS = List.of("DROVER_JWT_SECRET", "PRUNNER_JWT_SECRET");

  /** The archive the build creates next to the application jar. */
  public static final String CDS_ARCHIVE_NAME = "drover-worker.jsa";

  /** How long the processes a dead worker left get to die. */
  private static final java.time.Duration SWEEP = java.time.Duration.ofSeconds(5);

  private final String javaBinary;
  private final String classPath;
  private final Optional<Path> cdsArchive;

  /** @param cdsArchive the class-data-sharing archive the workers start from, if any */
  public ForkedJvmLauncher(Optional<Path> cdsArchive) {
    this.javaBinary = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    this.classPath = System.getProperty("java.class.path");
    this.cdsArchive = cdsArchive;
  }

  /**
   * A launcher configured by {@code drover.node.worker-cds-archive}: {@code auto} looks for
   * {@value #CDS_ARCHIVE_NAME} beside the application jar, {@code off} disables it, anything
   * else is the archive's path.
   */
  public static ForkedJvmLauncher fromConfig(Config config) {
    String setting = config.getString("drover.node.worker-cds-archive");
    Optional<Path> archive = switch (setting) {
      case "off" -> Optional.empty();
      case "auto" -> besideApplicationJar();
      default -> Optional.of(Path.of(setting)).filter(Files::isReadable);
    };
    return new ForkedJvmLauncher(archive);
  }

  private static Optional<Path> besideApplicationJar() {
    String cp = System.getProperty("java.class.path");
    if (cp.contains(java.io.File.pathSeparator) || !cp.endsWith(".jar")) {
      return Optional.empty();
    }
    Path archive = Path.of(cp).toAbsolutePath().resolveSibling(CDS_ARCHIVE_NAME);
    return Files.isReadable(archive) ? Optional.of(archive) : Optional.empty();
  }

  @Override
  public WorkerProcess launch(LaunchRequest request, ActorContext<WorkerSlot.Command> slotContext)
      throws IOException {
    PoolSettings s = request.settings();
    List<String> command = new ArrayList<>(ProcessTree.newSessionPrefix());
    command.add(javaBinary);
    command.addAll(s.workerJvmOptions());
    cdsArchive.ifPresent(a -> command.add("-XX:SharedArchiveFile=" + a));
    String userConfig = System.getProperty("config.file");
    if (userConfig != null) {
      command.add("-Dconfig.file=" + userConfig);
    }
    command.add("-cp");
    command.add(classPath);
    command.add(WorkerMain.class.getName());
    command.addAll(new WorkerMain.Arguments(
        slotContext.getSystem().name(),
        Cluster.get(slotContext.getSystem()).selfMember().address().toString(),
        ActorRefResolver.get(slotContext.getSystem()).toSerializationFormat(request.slot()),
        request.incarnation(),
        s.kind(),
        s.handlerClass(),
        s.leaseIdleTimeout(),
        s.recycleAfterLeases(),
        s.transitionLogSize(),
        s.cancelGracePeriod(),
        s.workTimeout(),
        s.dataDir(),
        s.cancelSignal()).toArgs());

    Path logFile = s.workerLogDir().resolve("worker-" + request.slotId() + ".log");
    RotatingLogFile log = new RotatingLogFile(logFile, s.workerLogMaxBytes(), s.workerLogMaxFiles());
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    // a worker runs other people's code and needs no secret of the server's
    builder.environment().keySet().removeAll(SECRETS);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      log.close();
      throw e;
    }
    Thread pump = new Thread(() -> log.pump(process.getInputStream()),
        "drover-worker-log-" + s.kind() + "-" + request.slotId());
    pump.setDaemon(true);
    pump.start();
    // the first line of the worker's standard input is its supervisor's settings; then it stays
    // open and silent: its end tells the worker that this JVM is gone, however it died
    try {
      var settings = process.getOutputStream();
      settings.write((WorkerConfig.inherited(slotContext.getSystem().settings().config()) + "\n")
          .getBytes(java.nio.charset.StandardCharsets.UTF_8));
      settings.flush();
    } catch (IOException e) {
      // the worker died at once; the slot sees it exit and says so
    }
    return new ForkedWorker(process, logFile, s.processDir());
  }

  private record ForkedWorker(Process process, Path logFile, Path processDir)
      implements WorkerProcess {
    @Override
    public long pid() {
      return process.pid();
    }

    @Override
    public CompletionStage<Integer> exited() {
      return process.onExit().thenApply(Process::exitValue);
    }

    @Override
    public void kill() {
      ProcessTree.kill(process.toHandle());
      try {
        process.getOutputStream().close();
      } catch (java.io.IOException e) {
        // already closed
      }
      // scripts that left the JVM's process tree are still in the ledger: once the JVM is gone,
      // its records are an orphan's
      process.onExit().thenRunAsync(() -> ProcessLedger.sweepOrphans(processDir, SWEEP));
    }

    @Override
    public String describe() {
      return "process " + process.pid() + ", log " + logFile;
    }
  }
}
