package dev.drover.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code drover serve} given a cluster setting it cannot work with: each gives one log line
 * saying what is wrong and exits with code 2, never a silent hang. All start at once.
 */
class ServeConfigTest {
  private static final String SECRET = "a-test-secret-that-is-long-enough-for-hs256";

  @TempDir Path dir;

  /** A case: extra JVM options and arguments, and what its one line must say. */
  private record Case(List<String> jvm, List<String> args, String says) {}

  @Test
  void eachBadClusterSettingIsOneClearLineAndExitCodeTwo() throws Exception {
    Path keys = ClusterKeys.init(dir.resolve("keys")).directory();
    Path openKeys = ClusterKeys.init(dir.resolve("open-keys")).directory();
    Files.setPosixFilePermissions(openKeys.resolve("tls.key"),
        PosixFilePermissions.fromString("rw-r--r--"));
    Path mixedKeys = ClusterKeys.init(dir.resolve("mixed-keys")).directory();
    Files.copy(keys.resolve("tls.crt"), mixedKeys.resolve("tls.crt"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    int nothingListens = ClusterProcesses.freePort();
    Files.createDirectories(dir.resolve("defs"));
    Files.writeString(dir.resolve("defs/pipelines.yml"), "pipelines: {}\n");

    try (TestDatabase database = new TestDatabase();
        ClusterProcesses processes = new ClusterProcesses(dir)) {
      Map<String, Case> cases = new LinkedHashMap<>();
      cases.put("missing-keys", new Case(List.of(),
          List.of("--cluster-keys", dir.resolve("nowhere").toString()),
          "does not exist; create the material with `drover cluster-keys init"));
      cases.put("open-keys", new Case(List.of(),
          List.of("--cluster-keys", openKeys.toString()), "is accessible to other users"));
      cases.put("mixed-keys", new Case(List.of(),
          List.of("--cluster-keys", mixedKeys.toString()), "the files come from different"));
      cases.put("bad-address", new Case(List.of(),
          List.of("--cluster-address", "nowhere", "--cluster-keys", keys.toString()),
          "drover.cluster.address (--cluster-address) must be HOST:PORT"));
      cases.put("seed-without-journal", new Case(List.of(),
          List.of("--seed", "127.0.0.1:" + nothingListens, "--cluster-keys", keys.toString()),
          "needs the journal they share"));
      cases.put("journal-refuses", new Case(List.of(), List.of("--journal",
          "jdbc:postgresql://127.0.0.1:" + nothingListens + "/drover", "--cluster-keys",
          keys.toString()), "the journal jdbc:postgresql://127.0.0.1:" + nothingListens
          + "/drover refused"));
      cases.put("journal-not-postgres", new Case(List.of(),
          List.of("--journal", "jdbc:mysql://127.0.0.1/x", "--cluster-keys", keys.toString()),
          "must be a PostgreSQL JDBC URL"));
      cases.put("seed-unreachable", new Case(List.of("-Ddrover.cluster.join-timeout=8s"),
          List.of("--seed", "127.0.0.1:" + nothingListens, "--journal", database.url(),
              "--cluster-keys", keys.toString()), "not Up in a cluster within PT8S"));

      Map<String, Process> started = new LinkedHashMap<>();
      for (Map.Entry<String, Case> c : cases.entrySet()) {
        List<String> args = new ArrayList<>(List.of("serve", "--path",
            dir.resolve("defs").toString(), "--address", "127.0.0.1:0", "--data",
            dir.resolve("data-" + c.getKey()).toString(), "--jwt-secret", SECRET));
        args.addAll(c.getValue().args());
        started.put(c.getKey(), processes.drover(c.getKey(), c.getValue().jvm(), Map.of(),
            args.toArray(String[]::new)));
      }
      for (Map.Entry<String, Process> p : started.entrySet()) {
        String name = p.getKey();
        assertThat(p.getValue().waitFor(120, TimeUnit.SECONDS)).as(name + " ended").isTrue();
        String log = processes.logText(name);
        assertThat(p.getValue().exitValue()).as(name + ":\n" + log).isEqualTo(2);
        List<String> refusals = log.lines().filter(l -> l.contains("cannot start")).toList();
        assertThat(refusals).as(name + ":\n" + log).singleElement().asString()
            .contains(cases.get(name).says());
        assertThat(log).as(name).doesNotContain("\tat ");
      }
    }
  }
}
