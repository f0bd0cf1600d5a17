package dev.drover.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Where a {@code drover serve} node sits in its cluster ({@code drover.cluster.*}): its own
 * address, the seeds it joins, the journal it shares, how long it may take to join, and where its
 * health endpoints listen. Checked when read, so a bad value is one clear message at start.
 *
 * @param address the node's cluster address (canonical and bind), empty for 127.0.0.1 and a
 *     free port
 * @param seeds members to join, empty to form a new cluster
 * @param journal the shared journal, empty for the node's own H2 file
 * @param joinTimeout how long the node may take to be Up
 * @param management the health endpoints' address, empty for none
 */
public record ClusterSettings(Optional<HostPort> address, List<HostPort> seeds,
    Optional<JournalDatabase> journal, Duration joinTimeout, Optional<HostPort> management) {

  /** The settings under {@code drover.cluster}. */
  public static ClusterSettings fromConfig(Config config) {
    Config c = config.getConfig("drover.cluster");
    String address = c.getString("address").trim();
    String management = c.getString("management-address").trim();
    return new ClusterSettings(
        address.isEmpty() ? Optional.empty()
            : Optional.of(HostPort.parse(address, "drover.cluster.address (--cluster-address)")),
        c.getStringList("seeds").stream()
            .map(s -> HostPort.parse(s, "drover.cluster.seeds (--seed)")).toList(),
        JournalDatabase.fromConfig(config),
        c.getDuration("join-timeout"),
        management.isEmpty() ? Optional.empty()
            : Optional.of(HostPort.parse(management,
                "drover.cluster.management-address (--management-address)")));
  }

  /**
   * {@code config} with these settings in Pekko's terms: Artery's canonical and bind address,
   * the seed nodes, the journal's database and the health endpoints.
   *
   * @param systemName the actor system's name, part of each seed's address
   */
  public Config applyTo(Config config, String systemName) {
    Config out = config;
    if (address.isPresent()) {
      HostPort a = address.get();
      out = out
          .withValue("pekko.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(a.host()))
          .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(a.port()))
          .withValue("pekko.remote.artery.bind.hostname", ConfigValueFactory.fromAnyRef(a.host()))
          .withValue("pekko.remote.artery.bind.port", ConfigValueFactory.fromAnyRef(a.port()));
    }
    out = out.withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(
        seeds.stream().map(s -> "pekko://" + systemName + "@" + s).toList()));
    if (journal.isPresent()) {
      out = journal.get().applyTo(out);
    }
    if (management.isPresent()) {
      out = out
          .withValue("pekko.management.http.hostname",
              ConfigValueFactory.fromAnyRef(management.get().host()))
          .withValue("pekko.management.http.port",
              ConfigValueFactory.fromAnyRef(management.get().port()));
    }
    return out;
  }
}
