package dev.drover.cluster;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A fresh PostgreSQL database on the machine's server (127.0.0.1:5432, user postgres, trust),
 * dropped again by {@link #close}; no two tests share one.
 */
final class TestDatabase implements AutoCloseable {
  static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";
  private final String name = "drover_test_" + UUID.randomUUID().toString().replace("-", "");

  TestDatabase() throws SQLException {
    admin("CREATE DATABASE " + name);
  }

  String url() {
    return SERVER + name;
  }

  Connection connect() throws SQLException {
    return DriverManager.getConnection(url(), "postgres", "");
  }

  private static void admin(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(SERVER + "postgres", "postgres", "");
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  @Override
  public void close() throws SQLException {
    admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }
}
