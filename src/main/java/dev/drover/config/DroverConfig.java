package dev.drover.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigUtil;
import dev.drover.serialization.CborSerializable;

/**
 * Loads the configuration of a Drover node as {@code ConfigFactory.load()} does, with Drover's
 * Pekko settings ({@value #PEKKO_SETTINGS}: cluster provider, Artery over TLS, the CBOR binding,
 * the journal plugin, ...) between the application's configuration and the libraries'
 * {@code reference.conf} files:
 *
 * <pre>
 *   system properties                      (-Dpekko.loglevel=DEBUG)
 *   application.conf, or -Dconfig.file     (the host's)
 *   drover-pekko.conf                      (Drover's Pekko settings)
 *   reference.conf of every jar            (Drover's drover.* keys, Pekko's defaults)
 * </pre>
 *
 * <p>So a host's {@code application.conf} overrides any setting, Drover's or Pekko's, whatever the
 * order of the jars on the class path; {@code reference.conf} files are merged in class-path
 * order, which is why Drover's sets only {@code drover.*} keys. Every entry point of Drover
 * (its commands, forked workers) loads its configuration here; a host does too, in place of
 * {@code ConfigFactory.load()}, which leaves Drover's Pekko settings out.
 */
public final class DroverConfig {
  /** The class-path resource holding the Pekko settings Drover needs. */
  public static final String PEKKO_SETTINGS = "drover-pekko.conf";

  /** A key only Drover's Pekko settings (or a host copying them) set: the CBOR binding. */
  private static final String BINDING = ConfigUtil.joinPath("pekko", "actor",
      "serialization-bindings", CborSerializable.class.getName());

  private DroverConfig() {}

  /** The layers above, read with the thread's context class loader as ConfigFactory does. */
  public static Config load() {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    return load(ConfigFactory.defaultOverrides(loader), ConfigFactory.defaultApplication(loader),
        loader);
  }

  /**
   * {@code application} (a host's own, unresolved configuration: e.g. parsed from a file, not
   * the result of {@code ConfigFactory.load()}, which already holds Pekko's defaults) over
   * Drover's Pekko settings and every {@code reference.conf}, with system properties on top.
   */
  public static Config load(Config application) {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    return load(ConfigFactory.defaultOverrides(loader), application, loader);
  }

  /** {@code overrides} over {@code application} over Drover's Pekko settings over the references. */
  static Config load(Config overrides, Config application, ClassLoader loader) {
    return overrides
        .withFallback(application)
        // missing only from a broken build: fail rather than run as a local, unbound system
        .withFallback(ConfigFactory.parseResources(loader, PEKKO_SETTINGS,
            ConfigParseOptions.defaults().setAllowMissing(false)))
        .withFallback(ConfigFactory.defaultReference(loader))
        .resolve();
  }

  /**
   * {@code config}, when it holds Drover's Pekko settings.
   *
   * @throws IllegalArgumentException when it does not: it was loaded with
   *     {@code ConfigFactory.load()}, and a node would run with Pekko's defaults (a local actor
   *     system, no serializer for Drover's messages) and fail later, less clearly
   */
  public static Config requirePekkoSettings(Config config) {
    if (!config.hasPath(BINDING)) {
      throw new IllegalArgumentException("the configuration lacks Drover's Pekko settings ("
          + PEKKO_SETTINGS + "): load it with DroverConfig.load() instead of"
          + " ConfigFactory.load(), or fall back to it");
    }
    return config;
  }
}
