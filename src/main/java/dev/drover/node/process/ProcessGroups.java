package dev.drover.node.process;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signals process groups with {@code kill(2)}, bound through JNA: no {@code /bin/kill} is forked
 * per signal, and a group can be asked whether it still has a member ({@code kill(-pgid, 0)}).
 * Where libc cannot be bound, signals fall back to running {@code kill}.
 */
public final class ProcessGroups {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessGroups.class);
  private static final int EPERM = 1;
  private static final int ESRCH = 3;

  /** The signals Drover sends, with their Linux numbers. */
  public enum Signal {
    HUP(1), INT(2), KILL(9), TERM(15);

    final int number;

    Signal(int number) {
      this.number = number;
    }

    /** The signal named {@code name}, with or without {@code SIG}, case-insensitive. */
    public static Signal parse(String name) {
      String n = name.trim().toUpperCase();
      try {
        return valueOf(n.startsWith("SIG") ? n.substring(3) : n);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("unknown signal '" + name + "': use one of "
            + java.util.Arrays.toString(values()));
      }
    }
  }

  interface LibC extends Library {
    int kill(int pid, int signal) throws LastErrorException;
  }

  private static final LibC LIBC = bind();

  private ProcessGroups() {}

  private static LibC bind() {
    try {
      return Native.load("c", LibC.class);
    } catch (Throwable e) {
      LOG.warn("cannot bind kill(2) through JNA ({}); signals fork /bin/kill instead", e.toString());
      return null;
    }
  }

  /** Sends {@code signal} to every process of group {@code pgid}; false when the group is empty. */
  public static boolean signal(long pgid, Signal signal) {
    return send(-pgid, signal);
  }

  /** Sends {@code signal} to process {@code pid}; false when there is no such process. */
  public static boolean signalProcess(long pid, Signal signal) {
    return send(pid, signal);
  }

  /**
   * True while group {@code pgid} has a member (a zombie counts until it is reaped). A group
   * with a member keeps its number: the kernel gives no new process an id still in use as a
   * group id, so a group that exists is still the one this id was recorded for.
   */
  public static boolean exists(long pgid) {
    if (pgid <= 1) {
      return false;
    }
    if (LIBC == null) {
      return ProcStat.all().stream().anyMatch(p -> p.pgid() == pgid && !p.zombie());
    }
    try {
      LIBC.kill((int) -pgid, 0);
      return true;
    } catch (LastErrorException e) {
      return e.getErrorCode() == EPERM;
    }
  }

  private static boolean send(long target, Signal signal) {
    if (target == 0 || target == -1 || target == 1) {
      throw new IllegalArgumentException("refusing to signal " + target);
    }
    if (LIBC == null) {
      return fork(target, signal);
    }
    try {
      LIBC.kill((int) target, signal.number);
      return true;
    } catch (LastErrorException e) {
      if (e.getErrorCode() != ESRCH) {
        LOG.warn("kill({}, {}) failed: errno {}", target, signal, e.getErrorCode());
      }
      return false;
    }
  }

  private static boolean fork(long target, Signal signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal.name(), "--", Long.toString(target))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      return kill.waitFor(5, TimeUnit.SECONDS) && kill.exitValue() == 0;
    } catch (IOException e) {
      throw new IllegalStateException("cannot run kill to signal " + target, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Waits until group {@code pgid} has no live member, up to {@code within}; zombies (exited,
   * not yet reaped by whoever inherited them) count as gone.
   */
  public static boolean awaitGone(long pgid, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    long pause = 1;
    while (exists(pgid)) {
      if (ProcStat.all().stream().noneMatch(p -> p.pgid() == pgid && !p.zombie())) {
        return true;
      }
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      pause = Math.min(pause * 2, 50);
    }
    return true;
  }
}
