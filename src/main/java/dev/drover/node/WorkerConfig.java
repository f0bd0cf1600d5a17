package dev.drover.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import dev.drover.config.DroverConfig;
import java.util.List;

/**
 * The configuration a forked worker JVM runs with: every {@code drover.*},
 * {@code pekko.remote.*} and {@code pekko.cluster.*} setting of its supervisor (the cluster's
 * transport, TLS key material, failure detector, split-brain resolver, its address's host), with
 * what differs per worker on top: role {@code worker}, its supervisor as seed node, a free port.
 *
 * <p>The supervisor writes it to the worker's standard input, not its command line: a command
 * line is visible to every user of the host, and these settings name the key material and may
 * hold passwords.
 */
public final class WorkerConfig {
  /** The subtrees of the supervisor's configuration a worker inherits. */
  static final List<String> INHERITED = List.of("drover", "pekko.remote", "pekko.cluster");

  private WorkerConfig() {}

  /** What a worker inherits from {@code supervisor}, as HOCON text (JSON). */
  public static String inherited(Config supervisor) {
    Config out = ConfigFactory.empty();
    for (String path : INHERITED) {
      if (supervisor.hasPath(path)) {
        out = out.withValue(path, supervisor.getValue(path));
      }
    }
    return out.root().render(ConfigRenderOptions.concise());
  }

  /**
   * The worker's configuration: {@code inherited} (the text of {@link #inherited}) over this
   * JVM's own, with the worker's role, seed node and port on top.
   */
  public static Config forWorker(String inherited, String seedAddress, boolean exitJvmWhenDone) {
    Config fromSupervisor = inherited.isBlank() ? ConfigFactory.empty()
        : ConfigFactory.parseString(inherited);
    return ConfigFactory.empty()
        .withValue("pekko.cluster.roles", ConfigValueFactory.fromIterable(List.of("worker")))
        .withValue("pekko.cluster.seed-nodes",
            ConfigValueFactory.fromIterable(List.of(seedAddress)))
        .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(0))
        // empty: the bind port follows the canonical one, whatever the supervisor binds to
        .withValue("pekko.remote.artery.bind.port", ConfigValueFactory.fromAnyRef(""))
        .withValue("pekko.coordinated-shutdown.exit-jvm",
            ConfigValueFactory.fromAnyRef(exitJvmWhenDone ? "on" : "off"))
        .withFallback(fromSupervisor)
        .withFallback(DroverConfig.load())
        .resolve();
  }
}
