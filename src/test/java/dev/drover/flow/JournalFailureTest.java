package dev.drover.flow;

import static dev.drover.flow.FlowTestKit.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal refuses writes (Pekko's {@link PersistenceTestKit} failure policies): the
 * execution directory and the executions restart with a backoff, acknowledged starts stay
 * acknowledged, and durable timers still fire within 2 s of their due time.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JournalFailureTest {
  private static final Duration TIMEOUT = Duration.ofMillis(2500);
  private static final Flow LATE = Flow.builder("late")
      .task("approve", t -> t.delegate(TestActions.Delegate.class).timeout(TIMEOUT))
      .build();

  @TempDir static Path data;
  private FlowTestKit engine;
  private PersistenceTestKit journal;

  @BeforeAll
  void start() {
    engine = new FlowTestKit(data, Clock.systemUTC(), TaskContext.OutputSink.DISCARD,
        ConfigFactory.parseString("drover.flow.passivate-after = 300ms\n"
                + "drover.flow.ask-timeout = 5s")
            .withFallback(PersistenceTestKitPlugin.config())
            .withFallback(PersistenceTestKitSnapshotPlugin.config()));
    journal = PersistenceTestKit.create(engine.kit.system());
  }

  @AfterAll
  void stop() {
    engine.close();
  }

  private static String id() {
    return "e-" + UUID.randomUUID();
  }

  /**
   * How late the task's watchdog fired after its deadline (the attempt's start plus its
   * timeout), from the history of the ended execution.
   */
  private Duration lateness(String id) {
    ExecutionState end = engine.awaitEnd(id);
    TaskRun run = end.task("approve");
    assertThat(run.errorKind()).isEqualTo("timeout");
    List<TaskRun.Step> history = run.history();
    Instant started = history.stream().filter(h -> h.status() == TaskStatus.RUNNING)
        .reduce((first, second) -> second).orElseThrow().at();
    Instant fired = history.get(history.size() - 1).at();
    return Duration.between(started.plus(TIMEOUT), fired);
  }

  @Test
  void theDirectoryComesBackAndPassivatedTimersStillFire() throws Exception {
    // given an execution waiting for a delegate, passivated, its watchdog due in 2.5 s
    String waiting = id();
    get(engine.flows.start(waiting, LATE, null));
    engine.until(waiting, s -> s.task("approve").status() != TaskStatus.RUNNING);

    // when the journal refuses the directory's next two writes while executions start
    journal.failNextNPersisted("drover-execution-directory", 2);
    String started = id();
    CompletableFuture<ExecutionState> start =
        engine.flows.start(started, LATE, null).toCompletableFuture();

    // then the start is acknowledged once the restarted directory has the entry
    assertThat(start.get(10, TimeUnit.SECONDS).isStarted()).isTrue();
    // and list() answers again, knowing both
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(get(engine.flows.list(ExecutionFilter.ALL)))
            .extracting(ExecutionSummary::id).contains(waiting, started));
    // and the watchdogs fire within 2 s of their due time
    assertThat(lateness(waiting)).isLessThan(Duration.ofSeconds(2));
    assertThat(lateness(started)).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void anExecutionWhoseWriteFailsRestartsAndAStartRetriedWithItsIdSucceeds() throws Exception {
    // given the journal refusing an execution's first write
    String id = id();
    journal.failNextPersisted("drover-execution|" + id);

    // when it is started, and started again with the same id after that start failed
    CompletableFuture<ExecutionState> first =
        engine.flows.start(id, LATE, null).toCompletableFuture();
    await().atMost(Duration.ofSeconds(10)).until(first::isDone);
    assertThat(first).isCompletedExceptionally();
    ExecutionState second = get(engine.flows.start(id, LATE, null));

    // then it exists once, runs, and its watchdog fires within 2 s of its due time
    assertThat(second.isStarted()).isTrue();
    assertThat(lateness(id)).isLessThan(Duration.ofSeconds(2));
  }
}
