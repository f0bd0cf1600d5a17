package dev.drover.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The CPU time a {@code drover serve} JVM and its forked worker JVMs used, read from
 * {@code /proc/<pid>/stat} (utime + stime of each JVM, cutime + cstime for the processes it
 * waited for) before and after a timed run. The worker JVMs are the server's child processes
 * whose command is {@code java}. The scripts are what the JVMs reaped: a worker's finished
 * shell sessions (forked), or the server's own (in-process). Linux only; the kernel counts in
 * clock ticks ({@code getconf CLK_TCK}, usually 10 ms), so a run must last many ticks.
 */
final class ServerCpu {
  private static final long TICK_NANOS = Duration.ofSeconds(1).toNanos() / clockTicks();

  private ServerCpu() {}

  /** What one process used itself and what the children it waited for used, in ticks. */
  record Ticks(long self, long reaped) {
    static final Ticks NONE = new Ticks(0, 0);

    Ticks minus(Ticks before) {
      return new Ticks(self - before.self, reaped - before.reaped);
    }
  }

  /** The server's ticks and those of each of its worker JVMs, by pid, at one instant. */
  record Snapshot(Ticks server, Map<Long, Ticks> workers) {
    /**
     * The CPU used since {@code before}. A worker JVM started since counts whole; one that
     * ended since is counted in {@link Usage#workersGone()}, and the server reaped its CPU, which
     * then shows among the scripts.
     */
    Usage since(Snapshot before) {
      Ticks server = this.server.minus(before.server);
      long workers = 0;
      long scripts = server.reaped();
      for (Map.Entry<Long, Ticks> w : this.workers.entrySet()) {
        Ticks used = w.getValue().minus(before.workers.getOrDefault(w.getKey(), Ticks.NONE));
        workers += used.self();
        scripts += used.reaped();
      }
      int gone = (int) before.workers.keySet().stream()
          .filter(pid -> !this.workers.containsKey(pid)).count();
      return new Usage(duration(server.self()), duration(workers), duration(scripts),
          this.workers.size(), gone);
    }
  }

  /**
   * CPU used in an interval: the server JVM itself, its worker JVMs themselves, and the
   * processes they reaped (the scripts).
   */
  record Usage(Duration server, Duration workers, Duration scripts, int workerJvms,
      int workersGone) {
    /** Milliseconds of {@code cpu} per unit of work ({@code tasks}, jobs, requests). */
    static double perUnit(Duration cpu, long units) {
      return cpu.toNanos() / 1e6 / units;
    }
  }

  /** The server's ticks and its worker JVMs' now. */
  static Snapshot read(long serverPid) {
    Map<Long, Ticks> workers = new HashMap<>();
    ProcessHandle.of(serverPid).ifPresent(server -> server.children()
        .filter(c -> c.info().command().map(cmd -> cmd.endsWith("/java")).orElse(false))
        .forEach(c -> ticks(c.pid()).ifPresent(t -> workers.put(c.pid(), t))));
    Ticks server = ticks(serverPid).orElseThrow(
        () -> new IllegalStateException("no process " + serverPid));
    return new Snapshot(server, workers);
  }

  /** The ticks of a process of this machine, or empty when it is gone. */
  static Optional<Ticks> ticks(long pid) {
    String stat;
    try {
      stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    } catch (NoSuchFileException gone) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // the command (field 2) is in parentheses and may hold spaces: count from its end;
    // after it come state (3), ..., utime (14), stime (15), cutime (16), cstime (17)
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Optional.of(new Ticks(Long.parseLong(f[11]) + Long.parseLong(f[12]),
        Long.parseLong(f[13]) + Long.parseLong(f[14])));
  }

  /** This bench JVM's ticks: itself, and the peers (ninja, make, scripts) it waited for. */
  static Ticks self() {
    return ticks(ProcessHandle.current().pid()).orElseThrow();
  }

  static Duration duration(long ticks) {
    return Duration.ofNanos(ticks * TICK_NANOS);
  }

  private static long clockTicks() {
    try {
      return Long.parseLong(BenchSupport.run("getconf", "CLK_TCK").trim());
    } catch (IOException | RuntimeException e) {
      return 100;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 100;
    }
  }
}
