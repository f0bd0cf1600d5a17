package dev.drover.flow;

import com.typesafe.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the embedded H2 journal file ({@code <data>/journal/drover.mv.db}) bounded by the data
 * it holds: its data's size after a start or a clean stop, 6x to 9x its data while the engine
 * writes (measured with {@code bench/run-journal}; H2's online compaction reuses dead space but
 * hardly shrinks the file).
 *
 * <p>The journal commits every write before it is acknowledged ({@code WRITE_DELAY=0}), which
 * also stops H2's background writer, the thread that would otherwise compact the file: every
 * commit writes new pages and leaves the old ones dead, and the file only grows (5,000 one-task
 * jobs made a 675 MB file of 6.7 MB of data). This class does that work instead:
 *
 * <ul>
 *   <li>{@link #compact(Config)}, while no one has the file open (before the engine starts, after
 *       it stopped): {@code SHUTDOWN COMPACT}, which rewrites the file with its live pages only;
 *   <li>{@link #start(Config)}, while the engine runs: every {@code interval}, rewrites the live
 *       pages of chunks less than {@code fill-rate} % full (at most {@code max-write} bytes of
 *       them), so that the chunks they leave can be reused; this needs the journal's {@code
 *       RETENTION_TIME} short (see {@code drover.flow.h2-options}).
 * </ul>
 *
 * Settings: {@code drover.flow.embedded-journal} in {@code reference.conf}. Nothing happens
 * when the journal is not an H2 file (PostgreSQL keeps its own tables).
 */
public final class EmbeddedJournal implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedJournal.class);

  private final Connection connection;
  private final ScheduledExecutorService executor;

  private EmbeddedJournal(Connection connection, ScheduledExecutorService executor) {
    this.connection = connection;
    this.executor = executor;
  }

  /** The journal's H2 file URL in {@code config}, or empty when the journal is elsewhere. */
  static Optional<String> url(Config config) {
    String url = config.getString("pekko-persistence-jdbc.shared-databases.slick.db.url");
    return url.startsWith("jdbc:h2:file:") ? Optional.of(url) : Optional.empty();
  }

  /** The file H2 keeps the journal of {@code url} in. */
  static Path file(String url) {
    String path = url.substring("jdbc:h2:file:".length());
    int options = path.indexOf(';');
    return Path.of((options < 0 ? path : path.substring(0, options)) + ".mv.db");
  }

  private static Connection connect(Config config, String url) throws SQLException {
    Config db = config.getConfig("pekko-persistence-jdbc.shared-databases.slick.db");
    return DriverManager.getConnection(url, db.getString("user"), db.getString("password"));
  }

  /**
   * Rewrites the journal file with its live data only ({@code SHUTDOWN COMPACT}), when it is an
   * H2 file that exists, {@code drover.flow.embedded-journal.compact-at-start-and-stop} is on
   * and no one has it open: call it before the engine starts and after its actor system
   * terminated. Logs the sizes before and after; a failure is logged, never thrown (the journal
   * is then as it was).
   */
  public static void compact(Config config) {
    Optional<String> url = url(config);
    if (url.isEmpty() || !config.getBoolean(
        "drover.flow.embedded-journal.compact-at-start-and-stop")) {
      return;
    }
    Path file = file(url.get());
    if (!Files.exists(file)) {
      return;
    }
    try {
      long before = Files.size(file);
      long start = System.nanoTime();
      try (Connection c = connect(config, url.get()); Statement s = c.createStatement()) {
        s.execute("SHUTDOWN COMPACT");
      }
      long after = Files.size(file);
      LOG.info("journal {} compacted from {} KiB to {} KiB in {} ms", file, before / 1024,
          after / 1024, (System.nanoTime() - start) / 1_000_000);
    } catch (Exception e) {
      LOG.warn("journal {} not compacted: {}", file, e.getMessage());
    }
  }

  /**
   * Starts compacting the journal online, every {@code drover.flow.embedded-journal.interval}
   * (0s: never); empty when the journal is not an H2 file. {@link #close} stops it.
   */
  public static Optional<EmbeddedJournal> start(Config config) {
    Optional<String> url = url(config);
    Config c = config.getConfig("drover.flow.embedded-journal");
    Duration interval = c.getDuration("interval");
    if (url.isEmpty() || interval.isZero()) {
      return Optional.empty();
    }
    int fillRate = c.getInt("fill-rate");
    int maxWrite = (int) Math.min(Integer.MAX_VALUE, c.getBytes("max-write"));
    Connection connection;
    MVStore store;
    try {
      connection = connect(config, url.get());
      store = ((SessionLocal) ((JdbcConnection) connection).getSession()).getDatabase()
          .getStore().getMvStore();
    } catch (SQLException | RuntimeException e) {
      LOG.warn("the journal will not be compacted while the engine runs: {}", e.toString());
      return Optional.empty();
    }
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "drover-journal-compaction");
      t.setDaemon(true);
      return t;
    });
    executor.scheduleWithFixedDelay(() -> {
      try {
        if (!store.isClosed()) {
          store.compact(fillRate, maxWrite);
        }
      } catch (RuntimeException e) {
        LOG.debug("journal compaction failed: {}", e.toString());
      }
    }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    return Optional.of(new EmbeddedJournal(connection, executor));
  }

  /** Stops compacting and lets go of the journal. */
  @Override
  public void close() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
      connection.close();
    } catch (SQLException e) {
      LOG.debug("closing the journal's compaction connection: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
