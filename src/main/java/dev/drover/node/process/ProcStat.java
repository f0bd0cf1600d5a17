package dev.drover.node.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A process as Linux's {@code /proc/<pid>/stat} shows it: enough to tell its group and session,
 * and — by its start time in clock ticks since boot — whether a pid still names the process it
 * was recorded for.
 *
 * @param pid the process id
 * @param state R, S, D, Z, ... ({@code Z}: exited, not yet reaped)
 * @param ppid its parent
 * @param pgid its process group
 * @param sid its session
 * @param startTicks when it started, in clock ticks after boot
 */
public record ProcStat(long pid, char state, long ppid, long pgid, long sid, long startTicks) {
  private static final Path PROC = Path.of("/proc");

  /** True when {@code /proc} can be read here (Linux). */
  public static boolean available() {
    return Files.isReadable(PROC.resolve("self").resolve("stat"));
  }

  /** Exited (or being torn down) but not yet reaped. */
  public boolean zombie() {
    return state == 'Z' || state == 'X';
  }

  /** This JVM's own entry. */
  public static Optional<ProcStat> self() {
    return read(ProcessHandle.current().pid());
  }

  /** Process {@code pid}, or empty when it is gone (or {@code /proc} is missing). */
  public static Optional<ProcStat> read(long pid) {
    try {
      return Optional.of(parse(pid,
          Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"))));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Every process this JVM can see. */
  public static List<ProcStat> all() {
    List<ProcStat> all = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC)) {
      for (Path dir : dirs) {
        String name = dir.getFileName().toString();
        if (!name.isEmpty() && Character.isDigit(name.charAt(0))) {
          read(Long.parseLong(name)).ifPresent(all::add);
        }
      }
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
    return all;
  }

  /**
   * True when process {@code pid}'s environment holds {@code entry} (e.g. {@code NAME=value});
   * false when it does not or cannot be read (another user's process).
   */
  public static boolean environmentHas(long pid, String entry) {
    byte[] env;
    try {
      env = Files.readAllBytes(PROC.resolve(Long.toString(pid)).resolve("environ"));
    } catch (IOException | RuntimeException e) {
      return false;
    }
    byte[] wanted = entry.getBytes(StandardCharsets.UTF_8);
    int start = 0;
    for (int i = 0; i <= env.length; i++) {
      if (i == env.length || env[i] == 0) {
        if (i - start == wanted.length && java.util.Arrays.equals(
            env, start, i, wanted, 0, wanted.length)) {
          return true;
        }
        start = i + 1;
      }
    }
    return false;
  }

  /** Parses a stat line; the command name may hold spaces and parentheses, so it ends at the last ')'. */
  static ProcStat parse(long pid, String stat) {
    String rest = stat.substring(stat.lastIndexOf(')') + 2);
    String[] f = rest.trim().split(" ");
    // fields after the name, counted from 3 (state) as proc(5) numbers them
    return new ProcStat(pid, f[0].charAt(0), Long.parseLong(f[1]), Long.parseLong(f[2]),
        Long.parseLong(f[3]), Long.parseLong(f[19]));
  }
}
