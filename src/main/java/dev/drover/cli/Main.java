package dev.drover.cli;

import dev.drover.node.NodeSystem;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code drover} command. */
@Command(
    name = "drover",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "Runs distributed workflows on supervised pools of worker processes.",
    subcommands = {
        SupervisorCommand.class,
        DemoCommand.class,
        WorkerTrainingCommand.class,
        ServeCommand.class,
        ValidateCommand.class,
        TokenCommand.class,
        ClusterKeysCommand.class,
        ImportPrunnerCommand.class,
        StatusCommand.class,
        CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    spawnWithVfork();
    NodeSystem.pooledAsyncStages();
    // initialise logging before Pekko's threads log concurrently with its start-up
    org.slf4j.LoggerFactory.getILoggerFactory();
    System.exit(new CommandLine(new Main()).execute(args));
  }

  /**
   * With in-process workers, this JVM starts the scripts. Where glibc's {@code posix_spawn}
   * cannot make a script a session leader ({@code SessionSpawner}), the JDK starts it, by
   * default through its {@code jspawnhelper} binary: an exec more per process, an eighth of a
   * server's CPU on {@code bench/run-dag} before scripts were spawned directly. {@code VFORK}
   * execs it directly, as forked workers already do ({@code drover.node.pool.worker-jvm-options}).
   * Set before any process is started, when the JVM's options don't choose already.
   */
  private static void spawnWithVfork() {
    if (System.getProperty("os.name", "").startsWith("Linux")
        && System.getProperty("jdk.lang.Process.launchMechanism") == null) {
      System.setProperty("jdk.lang.Process.launchMechanism", "VFORK");
    }
  }
}
