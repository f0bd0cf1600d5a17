package dev.drover.node.process;

import java.time.Duration;
import java.util.List;

/** Kills the processes one record names, with the identity checks that spare a reused pid. */
final class Reaper {
  private Reaper() {}

  /**
   * Kills the record's group while its leader is still the recorded process, and every process
   * carrying the record's token (members whose leader is gone, and those that left the group),
   * until none is left or {@code within} passed.
   *
   * @return the processes signalled, or -1 when some were still alive at the end
   */
  static int killAndConfirm(ProcessLedger.Record r, Duration within) {
    if (!ProcStat.available()) {
      return 0;
    }
    String marker = ProcessLedger.TOKEN_VARIABLE + "=" + r.token();
    long self = ProcessHandle.current().pid();
    long deadline = System.nanoTime() + within.toNanos();
    int signalled = 0;
    long pause = 5;
    while (true) {
      List<ProcStat> all = ProcStat.all();
      boolean leaderIsOurs = r.pgid() > 1 && all.stream().anyMatch(p -> p.pid() == r.pgid()
          && p.pgid() == r.pgid() && p.startTicks() == r.startTicks() && !p.zombie());
      List<ProcStat> victims = all.stream()
          .filter(p -> !p.zombie() && p.pid() > 1 && p.pid() != self)
          .filter(p -> (leaderIsOurs && p.pgid() == r.pgid())
              || ProcStat.environmentHas(p.pid(), marker))
          .toList();
      if (victims.isEmpty()) {
        return signalled;
      }
      if (System.nanoTime() > deadline) {
        return -1;
      }
      if (leaderIsOurs) {
        ProcessGroups.signal(r.pgid(), ProcessGroups.Signal.KILL);
      }
      for (ProcStat v : victims) {
        ProcessGroups.signalProcess(v.pid(), ProcessGroups.Signal.KILL);
      }
      signalled = Math.max(signalled, victims.size());
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return -1;
      }
      pause = Math.min(pause * 2, 100);
    }
  }
}
