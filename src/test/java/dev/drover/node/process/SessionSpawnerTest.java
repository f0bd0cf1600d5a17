package dev.drover.node.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionSpawnerTest {
  @TempDir Path dir;

  /** Every process a test started, its group killed after it even when it failed. */
  private final List<Process> started = new CopyOnWriteArrayList<>();

  @BeforeEach
  void onlyWherePosixSpawnIsBound() {
    assumeThat(SessionSpawner.available()).as("posix_spawn with POSIX_SPAWN_SETSID").isTrue();
  }

  @AfterEach
  void killEverythingStarted() {
    for (Process p : started) {
      ProcessGroups.signal(p.pid(), ProcessGroups.Signal.KILL);
    }
  }

  @Test
  void theProgramLeadsASessionAndAGroupOfItsOwn() throws Exception {
    // given a shell that prints its pid, its group and its session from /proc
    Process p = start("read -r pid comm state ppid pgrp sid rest < /proc/$$/stat;"
        + " echo \"$$ $pgrp $sid\"");
    // when it ends
    String out = read(p.getInputStream());
    // then all three are its own pid
    String pid = Long.toString(p.pid());
    assertThat(out.trim()).isEqualTo(pid + " " + pid + " " + pid);
    assertThat(p.waitFor()).isZero();
  }

  @Test
  void theProgramInheritsNoFileDescriptorOfTheJvmButItsThreeStreams() throws Exception {
    // given a file this JVM holds open
    Path held = Files.writeString(dir.resolve("held"), "x");
    try (FileInputStream open = new FileInputStream(held.toFile())) {
      // when a shell has ls list the shell's open descriptors
      Process p = start("ls /proc/$$/fd");
      // then it has stdin, stdout and stderr, and nothing else
      assertThat(read(p.getInputStream()).lines()).containsExactly("0", "1", "2");
      assertThat(p.waitFor()).isZero();
      assertThat(open.read()).isEqualTo('x');
    }
  }

  @Test
  void streamsCarryTheBytesBothWaysAndTheExitCodeComesBack() throws Exception {
    // given a shell that copies its input to stdout, writes to stderr and exits 7
    Process p = start("cat; printf 'err\\r' >&2; exit 7");
    // when it is given input and its input is closed
    p.getOutputStream().write("a\u00e9\nb".getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    // then the bytes come back as they were, each on its stream, and the exit code is 7
    assertThat(read(p.getInputStream())).isEqualTo("a\u00e9\nb");
    assertThat(read(p.getErrorStream())).isEqualTo("err\r");
    assertThat(p.waitFor()).isEqualTo(7);
    assertThat(p.exitValue()).isEqualTo(7);
  }

  @Test
  void aProcessEndedByASignalReportsOneHundredTwentyEightPlusTheSignal() throws Exception {
    // given a shell that sends itself SIGTERM
    Process p = start("kill -TERM $$; sleep 5");
    p.getOutputStream().close();
    // then its exit code is 143, as the JDK reports it
    assertThat(p.waitFor()).isEqualTo(143);
  }

  @Test
  void theProgramRunsInTheGivenDirectoryWithExactlyTheGivenEnvironment() throws Exception {
    // given a directory and an environment of one variable
    Process p = SessionSpawner.start(List.of("/bin/sh", "-c", "pwd; env"),
        Map.of("ONLY", "one value"), dir.toFile());
    started.add(p);
    // then the shell runs there and sees that variable (and those the shell sets itself)
    List<String> lines = read(p.getInputStream()).lines().toList();
    assertThat(lines.get(0)).isEqualTo(dir.toRealPath().toString());
    assertThat(lines).contains("ONLY=one value").noneMatch(l -> l.startsWith("HOME="));
    assertThat(p.waitFor()).isZero();
  }

  @Test
  void aProgramThatCannotStartIsAnIoException() {
    assertThatThrownBy(() -> SessionSpawner.start(List.of("/no/such/program"), Map.of(), null))
        .isInstanceOf(IOException.class).hasMessageContaining("/no/such/program");
    assertThatThrownBy(() -> SessionSpawner.start(List.of("/bin/sh", "-c", "true"), Map.of(),
        new File(dir.toFile(), "missing")))
        .isInstanceOf(IOException.class).hasMessageContaining("missing");
  }

  private Process start(String script) throws IOException {
    Process p = SessionSpawner.start(List.of("/bin/sh", "-c", script), System.getenv(), null);
    started.add(p);
    return p;
  }

  private static String read(InputStream in) throws IOException {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
