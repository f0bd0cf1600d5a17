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
    NodeSystem.pooledAsyncStages();
    // initialise logging before Pekko's threads log concurrently with its start-up
    org.slf4j.LoggerFactory.getILoggerFactory();
    System.exit(new CommandLine(new Main()).execute(args));
  }
}
