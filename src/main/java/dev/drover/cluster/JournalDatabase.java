package dev.drover.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Properties;

/**
 * The PostgreSQL database several {@code drover serve} nodes share ({@code drover.cluster.journal},
 * {@code --journal}): the journal of jobs and executions, the split-brain resolver's lease and
 * the task logs. Its password is read from the environment variable
 * {@value #PASSWORD_VARIABLE} only, never from a file or a command line.
 *
 * @param url the JDBC URL, {@code jdbc:postgresql://...}
 * @param user the database user
 */
public record JournalDatabase(String url, String user) {
  /** The environment variable holding the database password. */
  public static final String PASSWORD_VARIABLE = "DROVER_JOURNAL_PASSWORD";

  public JournalDatabase {
    if (!url.startsWith("jdbc:postgresql:")) {
      throw new InvalidClusterConfig("drover.cluster.journal (--journal) must be a PostgreSQL "
          + "JDBC URL, jdbc:postgresql://HOST:PORT/DATABASE, got \"" + url + "\"");
    }
  }

  /** The shared journal {@code config} names, or empty when the node keeps its own (H2). */
  public static Optional<JournalDatabase> fromConfig(Config config) {
    String url = config.getString("drover.cluster.journal");
    return url.isBlank() ? Optional.empty()
        : Optional.of(new JournalDatabase(url.trim(), config.getString("drover.cluster.journal-user")));
  }

  /** A new connection, failing within seconds when the database does not answer. */
  public Connection connect() throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", user);
    String password = System.getenv(PASSWORD_VARIABLE);
    if (password != null) {
      p.setProperty("password", password);
    }
    p.setProperty("connectTimeout", "5");
    p.setProperty("socketTimeout", "30");
    p.setProperty("ApplicationName", "drover");
    return DriverManager.getConnection(url, p);
  }

  /** A pool of at most {@code size} connections, for a store that queries often. */
  public HikariDataSource pool(String name, int size) {
    HikariConfig c = new HikariConfig();
    c.setPoolName(name);
    c.setJdbcUrl(url);
    c.setUsername(user);
    String password = System.getenv(PASSWORD_VARIABLE);
    if (password != null) {
      c.setPassword(password);
    }
    c.setMaximumPoolSize(size);
    c.setMinimumIdle(1);
    c.setConnectionTimeout(10_000);
    c.addDataSourceProperty("socketTimeout", "30");
    return new HikariDataSource(c);
  }

  /** {@code config} with pekko-persistence-jdbc's journal and snapshot store in this database. */
  public Config applyTo(Config config) {
    String slick = "pekko-persistence-jdbc.shared-databases.slick.";
    String password = System.getenv(PASSWORD_VARIABLE);
    return config
        .withValue(slick + "profile", ConfigValueFactory.fromAnyRef("slick.jdbc.PostgresProfile$"))
        .withValue(slick + "db.url", ConfigValueFactory.fromAnyRef(url))
        .withValue(slick + "db.user", ConfigValueFactory.fromAnyRef(user))
        .withValue(slick + "db.password",
            ConfigValueFactory.fromAnyRef(password == null ? "" : password))
        .withValue(slick + "db.driver", ConfigValueFactory.fromAnyRef("org.postgresql.Driver"));
  }

  /** The URL without its query string, which may carry credentials: for messages and logs. */
  public String describe() {
    int q = url.indexOf('?');
    return q < 0 ? url : url.substring(0, q);
  }
}
