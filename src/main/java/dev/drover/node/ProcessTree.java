package dev.drover.node;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Kills a process with everything it started, and signals process groups. */
public final class ProcessTree {
  private static final Path SETSID = Path.of("/usr/bin/setsid");

  private ProcessTree() {}

  /**
   * SIGKILLs {@code root} and all its descendants. The descendants are listed before the root dies,
   * because once it is dead its children are re-parented and no longer found under it.
   */
  public static void kill(ProcessHandle root) {
    List<ProcessHandle> tree = Stream.concat(Stream.of(root), root.descendants())
        .collect(Collectors.toList());
    for (ProcessHandle p : tree) {
      p.destroyForcibly();
    }
    // a child may have forked between the listing and its death: one more sweep
    for (ProcessHandle p : tree) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
    }
  }

  /** Sends {@code signal} (e.g. {@code TERM}, {@code KILL}) to the process group {@code pgid}. */
  public static void signalGroup(long pgid, String signal) {
    dev.drover.node.process.ProcessGroups.signal(pgid,
        dev.drover.node.process.ProcessGroups.Signal.parse(signal));
  }

  /**
   * The command prefix that starts a program as the leader of a new session and process group
   * ({@code setsid}), so that one signal reaches it and every process it starts; empty when
   * {@code setsid} is missing. Java starts children as non-leaders, so {@code setsid} execs the
   * program in place and the started pid is the group id.
   */
  public static List<String> newSessionPrefix() {
    return Files.isExecutable(SETSID) ? List.of(SETSID.toString()) : List.of();
  }
}
