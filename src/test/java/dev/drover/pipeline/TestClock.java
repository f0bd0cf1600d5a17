package dev.drover.pipeline;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock the test moves. {@link #fixedAt} stands still until it is set or advanced (for a cron
 * schedule that must not fire by itself); {@link #systemShifted} goes on with real time, shifted
 * by how far it was advanced (for a runner whose timers keep running while a test jumps ahead).
 */
final class TestClock extends Clock {
  private final AtomicReference<Instant> base;
  private final boolean ticking;
  private final long startNanos = System.nanoTime();

  private TestClock(Instant base, boolean ticking) {
    this.base = new AtomicReference<>(base);
    this.ticking = ticking;
  }

  static TestClock fixedAt(Instant instant) {
    return new TestClock(instant, false);
  }

  static TestClock systemShifted() {
    return new TestClock(Instant.now(), true);
  }

  void set(Instant instant) {
    if (ticking) {
      throw new IllegalStateException("a ticking clock is only advanced");
    }
    base.set(instant);
  }

  void advance(Duration by) {
    base.updateAndGet(i -> i.plus(by));
  }

  @Override
  public Instant instant() {
    Instant b = base.get();
    return ticking ? b.plusNanos(System.nanoTime() - startNanos) : b;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("a test clock stays in UTC");
  }
}
