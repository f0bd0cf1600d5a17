package dev.drover.pipeline;

import com.zaxxer.hikari.HikariDataSource;
import dev.drover.cluster.JournalDatabase;
import dev.drover.pipeline.TaskLogStore.Chunk;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Task output in the journal database a cluster's nodes share (table {@code drover_task_log}),
 * so that a task's logs outlive the node it ran on and every node serves them. A node writes the
 * output of the tasks it runs, byte for byte, in batches at most {@link #FLUSH_EVERY} ms after
 * it arrives (a node killed in between loses that much of its last output); a follower on any
 * node reads the rows of its task in order, then polls for new ones.
 */
public final class JournalTaskLogStore implements TaskOutput {
  private static final Logger LOG = LoggerFactory.getLogger(JournalTaskLogStore.class);
  /** How long a written line may wait before its batch goes to the database. */
  static final long FLUSH_EVERY = 100;
  /** How often a follower looks for new lines. */
  static final long POLL_EVERY = 250;

  private record Row(String job, String task, String stream, long offset, byte[] bytes) {}

  /** Where the next bytes of a (job, task, stream) this node writes start. */
  private final java.util.Map<String, Long> offsets = new java.util.HashMap<>();

  private final HikariDataSource pool;
  private final ScheduledExecutorService executor;
  private final List<Row> pending = new ArrayList<>();

  private JournalTaskLogStore(HikariDataSource pool) {
    this.pool = pool;
    this.executor = Executors.newScheduledThreadPool(1, r -> {
      Thread t = new Thread(r, "drover-task-log-store");
      t.setDaemon(true);
      return t;
    });
    executor.scheduleWithFixedDelay(this::flushQuietly, FLUSH_EVERY, FLUSH_EVERY,
        TimeUnit.MILLISECONDS);
  }

  /** The store in {@code database}, its table created when missing. */
  public static JournalTaskLogStore open(JournalDatabase database) {
    HikariDataSource pool = database.pool("drover-task-logs", 4);
    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS drover_task_log (seq BIGSERIAL PRIMARY KEY,"
          + " job TEXT NOT NULL, task TEXT NOT NULL, stream TEXT NOT NULL,"
          + " byte_offset BIGINT NOT NULL, bytes BYTEA NOT NULL)");
      s.execute("CREATE INDEX IF NOT EXISTS drover_task_log_task"
          + " ON drover_task_log (job, task, seq)");
    } catch (SQLException e) {
      pool.close();
      throw new IllegalStateException("cannot create the task log table in "
          + database.describe() + ": " + e.getMessage(), e);
    }
    return new JournalTaskLogStore(pool);
  }

  @Override
  public void write(String job, String task, String stream, byte[] bytes) {
    String name = "stderr".equals(stream) ? "stderr" : "stdout";
    String key = job + "/" + task + "/" + name;
    synchronized (pending) {
      // a task that ran before on another node (a retry after its crash) goes on from there
      long offset = offsets.computeIfAbsent(key, k -> storedLength(job, task, name));
      pending.add(new Row(job, task, name, offset, bytes.clone()));
      offsets.put(key, offset + bytes.length);
    }
  }

  private long storedLength(String job, String task, String stream) {
    try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement(
        "SELECT COALESCE(SUM(octet_length(bytes)), 0) FROM drover_task_log"
            + " WHERE job = ? AND task = ? AND stream = ?")) {
      s.setString(1, job);
      s.setString(2, task);
      s.setString(3, stream);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the log of task " + task + " of job " + job
          + ": " + e.getMessage(), e);
    }
  }

  private void flushQuietly() {
    try {
      flush();
    } catch (SQLException e) {
      LOG.warn("task output not written to the journal yet, retrying: {}", e.getMessage());
    }
  }

  /** Writes the pending lines, in the order they came, in one transaction. */
  private void flush() throws SQLException {
    List<Row> batch;
    synchronized (pending) {
      if (pending.isEmpty()) {
        return;
      }
      batch = List.copyOf(pending);
    }
    try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement(
        "INSERT INTO drover_task_log (job, task, stream, byte_offset, bytes)"
            + " VALUES (?, ?, ?, ?, ?)")) {
      for (Row r : batch) {
        s.setString(1, r.job());
        s.setString(2, r.task());
        s.setString(3, r.stream());
        s.setLong(4, r.offset());
        s.setBytes(5, r.bytes());
        s.addBatch();
      }
      s.executeBatch();
    }
    synchronized (pending) {
      pending.subList(0, batch.size()).clear();
    }
  }

  @Override
  public byte[] read(String job, String task, String stream) {
    flushOwn();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement(
        "SELECT bytes FROM drover_task_log WHERE job = ? AND task = ? AND stream = ?"
            + " ORDER BY seq")) {
      s.setString(1, job);
      s.setString(2, task);
      s.setString(3, "stderr".equals(stream) ? "stderr" : "stdout");
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          out.writeBytes(r.getBytes(1));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the log of task " + task + " of job " + job
          + ": " + e.getMessage(), e);
    }
    return out.toByteArray();
  }

  /** What this node wrote is readable at once by its own readers. */
  private void flushOwn() {
    try {
      executor.submit(() -> {
        flush();
        return null;
      }).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.debug("task output not flushed before a read: {}", e.toString());
    }
  }

  @Override
  public AutoCloseable follow(String job, String task, Consumer<Chunk> chunks) {
    long[] last = {0};
    Runnable poll = () -> {
      try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement(
          "SELECT seq, stream, byte_offset, bytes FROM drover_task_log"
              + " WHERE job = ? AND task = ? AND seq > ? ORDER BY seq")) {
        s.setString(1, job);
        s.setString(2, task);
        s.setLong(3, last[0]);
        try (ResultSet r = s.executeQuery()) {
          while (r.next()) {
            last[0] = r.getLong(1);
            chunks.accept(new Chunk(r.getString(2), r.getLong(3), r.getBytes(4)));
          }
        }
      } catch (SQLException e) {
        LOG.debug("following the log of {} of job {}: {}", task, job, e.getMessage());
      }
    };
    flushOwn();
    ScheduledFuture<?> polling = executor.scheduleWithFixedDelay(poll, 0, POLL_EVERY,
        TimeUnit.MILLISECONDS);
    return () -> polling.cancel(false);
  }

  @Override
  public void delete(String job) {
    synchronized (pending) {
      offsets.keySet().removeIf(k -> k.startsWith(job + "/"));
    }
    try (Connection c = pool.getConnection();
        PreparedStatement s = c.prepareStatement("DELETE FROM drover_task_log WHERE job = ?")) {
      s.setString(1, job);
      s.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot delete the logs of job " + job + ": "
          + e.getMessage(), e);
    }
  }
}
