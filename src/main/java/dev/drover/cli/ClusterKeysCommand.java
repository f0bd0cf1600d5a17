package dev.drover.cli;

import dev.drover.cluster.ClusterKeys;
import dev.drover.cluster.InvalidClusterKeys;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code drover cluster-keys}: the key material that members of a cluster authenticate each other
 * with (Artery over mutual TLS). {@code init DIR} creates it once for every host of a cluster,
 * {@code renew DIR} replaces the node certificate under the same CA, {@code check DIR} verifies a
 * copy.
 */
@Command(name = "cluster-keys", mixinStandardHelpOptions = true,
    description = "Creates, renews or checks the key material of a cluster (mutual TLS between "
        + "its members).",
    subcommands = {ClusterKeysCommand.Init.class, ClusterKeysCommand.Renew.class,
        ClusterKeysCommand.Check.class})
final class ClusterKeysCommand implements Runnable {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "init", mixinStandardHelpOptions = true,
      description = {"Creates a new CA and node certificate in DIR (mode 0700, files 0600).",
          "Copy DIR to every host of the cluster and start each node with --cluster-keys DIR."})
  static final class Init implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "Directory to create; must not exist.")
    Path dir;

    @Override
    public Integer call() throws IOException {
      try {
        ClusterKeys keys = ClusterKeys.init(dir);
        System.out.println("cluster keys created in " + keys.directory() + " (CA "
            + keys.caFingerprint() + ", node certificate valid until " + keys.notAfter() + ")");
        return 0;
      } catch (FileAlreadyExistsException e) {
        System.err.println("cluster-keys: " + dir.toAbsolutePath() + " exists already; a new "
            + "CA would lock out every node using the old one. Remove it first, or use `renew`.");
        return 2;
      }
    }
  }

  @Command(name = "renew", mixinStandardHelpOptions = true,
      description = {"Issues a new node certificate and key in DIR with the CA key found there.",
          "Running members pick the new files up within "
              + "pekko.remote.artery.ssl.rotating-keys-engine.ssl-context-cache-ttl."})
  static final class Renew implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "Directory holding the cluster keys.")
    Path dir;

    @Override
    public Integer call() throws IOException {
      try {
        ClusterKeys keys = ClusterKeys.renew(dir);
        System.out.println("node certificate in " + keys.directory() + " renewed, valid until "
            + keys.notAfter());
        return 0;
      } catch (InvalidClusterKeys e) {
        System.err.println(e.getMessage());
        return 2;
      }
    }
  }

  @Command(name = "check", mixinStandardHelpOptions = true,
      description = "Checks the material in DIR: files, modes, signature, expiry.")
  static final class Check implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "Directory holding the cluster keys.")
    Path dir;

    @Override
    public Integer call() {
      try {
        ClusterKeys keys = ClusterKeys.load(dir);
        System.out.println("cluster keys in " + keys.directory() + " are valid (CA "
            + keys.caFingerprint() + ", node certificate valid until " + keys.notAfter() + ")");
        return 0;
      } catch (InvalidClusterKeys e) {
        System.err.println(e.getMessage());
        return 2;
      }
    }
  }
}
