package dev.drover.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A transition log checks each move against its table, and counts what the table refuses. */
class TransitionLogTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T00:00:00Z"),
      ZoneOffset.UTC);

  enum Light { RED, GREEN, AMBER }

  /** RED first; RED -> GREEN -> AMBER -> RED. */
  private static boolean allowed(Light from, Light to) {
    if (from == null) {
      return to == Light.RED;
    }
    return switch (from) {
      case RED -> to == Light.GREEN;
      case GREEN -> to == Light.AMBER;
      case AMBER -> to == Light.RED;
    };
  }

  private final List<Transition<Light>> published = new ArrayList<>();

  private TransitionLog<Light> log(int capacity) {
    return new TransitionLog<>("light/1", capacity, TransitionLogTest::allowed, published::add,
        CLOCK);
  }

  @Test
  void legalMovesAreRecordedPublishedAndNotCounted() {
    TransitionLog<Light> log = log(10);
    log.record(Light.RED, "power on");
    log.record(Light.GREEN, "go");
    assertThat(log.current()).isEqualTo(Light.GREEN);
    assertThat(log.entries()).extracting(Transition::from).containsExactly(null, Light.RED);
    assertThat(log.entries()).extracting(Transition::to).containsExactly(Light.RED, Light.GREEN);
    assertThat(published).isEqualTo(log.entries());
    assertThat(log.illegal()).isZero();
  }

  @Test
  void anIllegalMoveIsRecordedAndCountedNotThrown() {
    // given a light at RED
    TransitionLog<Light> log = log(10);
    log.record(Light.RED, "power on");
    // when it jumps to AMBER, which the table does not allow
    Transition<Light> t = log.record(Light.AMBER, "bug");
    // then the move is in the log as it happened, and counted
    assertThat(t.from()).isEqualTo(Light.RED);
    assertThat(log.current()).isEqualTo(Light.AMBER);
    assertThat(log.illegal()).isEqualTo(1);
    // and a first state other than the table's start counts too
    TransitionLog<Light> other = log(10);
    other.record(Light.GREEN, "no start");
    assertThat(other.illegal()).isEqualTo(1);
  }

  @Test
  void theNewestEntriesAreKept() {
    TransitionLog<Light> log = log(2);
    log.record(Light.RED, "1");
    log.record(Light.GREEN, "2");
    log.record(Light.AMBER, "3");
    assertThat(log.entries()).extracting(Transition::cause).containsExactly("2", "3");
    assertThat(log.entries().get(0).toString()).isEqualTo(
        "light/1: RED -> GREEN (2) at 2026-12-01T00:00:00Z");
  }

  @Test
  void theFirstEntryPrintsItsMissingOriginAsADash() {
    TransitionLog<Light> log = log(2);
    assertThat(log.record(Light.RED, "power on").toString()).startsWith("light/1: - -> RED");
  }
}
