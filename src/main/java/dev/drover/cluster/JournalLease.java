package dev.drover.cluster;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.coordination.lease.LeaseSettings;
import org.apache.pekko.coordination.lease.javadsl.Lease;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lease the split-brain resolver's deciding side must hold before it downs the other side.
 *
 * <p>With a shared journal ({@code drover.cluster.journal}) it is a row in that database, the
 * state every engine node depends on: of two sides of a partition only the one whose leader
 * writes the row keeps running, the other downs itself, so no execution or singleton runs on
 * both. A side whose previous holder crashed waits until the row expires
 * ({@code heartbeat-timeout}), which {@code lease-operation-timeout} outlasts. The database's
 * clock decides expiry, so the hosts' clocks need not agree.
 *
 * <p>Without a shared journal there is nothing two sides could both write: the lease is granted
 * at once and every side keeps itself, so the crash of any member (a supervisor and its
 * workers, a client) never makes a survivor down itself.
 */
public final class JournalLease extends Lease {
  private static final Logger LOG = LoggerFactory.getLogger(JournalLease.class);
  private static final String TABLE = "drover_cluster_lease";

  private final LeaseSettings settings;
  private final Optional<JournalDatabase> database;
  private final Duration ttl;
  private final Duration renewEvery;
  private final Duration operationTimeout;
  private final ScheduledExecutorService executor;
  private volatile boolean held;
  private volatile long renewedAt;
  private ScheduledFuture<?> renewal;

  /** Called by Pekko's {@code LeaseProvider}. */
  public JournalLease(LeaseSettings settings, ExtendedActorSystem system) {
    this(settings, JournalDatabase.fromConfig(system.settings().config()));
  }

  JournalLease(LeaseSettings settings, Optional<JournalDatabase> database) {
    this.settings = settings;
    this.database = database;
    this.ttl = settings.timeoutSettings().getHeartbeatTimeout();
    this.renewEvery = settings.timeoutSettings().getHeartbeatInterval();
    this.operationTimeout = settings.timeoutSettings().getOperationTimeout();
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "drover-split-brain-lease");
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public LeaseSettings getSettings() {
    return settings;
  }

  @Override
  public CompletionStage<Boolean> acquire() {
    return acquire(lost -> { });
  }

  @Override
  public CompletionStage<Boolean> acquire(Consumer<Optional<Throwable>> leaseLost) {
    if (database.isEmpty()) {
      held = true;
      renewedAt = System.nanoTime();
      return CompletableFuture.completedFuture(true);
    }
    CompletableFuture<Boolean> result = new CompletableFuture<>();
    long deadline = System.nanoTime() + operationTimeout.toNanos();
    executor.execute(() -> tryAcquire(result, deadline, leaseLost, null));
    return result;
  }

  private void tryAcquire(CompletableFuture<Boolean> result, long deadline,
      Consumer<Optional<Throwable>> leaseLost, SQLException lastError) {
    SQLException error = null;
    try {
      if (write()) {
        held = true;
        renewedAt = System.nanoTime();
        startRenewing(leaseLost);
        LOG.info("split-brain lease {} taken by {}", settings.leaseName(), settings.ownerName());
        result.complete(true);
        return;
      }
    } catch (SQLException e) {
      error = e;
    }
    if (System.nanoTime() >= deadline) {
      SQLException cause = error != null ? error : lastError;
      if (cause != null) {
        LOG.warn("split-brain lease {}: the journal database did not answer: {}",
            settings.leaseName(), cause.getMessage());
      }
      result.complete(false);
      return;
    }
    SQLException carried = error != null ? error : lastError;
    executor.schedule(() -> tryAcquire(result, deadline, leaseLost, carried), 500,
        TimeUnit.MILLISECONDS);
  }

  /** Takes or renews the row: free, expired, or already ours. True when it is ours now. */
  private boolean write() throws SQLException {
    try (Connection c = database.orElseThrow().connect()) {
      createTable(c);
      try (PreparedStatement s = c.prepareStatement("INSERT INTO " + TABLE
          + " (name, owner, expires_at) VALUES (?, ?, now() + ? * interval '1 millisecond')"
          + " ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner,"
          + " expires_at = EXCLUDED.expires_at"
          + " WHERE " + TABLE + ".owner = EXCLUDED.owner OR " + TABLE + ".expires_at < now()")) {
        s.setString(1, settings.leaseName());
        s.setString(2, settings.ownerName());
        s.setLong(3, ttl.toMillis());
        return s.executeUpdate() == 1;
      }
    }
  }

  private static void createTable(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS " + TABLE
          + " (name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at TIMESTAMPTZ NOT NULL)");
    } catch (SQLException raced) {
      // two nodes creating the table at once: one of them wins, the row write below decides
      if (!"23505".equals(raced.getSQLState()) && !"42P07".equals(raced.getSQLState())) {
        throw raced;
      }
    }
  }

  private synchronized void startRenewing(Consumer<Optional<Throwable>> leaseLost) {
    if (renewal != null) {
      renewal.cancel(false);
    }
    renewal = executor.scheduleWithFixedDelay(() -> renew(leaseLost), renewEvery.toMillis(),
        renewEvery.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void renew(Consumer<Optional<Throwable>> leaseLost) {
    if (!held) {
      return;
    }
    try {
      if (write()) {
        renewedAt = System.nanoTime();
        return;
      }
      lose(leaseLost, Optional.empty(), "another member took it");
    } catch (SQLException e) {
      if (System.nanoTime() - renewedAt > ttl.toNanos()) {
        lose(leaseLost, Optional.of(e), "the journal database did not answer for " + ttl);
      }
    }
  }

  private synchronized void lose(Consumer<Optional<Throwable>> leaseLost,
      Optional<Throwable> cause, String why) {
    held = false;
    if (renewal != null) {
      renewal.cancel(false);
      renewal = null;
    }
    LOG.warn("split-brain lease {} lost: {}", settings.leaseName(), why);
    leaseLost.accept(cause);
  }

  @Override
  public CompletionStage<Boolean> release() {
    synchronized (this) {
      held = false;
      if (renewal != null) {
        renewal.cancel(false);
        renewal = null;
      }
    }
    if (database.isEmpty()) {
      return CompletableFuture.completedFuture(true);
    }
    CompletableFuture<Boolean> result = new CompletableFuture<>();
    executor.execute(() -> {
      try (Connection c = database.orElseThrow().connect();
          PreparedStatement s = c.prepareStatement(
              "DELETE FROM " + TABLE + " WHERE name = ? AND owner = ?")) {
        s.setString(1, settings.leaseName());
        s.setString(2, settings.ownerName());
        s.executeUpdate();
        result.complete(true);
      } catch (SQLException e) {
        // the row expires by itself
        result.complete(false);
      }
    });
    return result;
  }

  @Override
  public boolean checkLease() {
    return held && System.nanoTime() - renewedAt < ttl.toNanos();
  }
}
