package dev.drover.node.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessLedgerTest {
  @TempDir Path root;

  @Test
  void aRecordNamesItsGroupOnceTheScriptStartedAndGoesWhenTheGroupIsGone() throws Exception {
    assumeThat(SessionSpawner.available()).as("posix_spawn with POSIX_SPAWN_SETSID").isTrue();
    // given a record written before a script starts
    ProcessLedger ledger = ProcessLedger.of(root);
    ProcessLedger.Entry entry = ledger.begin("job/task");
    Path file = onlyRecord();
    assertThat(ProcessLedger.Record.read(file)).get()
        .satisfies(r -> assertThat(r.pgid()).isZero());
    Process script = SessionSpawner.start(List.of("/bin/sh", "-c", "sleep 30"),
        java.util.Map.of(entry.environment().getKey(), entry.environment().getValue()), null);
    try {
      // when the script started as the leader of its group
      entry.started(script.pid());
      // then the record read back names that group, its leader's start time and the task
      assertThat(ProcessLedger.Record.read(file)).get().satisfies(r -> {
        assertThat(r.pgid()).isEqualTo(script.pid());
        assertThat(r.startTicks()).isPositive();
        assertThat(r.fence()).isEqualTo("job/task");
        assertThat(r.token()).isEqualTo(entry.environment().getValue());
      });
      // and once it ends, what is left of its group is killed and the record removed
      assertThat(entry.end(Duration.ofSeconds(10))).isTrue();
      assertThat(script.waitFor()).isEqualTo(137);
      assertThat(file).doesNotExist();
    } finally {
      ProcessGroups.signal(script.pid(), ProcessGroups.Signal.KILL);
    }
  }

  @Test
  void aRecordWhoseSecondLineIsTornIsReadAsItsFirst() throws Exception {
    // given a record whose owner died while appending the started script's line
    Path file = Files.writeString(root.resolve("-.token"), "0 0 token job/task\n12");
    // then it reads as the record written before the script started
    assertThat(ProcessLedger.Record.read(file)).get().satisfies(r -> {
      assertThat(r.pgid()).isZero();
      assertThat(r.token()).isEqualTo("token");
      assertThat(r.fence()).isEqualTo("job/task");
    });
  }

  @Test
  void aRecordOfOneLineAsEarlierVersionsWroteItIsRead() throws Exception {
    Path file = Files.writeString(root.resolve("-.token"), "4242 99 token -\n");
    assertThat(ProcessLedger.Record.read(file)).get().satisfies(r -> {
      assertThat(r.pgid()).isEqualTo(4242);
      assertThat(r.startTicks()).isEqualTo(99);
      assertThat(r.fence()).isEqualTo("-");
    });
  }

  private Path onlyRecord() throws Exception {
    try (Stream<Path> files = Files.walk(root)) {
      List<Path> records = files.filter(Files::isRegularFile).toList();
      assertThat(records).hasSize(1);
      return records.get(0);
    }
  }
}
