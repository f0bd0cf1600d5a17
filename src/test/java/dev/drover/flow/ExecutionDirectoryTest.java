package dev.drover.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigFactory;
import dev.drover.config.DroverConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.apache.pekko.persistence.testkit.javadsl.SnapshotTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The execution directory alone, on Pekko's in-memory journal and snapshot store (which
 * serialize what they keep): snapshots with the events before them deleted, ended executions
 * trimmed oldest first, and a recovery from the snapshot that wakes the open executions.
 */
class ExecutionDirectoryTest {
  private static final String ID = "drover-execution-directory";
  private ActorTestKit kit;

  @BeforeEach
  void start() {
    kit = ActorTestKit.create("ExecutionDirectoryTest",
        ConfigFactory.parseString("pekko.actor.provider = local")
            .withFallback(PersistenceTestKitPlugin.config())
            .withFallback(PersistenceTestKitSnapshotPlugin.config())
            .withFallback(DroverConfig.load()));
  }

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  private static ExecutionDirectory.Track track(int i, ExecutionStatus status) {
    Instant at = Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i);
    return new ExecutionDirectory.Track("e-" + i, "f", status, at,
        status.isFinal() ? at.plusSeconds(1) : null, null);
  }

  private List<String> list(ActorRef<ExecutionDirectory.Command> directory) {
    TestProbe<ExecutionDirectory.Listing> probe = kit.createTestProbe();
    directory.tell(new ExecutionDirectory.ListExecutions(ExecutionFilter.ALL, probe.ref()));
    return probe.receiveMessage(Duration.ofSeconds(10)).executions().stream()
        .map(ExecutionSummary::id).sorted().toList();
  }

  @Test
  void snapshotsDeleteTheEventsBeforeThemAndEndedExecutionsAreTrimmedOldestFirst() {
    // given a directory that snapshots every 2 writes and keeps 3 ended executions
    Set<String> woken = ConcurrentHashMap.newKeySet();
    ActorRef<ExecutionDirectory.Command> directory = kit.spawn(
        ExecutionDirectory.create(woken::add, Clock.systemUTC(), 2, 3));

    // when 10 executions start, one write each, and 6 of them end
    TestProbe<Done> acks = kit.createTestProbe();
    for (int i = 0; i < 10; i++) {
      directory.tell(new ExecutionDirectory.TrackDurably(track(i, ExecutionStatus.RUNNING),
          acks.ref()));
      acks.receiveMessage(Duration.ofSeconds(10));
    }
    for (int i = 0; i < 6; i++) {
      directory.tell(new ExecutionDirectory.TrackDurably(track(i, ExecutionStatus.SUCCEEDED),
          acks.ref()));
      acks.receiveMessage(Duration.ofSeconds(10));
    }

    // then it lists the 4 open ones and the 3 that ended last
    List<String> expected = List.of("e-3", "e-4", "e-5", "e-6", "e-7", "e-8", "e-9");
    assertThat(list(directory)).isEqualTo(expected);
    // and its journal keeps only the events after its older snapshot (16 writes in all)
    PersistenceTestKit journal = PersistenceTestKit.create(kit.system());
    SnapshotTestKit snapshots = SnapshotTestKit.create(kit.system());
    assertThat(journal.persistedInStorage(ID)).hasSizeLessThanOrEqualTo(4);
    assertThat(snapshots.persistedInStorage(ID)).isNotEmpty();

    // and a new incarnation recovers the same listing from the snapshot and wakes the open ones
    kit.stop(directory);
    woken.clear();
    ActorRef<ExecutionDirectory.Command> again = kit.spawn(
        ExecutionDirectory.create(woken::add, Clock.systemUTC(), 2, 3));
    assertThat(list(again)).isEqualTo(expected);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(woken).containsExactlyInAnyOrder("e-6", "e-7", "e-8", "e-9"));
  }
}
