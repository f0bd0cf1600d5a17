package dev.drover.flow;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import dev.drover.config.DroverConfig;
import java.nio.file.Path;
import java.util.List;

/** Builds the configuration that points the journal at a data directory. */
public final class FlowConfig {
  private FlowConfig() {}

  /**
   * {@code base} with {@code drover.data-dir} set to {@code dataDir} and, unless the journal was
   * configured for another database, the H2 journal in {@code <dataDir>/journal}. A node that
   * {@code base} gives no cluster role gets the engine's ({@code drover.flow.role}, else
   * {@code engine}), so the engine runs on it as it is; roles a host sets are kept.
   */
  public static Config forDataDir(Path dataDir, Config base) {
    Path dir = dataDir.toAbsolutePath().normalize();
    Config withDir = withEngineRole(base)
        .withValue("drover.data-dir", ConfigValueFactory.fromAnyRef(dir.toString()));
    String url = withDir.getString("pekko-persistence-jdbc.shared-databases.slick.db.url");
    if (!url.startsWith("jdbc:h2:")) {
      return withDir;
    }
    return withDir.withValue("pekko-persistence-jdbc.shared-databases.slick.db.url",
        ConfigValueFactory.fromAnyRef(h2Url(dir, withDir.getString("drover.flow.h2-options"))));
  }

  /**
   * The engine runs on the nodes of its role, so that worker JVMs, members of the same cluster,
   * never host executions; a node with no role at all would never find the engine's coordinator.
   */
  private static Config withEngineRole(Config base) {
    if (!base.getStringList("pekko.cluster.roles").isEmpty()) {
      return base;
    }
    String role = base.getString("drover.flow.role");
    return base.withValue("pekko.cluster.roles",
        ConfigValueFactory.fromIterable(List.of(role.isEmpty() ? "engine" : role)));
  }

  /** The H2 URL of the journal under {@code dataDir}. */
  static String h2Url(Path dataDir, String options) {
    return "jdbc:h2:file:" + dataDir.resolve("journal").resolve("drover")
        + (options.isEmpty() ? "" : ";" + options);
  }

  /** The default configuration with the journal under {@code dataDir}. */
  public static Config forDataDir(Path dataDir) {
    return forDataDir(dataDir, DroverConfig.load());
  }
}
