package dev.drover.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The layers of {@link DroverConfig}: a host's application.conf over Drover's Pekko settings
 * over every reference.conf. The layers are given explicitly (no system properties, no
 * -Dconfig.file), so the outcome depends neither on how the JVM was started nor on what other
 * tests loaded before.
 */
class PekkoSettingsTest {
  private static final ClassLoader LOADER = PekkoSettingsTest.class.getClassLoader();

  @TempDir
  Path host;

  @Test
  void aHostsApplicationConfWinsOverDroversPekkoSettingsAndDefaults() throws IOException {
    Files.writeString(host.resolve("application.conf"), """
        pekko.loglevel = DEBUG
        pekko.remote.artery.canonical.hostname = "10.1.2.3"
        pekko.cluster.gossip-interval = 1s
        drover.node.pool.max = 9
        """);
    // the host's class path, as ConfigFactory reads application.conf from it; alone, so that no
    // other application.conf of this JVM's class path takes part
    try (URLClassLoader hostPath = new URLClassLoader(new URL[] {host.toUri().toURL()}, null)) {
      Config application = ConfigFactory.parseResourcesAnySyntax(hostPath, "application");

      Config config = DroverConfig.load(ConfigFactory.empty(), application, LOADER);

      assertThat(config.getString("pekko.loglevel")).isEqualTo("DEBUG");
      assertThat(config.getString("pekko.remote.artery.canonical.hostname"))
          .isEqualTo("10.1.2.3");
      assertThat(config.getDuration("pekko.cluster.gossip-interval")).hasSeconds(1);
      assertThat(config.getInt("drover.node.pool.max")).isEqualTo(9);
      // what the host left alone keeps Drover's value, not Pekko's default
      assertThat(config.getString("pekko.actor.provider")).isEqualTo("cluster");
      assertThat(config.getInt("drover.node.pool.min")).isEqualTo(1);
    }
  }

  @Test
  void overridesWinOverTheApplication() {
    Config config = DroverConfig.load(
        ConfigFactory.parseString("pekko.loglevel = WARNING"),
        ConfigFactory.parseString("pekko.loglevel = DEBUG"), LOADER);

    assertThat(config.getString("pekko.loglevel")).isEqualTo("WARNING");
  }

  @Test
  void droversPekkoSettingsWinOverPekkosReferenceConf() {
    Config config = DroverConfig.load(ConfigFactory.empty(), ConfigFactory.empty(), LOADER);

    assertThat(config.getString("pekko.actor.provider")).isEqualTo("cluster");
    assertThat(config.getString("pekko.actor.serialization-bindings."
        + "\"dev.drover.serialization.CborSerializable\"")).isEqualTo("jackson-cbor");
    assertThat(config.getString("pekko.persistence.journal.plugin")).isEqualTo("jdbc-journal");
    // replaced, not appended to: Pekko's list holds DefaultScalaModule (VariablesRoundTripTest)
    assertThat(config.getStringList("pekko.serialization.jackson.jackson-modules"))
        .hasSize(6)
        .noneMatch(module -> module.contains("Scala"));
  }

  @Test
  void aHostsSerializationBindingsAreAddedToDrovers() {
    Config config = DroverConfig.load(ConfigFactory.empty(), ConfigFactory.parseString(
        "pekko.actor.serialization-bindings { \"com.example.HostMessage\" = jackson-json }"),
        LOADER);

    assertThat(config.getObject("pekko.actor.serialization-bindings").unwrapped())
        .containsEntry("com.example.HostMessage", "jackson-json")
        .containsEntry("dev.drover.serialization.CborSerializable", "jackson-cbor");
  }

  @Test
  void droversReferenceConfSetsOnlyDroversKeys() throws IOException {
    URL pekkoSettings = LOADER.getResource(DroverConfig.PEKKO_SETTINGS);
    URL reference = new URL(pekkoSettings.toString()
        .replace(DroverConfig.PEKKO_SETTINGS, "reference.conf"));

    assertThat(ConfigFactory.parseURL(reference).root().keySet()).containsExactly("drover");
  }

  @Test
  void aConfigurationWithoutDroversPekkoSettingsIsRefused() {
    assertThatThrownBy(() -> DroverConfig.requirePekkoSettings(ConfigFactory.defaultReference()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("DroverConfig.load()");
    Config loaded = DroverConfig.load(ConfigFactory.empty(), ConfigFactory.empty(), LOADER);
    assertThat(DroverConfig.requirePekkoSettings(loaded)).isSameAs(loaded);
  }
}
