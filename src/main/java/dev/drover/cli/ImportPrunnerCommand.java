package dev.drover.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.drover.flow.FlowConfig;
import dev.drover.node.OwnerOnly;
import dev.drover.pipeline.JobQueue;
import dev.drover.pipeline.JobRecord;
import dev.drover.pipeline.definition.PipelineDefinition;
import dev.drover.pipeline.PrunnerData;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.jdbc.testkit.javadsl.SchemaUtils;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code drover import-prunner}: brings prunner's job history across, its {@code data.json} and
 * its task logs, into a Drover data directory, so that prunner-ui and the API show the jobs of
 * before the move. Jobs prunner had not finished end canceled, as prunner ends them at its own
 * start. Run it while no {@code drover serve} uses the data directory; running it again adds only
 * the jobs not yet there.
 */
@Command(name = "import-prunner", mixinStandardHelpOptions = true,
    defaultValueProvider = EnvironmentDefaults.class,
    description = {"Imports prunner's jobs and task logs (its data directory, .prunner by "
        + "default) into Drover's data directory. Stop drover serve on that directory first.",
        "Example: drover import-prunner .prunner/data.json"})
final class ImportPrunnerCommand implements Callable<Integer> {
  private static final Duration ASK = Duration.ofSeconds(60);

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "DATA_JSON", description = "prunner's data.json.")
  Path dataJson;

  @Option(names = "--logs", paramLabel = "DIR",
      description = "prunner's task logs (default: the logs directory beside DATA_JSON).")
  Path logs;

  @Option(names = "--data", defaultValue = ".drover",
      description = "Drover's data directory (default: ${DEFAULT-VALUE}).")
  Path data;

  @Override
  public Integer call() throws Exception {
    List<JobRecord> jobs;
    try {
      jobs = PrunnerData.read(dataJson);
    } catch (IOException | IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "cannot read prunner's jobs from " + dataJson + ": " + e.getMessage());
    }
    Path prunnerLogs = logs != null ? logs
        : dataJson.toAbsolutePath().getParent().resolve("logs");
    OwnerOnly.directory(data);
    // the logs first: a job in the journal always has its logs
    int withLogs = 0;
    for (JobRecord job : jobs) {
      withLogs += copyLogs(prunnerLogs.resolve(job.id().toString()),
          data.resolve("logs").resolve(job.id().toString())) ? 1 : 0;
    }
    JobQueue.Imported imported = journal(jobs);
    OwnerOnly.tighten(data);
    spec.commandLine().getOut().printf("imported %d jobs of %s into %s (%d were there already); "
            + "task logs of %d jobs%n", imported.added(), dataJson, data, imported.known(),
        withLogs);
    spec.commandLine().getOut().flush();
    return 0;
  }

  /** Copies a job's log files, readable by this user only; false when prunner kept none. */
  private static boolean copyLogs(Path from, Path to) throws IOException {
    if (!Files.isDirectory(from)) {
      return false;
    }
    try (Stream<Path> files = Files.list(from)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        try (OutputStream out = OwnerOnly.open(to.resolve(file.getFileName().toString()),
            StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
          Files.copy(file, out);
        }
      }
    }
    return true;
  }

  /** Adds the jobs to the job queue's journal, the one {@code drover serve} recovers from. */
  private JobQueue.Imported journal(List<JobRecord> jobs) throws Exception {
    Config config = ConfigFactory.parseString("pekko.actor.provider = local")
        .withFallback(FlowConfig.forDataDir(data));
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "drover-import", config);
    try {
      // the journal's tables, as the engine creates them at its start
      SchemaUtils.createIfNotExists(system).toCompletableFuture().get(ASK.toSeconds(),
          TimeUnit.SECONDS);
      ActorRef<JobQueue.Command> queue = system.systemActorOf(
          JobQueue.create(new NothingRuns(), Clock.systemUTC()), "jobs", Props.empty());
      return AskPattern.<JobQueue.Command, JobQueue.Imported>ask(queue,
              reply -> new JobQueue.ImportJobs(jobs, reply), ASK, system.scheduler())
          .toCompletableFuture().get(ASK.toSeconds() + 5, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new CommandLine.ExecutionException(spec.commandLine(), "cannot write the jobs into "
          + "the journal in " + data + " (is drover serve running on it? stop it first): "
          + e.getMessage(), e);
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /** The queue of an import: it starts, cancels and removes nothing. */
  private static final class NothingRuns implements JobQueue.Runtime {
    @Override
    public PipelineDefinition definition(String pipeline) {
      return null;
    }

    @Override
    public boolean anyDefined() {
      return false;
    }

    @Override
    public void start(JobRecord job) {}

    @Override
    public void cancelRunning(JobRecord job, String reason) {}

    @Override
    public void removed(JobRecord job) {}

    @Override
    public void changed(JobRecord job) {}
  }
}
