package dev.drover.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.demo.Squaring;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Drover's own simulation: 1,000 clients share a pool of up to 100 in-process workers for
 * 10,000 random steps, while workers are killed, hung and delayed, clients dropped and the
 * supervisor crashed and stopped; every invariant is checked after every step.
 */
class SimulationTest {
  @RegisterExtension
  static final DroverSimulation sim = DroverSimulation.builder()
      .pool("sim", Squaring.class, pool -> pool.pool(20, 10, 100)
          .retireIdleAfter(Duration.ofSeconds(1))
          .leaseIdleTimeout(Duration.ofSeconds(5))
          .requestTimeout(Duration.ofSeconds(2)))
      .build();

  @Test
  void thousandClientsOnAHundredWorkersKeepEveryInvariantThroughRandomFaults() {
    // given 1,000 clients and a pool of 20 to 100 workers
    RandomLoad load = RandomLoad.on(sim, "sim")
        .clients(1_000).steps(10_000).maxInFlight(150);

    // when they lease, work and release at random while faults are injected
    RandomLoad.Report report = load.run();

    // then every invariant held after every step, and the load did real work
    System.out.println("SimulationTest: " + report);
    assertThat(report.invariantChecks()).isGreaterThanOrEqualTo(report.steps());
    assertThat(report.faults().values().stream().mapToInt(i -> i).sum()).isPositive();
    // (how much: a stopped supervisor's clients fail fast until they attach again, and the
    // steps race on meanwhile, so it depends on when the seed stops it)
    assertThat(report.worksSucceeded()).isPositive();
  }
}
