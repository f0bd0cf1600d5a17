package dev.drover.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import dev.drover.config.DroverConfig;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import dev.drover.node.NodeSystem;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster's key material: created private, checked before a node uses it, renewed. */
class ClusterKeysTest {
  @TempDir Path dir;

  @Test
  void initCreatesACaAndANodeCertificateReadableOnlyByTheOwner() throws Exception {
    ClusterKeys keys = ClusterKeys.init(dir.resolve("keys"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.directory())))
        .isEqualTo("rwx------");
    for (String f : List.of("ca.crt", "ca.key", "tls.crt", "tls.key")) {
      assertThat(PosixFilePermissions.toString(
          Files.getPosixFilePermissions(keys.directory().resolve(f)))).as(f).isEqualTo("rw-------");
    }
    assertThat(Files.readString(keys.directory().resolve("tls.key")))
        .startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(ClusterKeys.load(keys.directory()).caFingerprint())
        .isEqualTo(keys.caFingerprint());
    // a second init would lock every node out: refused
    assertThatThrownBy(() -> ClusterKeys.init(dir.resolve("keys")))
        .isInstanceOf(FileAlreadyExistsException.class);
  }

  @Test
  void materialOthersCanReadIsRefusedWithTheCommandThatFixesIt() throws Exception {
    Path keys = ClusterKeys.init(dir.resolve("keys")).directory();
    Files.setPosixFilePermissions(keys.resolve("tls.key"),
        PosixFilePermissions.fromString("rw-r-----"));
    assertThatThrownBy(() -> ClusterKeys.load(keys)).isInstanceOf(InvalidClusterKeys.class)
        .hasMessageContaining("accessible to other users")
        .hasMessageContaining("chmod 600 " + keys.resolve("tls.key"));
  }

  @Test
  void aCertificateOfAnotherClusterIsRefused() throws Exception {
    Path ours = ClusterKeys.init(dir.resolve("ours")).directory();
    Path theirs = ClusterKeys.init(dir.resolve("theirs")).directory();
    Files.copy(theirs.resolve("ca.crt"), ours.resolve("ca.crt"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(() -> ClusterKeys.load(ours)).isInstanceOf(InvalidClusterKeys.class)
        .hasMessageContaining("is not signed by");
  }

  @Test
  void renewIssuesANewNodeKeyUnderTheSameCa() throws Exception {
    ClusterKeys before = ClusterKeys.init(dir.resolve("keys"));
    String oldKey = Files.readString(before.directory().resolve("tls.key"));
    ClusterKeys after = ClusterKeys.renew(before.directory());
    assertThat(after.caFingerprint()).isEqualTo(before.caFingerprint());
    assertThat(Files.readString(after.directory().resolve("tls.key"))).isNotEqualTo(oldKey);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(
        after.directory().resolve("tls.key")))).isEqualTo("rw-------");
  }

  @Test
  void aNodeCreatesItsOwnMaterialInItsDataDirectoryButNeverAnExplicitOne() {
    Config base = DroverConfig.load()
        .withValue("drover.data-dir", ConfigValueFactory.fromAnyRef(dir.toString()))
        .withValue("drover.cluster.keys", ConfigValueFactory.fromAnyRef(""));
    Config tls = ClusterKeys.configure(base);
    assertThat(tls.getString("pekko.remote.artery.transport")).isEqualTo("tls-tcp");
    assertThat(tls.getString("pekko.remote.artery.ssl.rotating-keys-engine.key-file"))
        .isEqualTo(dir.resolve("cluster-keys").resolve("tls.key").toString());

    Config explicit = base.withValue("drover.cluster.keys",
        ConfigValueFactory.fromAnyRef(dir.resolve("elsewhere").toString()));
    assertThatThrownBy(() -> ClusterKeys.configure(explicit))
        .isInstanceOf(InvalidClusterKeys.class).hasMessageContaining("does not exist");
    assertThat(Files.exists(dir.resolve("elsewhere"))).isFalse();

    Config plain = ClusterKeys.configure(explicit.withValue("drover.cluster.tls",
        ConfigValueFactory.fromAnyRef(false)));
    assertThat(plain.getString("pekko.remote.artery.transport")).isEqualTo("tcp");
  }

  @Test
  void theReadmesClientSystemRunsOverTlsWithTheConfiguredKeys() throws Exception {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), NodeSystem.NAME,
        NodeSystem.config("client", 0, DroverConfig.load()));   // -Ddrover.cluster.keys=/path/to/keys
    try {
      assertThat(system.settings().config().getString("pekko.remote.artery.transport"))
          .isEqualTo("tls-tcp");
      assertThat(system.settings().config().getString(
          "pekko.remote.artery.ssl.rotating-keys-engine.ca-cert-file"))
          .isEqualTo(ClusterKeys.directory(DroverConfig.load()).resolve("ca.crt").toString());
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  @Test
  void hostPortsAreCheckedWithTheSettingsName() {
    assertThat(HostPort.parse("10.0.0.7:25520", "x")).isEqualTo(new HostPort("10.0.0.7", 25520));
    assertThat(HostPort.parse("[::1]:7", "x")).isEqualTo(new HostPort("::1", 7));
    for (String bad : List.of("", "host", ":1", "host:", "host:port", "host:70000", "a@b:1")) {
      assertThatThrownBy(() -> HostPort.parse(bad, "drover.cluster.seeds (--seed)"))
          .as(bad).isInstanceOf(InvalidClusterConfig.class)
          .hasMessageStartingWith("drover.cluster.seeds (--seed) must be HOST:PORT");
    }
  }
}
