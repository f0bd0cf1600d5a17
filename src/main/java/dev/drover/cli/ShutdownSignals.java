package dev.drover.cli;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * How {@code drover serve} stops, by signal, as prunner does where prunner's way is sound:
 *
 * <ul>
 *   <li>SIGINT (Ctrl-C; prunner's graceful stop, {@code STOPSIGNAL SIGINT} in its Docker
 *       advice): new jobs are refused and the running ones run to their end, however long;
 *   <li>SIGTERM (what systemd, Docker and Kubernetes send): new jobs are refused and the running
 *       ones get {@code drover.pipeline.shutdown-grace}; what still runs then is stopped, and
 *       the next start ends it canceled (or retries it as its retry allows). prunner cancels
 *       running jobs at once; a grace of {@code 0s} does that;
 *   <li>a second SIGINT or SIGTERM while the server waits stops it at once.
 * </ul>
 *
 * Either way everything accepted is in the journal, and waiting jobs wait for the next start.
 */
final class ShutdownSignals {
  private static final Logger log = LoggerFactory.getLogger(ShutdownSignals.class);

  private final CoordinatedShutdown shutdown;
  private final Duration grace;
  private final CompletableFuture<Void> giveUp = new CompletableFuture<>();
  private String first;

  private ShutdownSignals(CoordinatedShutdown shutdown, Duration grace) {
    this.shutdown = shutdown;
    this.grace = grace;
  }

  /** Handles SIGINT and SIGTERM from now on, in place of the JVM's own shutdown on them. */
  static ShutdownSignals install(CoordinatedShutdown shutdown, Duration grace) {
    ShutdownSignals signals = new ShutdownSignals(shutdown, grace);
    for (String name : new String[] {"INT", "TERM"}) {
      // a signal ignored when the JVM started stays ignored (a shell without job control
      // ignores SIGINT for what it starts in the background): say so rather than never stop
      if (Signal.handle(new Signal(name), s -> signals.received(name)) == SignalHandler.SIG_IGN) {
        log.warn("SIG{} is ignored by this process (started in the background?), so it cannot "
            + "stop the server; use SIG{}", name, name.equals("INT") ? "TERM" : "INT");
      }
    }
    return signals;
  }

  private void received(String signal) {
    boolean firstOne;
    synchronized (this) {
      firstOne = first == null;
      if (firstOne) {
        first = signal;
      }
    }
    if (!firstOne) {
      log.info("SIG{} while stopping: stopping now; running jobs end at the next start", signal);
      giveUp.complete(null);
      return;
    }
    if (signal.equals("INT")) {
      log.info("SIGINT: refusing new jobs and waiting for the running ones to end (SIGINT or "
          + "SIGTERM again stops at once)");
    } else {
      log.info("SIGTERM: refusing new jobs; running ones get {} to end (SIGINT or SIGTERM again "
          + "stops at once)", grace);
      giveUpAfterGrace();
    }
    shutdown.run(CoordinatedShutdown.jvmExitReason());
  }

  /**
   * Completes when the running jobs are no longer waited for: after the grace period, unless
   * SIGINT asked to wait for them; at once on a second signal. A stop not caused by a signal
   * (the JVM exiting) gives the grace period.
   */
  synchronized CompletionStage<Void> stopWaiting() {
    if (first == null) {
      first = "none";
      giveUpAfterGrace();
    }
    return giveUp;
  }

  private void giveUpAfterGrace() {
    CompletableFuture.delayedExecutor(grace.toMillis(), TimeUnit.MILLISECONDS)
        .execute(() -> giveUp.complete(null));
  }
}
