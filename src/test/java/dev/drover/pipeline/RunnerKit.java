package dev.drover.pipeline;

import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigFactory;
import dev.drover.config.DroverConfig;
import dev.drover.flow.FlowConfig;
import dev.drover.node.InProcessLauncher;
import dev.drover.node.NodeSystem;
import dev.drover.node.PoolSettings;
import dev.drover.node.Supervisor;
import dev.drover.pipeline.PipelineApi.JobView;
import dev.drover.pipeline.PipelineApi.ScheduleRequest;
import dev.drover.pipeline.definition.PipelineDefinition;
import dev.drover.pipeline.definition.PipelinesLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;

/**
 * A pipeline runner on a fresh data directory, with a pool of in-process shell workers: the
 * runner's behaviour without forking worker JVMs.
 */
final class RunnerKit implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(30);

  final Path data;
  final ActorTestKit kit;
  final PipelineRunner runner;

  /** A runner of the pipelines in {@code yaml} (the text of one pipelines.yml). */
  RunnerKit(Path data, String yaml) {
    this(data, yaml, Clock.systemUTC());
  }

  /** As {@link #RunnerKit(Path, String)}, the queue and the engine reading {@code clock}. */
  RunnerKit(Path data, String yaml, Clock clock) {
    this(data, definitions(data, yaml), clock);
  }

  RunnerKit(Path data, Map<String, PipelineDefinition> definitions, Clock clock) {
    this(data, definitions, clock, ConfigFactory.empty());
  }

  /** As {@link #RunnerKit(Path, Map, Clock)}, with {@code overrides} over the configuration. */
  RunnerKit(Path data, Map<String, PipelineDefinition> definitions, Clock clock,
      com.typesafe.config.Config overrides) {
    this.data = data;
    kit = ActorTestKit.create(NodeSystem.NAME, FlowConfig.forDataDir(data.resolve("drover"),
        NodeSystem.config("server", 0, overrides.withFallback(DroverConfig.load()))));
    PoolSettings shell = PoolSettings.fromConfig(kit.system().settings().config(),
        PoolSettings.SHELL, null).toBuilder().pool(2, 2, 8)
        .cancelGracePeriod(Duration.ofMillis(500)).dataDir(data.resolve("drover")).build();
    kit.spawn(Supervisor.create(shell, new InProcessLauncher()),
        Supervisor.actorName(PoolSettings.SHELL));
    runner = get(PipelineRunner.start(kit.system(), definitions, data.resolve("drover"),
        () -> "http://127.0.0.1:9009", clock));
  }

  static Map<String, PipelineDefinition> definitions(Path dir, String yaml) {
    try {
      Path file = Files.createDirectories(dir.resolve("defs")).resolve("pipelines.yml");
      Files.writeString(file, yaml);
      Map<String, PipelineDefinition> defs = new LinkedHashMap<>();
      PipelinesLoader.load(List.of(file)).forEach(d -> defs.put(d.name(), d));
      return defs;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static <T> T get(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  JobView schedule(String pipeline, Map<String, Object> variables) {
    return get(runner.schedule(new ScheduleRequest(pipeline, variables, null, "tester")));
  }

  JobView job(UUID id) {
    return runner.job(id).orElseThrow(() -> new AssertionError("no job " + id));
  }

  JobView until(UUID id, Predicate<JobView> condition) {
    JobView[] last = new JobView[1];
    await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> {
      last[0] = runner.job(id).orElse(null);
      return last[0] != null && condition.test(last[0]);
    });
    return last[0];
  }

  JobView completed(UUID id) {
    return until(id, JobView::completed);
  }

  /** The jobs of {@code pipeline}, newest first. */
  List<JobView> jobs(String pipeline) {
    return runner.jobs().stream().filter(j -> j.pipeline().equals(pipeline)).toList();
  }

  /** The task {@code name} of {@code job}. */
  static PipelineApi.TaskView task(JobView job, String name) {
    return job.tasks().stream().filter(t -> t.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("job " + job.id() + " has no task " + name));
  }

  String stdout(UUID id, String task) {
    return runner.logs(id, task).stdout();
  }

  @Override
  public void close() throws Exception {
    runner.close();
    kit.shutdownTestKit();
    // a stopped in-process worker sends SIGTERM to its script's process group and does not wait:
    // let the scripts end before the test's directory, which they may write to, is deleted
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.current().descendants()
          .noneMatch(ProcessHandle::isAlive));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      // a process of another test's: not this kit's to wait for
    }
  }
}
