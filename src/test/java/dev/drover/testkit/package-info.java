/**
 * A simulated Drover cluster for JUnit 5 tests: {@link dev.drover.testkit.DroverSimulation}
 * starts supervisors with in-process pools and clients in one {@code ActorTestKit};
 * {@link dev.drover.testkit.Faults} kills, hangs and delays workers, crashes and stops
 * supervisors and drops clients; {@link dev.drover.testkit.Invariants} are checked after every
 * step; {@link dev.drover.testkit.RandomLoad} drives many clients at random from the
 * simulation's seed.
 *
 * <p>It lives in Drover's test sources so that it needs nothing beyond test-scoped libraries
 * (JUnit 5, Awaitility, {@code pekko-actor-testkit-typed}); a host uses it through
 * Drover's test jar.
 */
package dev.drover.testkit;
