package dev.drover.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import dev.drover.config.DroverConfig;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.coordination.lease.LeaseSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The split-brain resolver's lease: with a shared journal one owner at a time, and a side whose
 * previous holder crashed outwaits it; without one, granted at once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JournalLeaseTest {
  private TestDatabase database;

  @BeforeAll
  void start() throws Exception {
    database = new TestDatabase();
  }

  @AfterAll
  void stop() throws Exception {
    database.close();
  }

  private JournalLease lease(String journal, String owner, Duration operationTimeout) {
    Config system = DroverConfig.load()
        .withValue("drover.cluster.journal", ConfigValueFactory.fromAnyRef(journal));
    Config leaseConfig = system.getConfig("drover.cluster.downing-lease")
        .withValue("heartbeat-timeout", ConfigValueFactory.fromAnyRef("4s"))
        .withValue("heartbeat-interval", ConfigValueFactory.fromAnyRef("500ms"))
        .withValue("lease-operation-timeout",
            ConfigValueFactory.fromAnyRef(operationTimeout.toMillis() + "ms"))
        .withFallback(system.getConfig("pekko.coordination.lease"));
    return new JournalLease(LeaseSettings.apply(leaseConfig, "sbr", owner),
        JournalDatabase.fromConfig(system));
  }

  private static boolean get(java.util.concurrent.CompletionStage<Boolean> b) throws Exception {
    return b.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void withoutASharedJournalEverySideGetsTheLease() throws Exception {
    JournalLease a = lease("", "a:1", Duration.ofSeconds(1));
    JournalLease b = lease("", "b:1", Duration.ofSeconds(1));
    assertThat(get(a.acquire())).isTrue();
    assertThat(get(b.acquire())).isTrue();
  }

  @Test
  void withASharedJournalOneOwnerHoldsItUntilItReleases() throws Exception {
    JournalLease a = lease(database.url(), "a:1", Duration.ofSeconds(2));
    JournalLease b = lease(database.url(), "b:1", Duration.ofSeconds(2));
    assertThat(get(a.acquire())).isTrue();
    assertThat(a.checkLease()).isTrue();
    // a renews it, so b's wait of 2 s is in vain
    assertThat(get(b.acquire())).isFalse();
    assertThat(get(a.release())).isTrue();
    assertThat(get(b.acquire())).isTrue();
    get(b.release());
  }

  @Test
  void aSideWhoseHolderCrashedOutwaitsItsLease() throws Exception {
    // given the row of a holder that died and renews it no more, 3 s before it expires
    try (Connection c = database.connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS drover_cluster_lease (name TEXT PRIMARY KEY,"
          + " owner TEXT NOT NULL, expires_at TIMESTAMPTZ NOT NULL)");
      s.execute("INSERT INTO drover_cluster_lease VALUES ('sbr', 'dead:1', now() + interval "
          + "'3 seconds') ON CONFLICT (name) DO UPDATE SET owner = 'dead:1', expires_at = "
          + "now() + interval '3 seconds'");
    }
    // when a survivor asks for it with an operation timeout longer than that
    JournalLease survivor = lease(database.url(), "survivor:1", Duration.ofSeconds(15));
    // then it gets it once the row expired
    assertThat(get(survivor.acquire())).isTrue();
    get(survivor.release());
  }
}
