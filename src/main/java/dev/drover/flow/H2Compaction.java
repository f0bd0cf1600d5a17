package dev.drover.flow;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compacts the embedded H2 journal while it is in use. With {@code WRITE_DELAY=0} (every commit
 * in the file before it is acknowledged) H2 runs no background writer, and the background writer
 * is what rewrites half-empty chunks: without it the file grows with every commit, about 90 KB
 * per finished job, and only shrinks when the database closes. This task does that rewriting on
 * a timer, through H2's own store (not a public API of H2, hence the defensive checks).
 *
 * <p>The connection it holds is to the same embedded database as the journal's (same URL, same
 * JVM), so the store it compacts is the journal's.
 */
final class H2Compaction implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(H2Compaction.class);

  private final Connection connection;
  private final MVStore store;
  private final int targetFillRate;
  private final int writeLimit;
  private final Cancellable timer;

  private H2Compaction(ActorSystem<?> system, Connection connection, MVStore store,
      Duration interval, int targetFillRate, int writeLimit) {
    this.connection = connection;
    this.store = store;
    this.targetFillRate = targetFillRate;
    this.writeLimit = writeLimit;
    this.timer = system.scheduler().scheduleWithFixedDelay(interval, interval, this::compact,
        system.dispatchers().lookup(
            org.apache.pekko.actor.typed.DispatcherSelector.blocking()));
  }

  /**
   * Starts compacting the H2 database at {@code url} every {@code interval}; null when the
   * journal is not H2, when {@code interval} is zero, or when H2's store cannot be reached.
   */
  static H2Compaction start(ActorSystem<?> system, String url, String user, String password,
      Duration interval, int targetFillRate, int writeLimit) {
    if (!url.startsWith("jdbc:h2:") || interval.isZero()) {
      return null;
    }
    try {
      Connection c = DriverManager.getConnection(url, user, password);
      if (c.unwrap(JdbcConnection.class).getSession() instanceof SessionLocal session
          && session.getDatabase().getStore() != null) {
        return new H2Compaction(system, c, session.getDatabase().getStore().getMvStore(),
            interval, targetFillRate, writeLimit);
      }
      c.close();
    } catch (SQLException | RuntimeException | LinkageError e) {
      LOG.warn("cannot compact the H2 journal while it runs (it compacts when it closes): {}",
          e.toString());
    }
    return null;
  }

  private void compact() {
    try {
      if (!store.isClosed() && store.getFillRate() < targetFillRate) {
        store.compact(targetFillRate, writeLimit);
      }
    } catch (RuntimeException e) {
      LOG.warn("compacting the H2 journal failed: {}", e.toString());
    }
  }

  @Override
  public void close() {
    timer.cancel();
    try {
      connection.close();
    } catch (SQLException e) {
      LOG.debug("closing the compaction connection: {}", e.toString());
    }
  }
}
