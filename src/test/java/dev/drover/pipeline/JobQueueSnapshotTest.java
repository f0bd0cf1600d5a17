package dev.drover.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.drover.config.DroverConfig;
import dev.drover.flow.FlowConfig;
import dev.drover.pipeline.JobRecord.Phase;
import dev.drover.pipeline.PipelineApi.ScheduleRequest;
import dev.drover.pipeline.definition.PipelineDefinition;
import dev.drover.pipeline.definition.PipelinesLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.jdbc.testkit.javadsl.SchemaUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job queue snapshots its state every {@code drover.pipeline.snapshot-every} events (here
 * 4) and deletes the events before it; a queue recovered from a snapshot and the events after
 * it is the queue that stopped.
 */
class JobQueueSnapshotTest {
  @TempDir Path dir;
  private ActorTestKit kit;
  private Config config;
  private PipelineDefinition pipeline;
  private final List<UUID> started = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    Path yml = dir.resolve("pipelines.yml");
    Files.writeString(yml, """
        pipelines:
          p:
            concurrency: 1
            tasks:
              a:
                script: ["true"]
        """);
    pipeline = PipelinesLoader.load(List.of(yml)).get(0);
    config = FlowConfig.forDataDir(dir.resolve("data"), ConfigFactory.parseString("""
        pekko.actor.provider = local
        drover.pipeline.snapshot-every = 4
        """).withFallback(DroverConfig.load()));
    kit = ActorTestKit.create("snapshots", config);
    SchemaUtils.createIfNotExists(kit.system()).toCompletableFuture().get();
  }

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  private ActorRef<JobQueue.Command> queue() {
    return kit.spawn(JobQueue.create(new Runtime(), Clock.systemUTC()));
  }

  private JobRecord schedule(ActorRef<JobQueue.Command> queue) {
    TestProbe<JobQueue.ScheduleReply> reply = kit.createTestProbe();
    queue.tell(new JobQueue.Schedule(new ScheduleRequest("p", Map.of("n", 1), null, "test"),
        pipeline, reply.getRef()));
    return reply.receiveMessage(Duration.ofSeconds(10)).job();
  }

  private List<JobRecord> jobs(ActorRef<JobQueue.Command> queue) {
    TestProbe<JobQueue.Jobs> reply = kit.createTestProbe();
    queue.tell(new JobQueue.GetJobs(reply.getRef()));
    return reply.receiveMessage(Duration.ofSeconds(10)).jobs();
  }

  private void end(ActorRef<JobQueue.Command> queue, UUID id) {
    queue.tell(new JobQueue.ExecutionEnded(id, "done", null, Instant.now(), null, false));
    await().until(() -> jobs(queue).stream()
        .anyMatch(j -> j.id().equals(id) && j.phase() == Phase.ENDED));
  }

  private long rows(String table) throws Exception {
    Config db = config.getConfig("pekko-persistence-jdbc.shared-databases.slick.db");
    try (Connection c = DriverManager.getConnection(db.getString("url"), db.getString("user"),
        db.getString("password"));
        PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM \"" + table
            + "\" WHERE \"persistence_id\" = 'drover-pipeline-jobs'");
        ResultSet r = s.executeQuery()) {
      r.next();
      return r.getLong(1);
    }
  }

  @Test
  void recoversFromASnapshotAndTheEventsAfterIt() throws Exception {
    // given a queue that ran three jobs (a snapshot every 4 events), then queued three more:
    // the first of them runs, the other two wait behind it
    ActorRef<JobQueue.Command> queue = queue();
    for (int i = 0; i < 3; i++) {
      JobRecord job = schedule(queue);
      end(queue, job.id());
    }
    JobRecord running = schedule(queue);
    JobRecord second = schedule(queue);
    JobRecord third = schedule(queue);
    List<JobRecord> before = jobs(queue);
    assertThat(before).extracting(JobRecord::phase).containsExactly(Phase.ENDED, Phase.ENDED,
        Phase.ENDED, Phase.RUNNING, Phase.WAITING, Phase.WAITING);

    // then the journal keeps snapshots and only the events after the older of them
    await().until(() -> rows("snapshot") > 0);
    assertThat(rows("event_journal")).isLessThan(12);

    // when the queue stops and starts again
    kit.stop(queue);
    started.clear();
    ActorRef<JobQueue.Command> again = queue();

    // then it has the same jobs in the same phases and orders, and resumes the running one
    assertThat(jobs(again)).isEqualTo(before);
    await().until(() -> started.contains(running.id()));
    // and its waiting list goes on in order
    end(again, running.id());
    await().until(() -> started.contains(second.id()));
    assertThat(jobs(again)).filteredOn(j -> j.id().equals(third.id()))
        .extracting(JobRecord::phase).containsExactly(Phase.WAITING);
  }

  /** Runs nothing: records which jobs it was told to start. */
  private final class Runtime implements JobQueue.Runtime {
    @Override
    public PipelineDefinition definition(String name) {
      return name.equals("p") ? pipeline : null;
    }

    @Override
    public void start(JobRecord job) {
      started.add(job.id());
    }

    @Override
    public void cancelRunning(JobRecord job, String reason) {}

    @Override
    public void removed(JobRecord job) {}

    @Override
    public void changed(JobRecord job) {}
  }
}
