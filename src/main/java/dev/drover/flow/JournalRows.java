package dev.drover.flow;

import com.typesafe.config.Config;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collection;

/**
 * Deletes the journal rows (events, their tags, snapshots) of persistent entities that are gone
 * for good, in the database pekko-persistence-jdbc writes to (the embedded H2 file or the
 * shared PostgreSQL), with the table and column names of its configuration.
 *
 * <p>Only for entities that will never write again: an ended execution whose job retention
 * removed. The plugin keeps no state of an entity that is not running, so one recovered later
 * finds nothing, as if it had never existed.
 */
final class JournalRows {
  private final String url;
  private final String user;
  private final String password;
  private final String deleteEvents;
  private final String deleteSnapshots;

  JournalRows(Config config) {
    Config db = config.getConfig("pekko-persistence-jdbc.shared-databases.slick.db");
    this.url = db.getString("url");
    this.user = db.getString("user");
    this.password = db.getString("password");
    // the event_tag rows go with their events (ON DELETE CASCADE of the plugin's schema)
    this.deleteEvents = "DELETE FROM " + table(config, "jdbc-journal.tables.event_journal")
        + " WHERE " + column(config, "jdbc-journal.tables.event_journal", "persistenceId")
        + " = ?";
    this.deleteSnapshots = "DELETE FROM " + table(config, "jdbc-snapshot-store.tables.snapshot")
        + " WHERE " + column(config, "jdbc-snapshot-store.tables.snapshot", "persistenceId")
        + " = ?";
  }

  private static String table(Config config, String path) {
    String schema = config.getString(path + ".schemaName");
    return (schema.isEmpty() ? "" : quote(schema) + ".")
        + quote(config.getString(path + ".tableName"));
  }

  private static String column(Config config, String path, String name) {
    return quote(config.getString(path + ".columnNames." + name));
  }

  private static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  /** Deletes every row of {@code persistenceIds}, in one transaction; returns the events gone. */
  int delete(Collection<String> persistenceIds) throws SQLException {
    if (persistenceIds.isEmpty()) {
      return 0;
    }
    try (Connection c = DriverManager.getConnection(url, user, password)) {
      c.setAutoCommit(false);
      int events = 0;
      try (PreparedStatement e = c.prepareStatement(deleteEvents);
          PreparedStatement s = c.prepareStatement(deleteSnapshots)) {
        for (String id : persistenceIds) {
          e.setString(1, id);
          events += e.executeUpdate();
          s.setString(1, id);
          s.executeUpdate();
        }
        c.commit();
      } catch (SQLException ex) {
        c.rollback();
        throw ex;
      }
      return events;
    }
  }
}
