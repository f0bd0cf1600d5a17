package dev.drover.cluster;

import dev.drover.TestJvm;
import dev.drover.cli.Main;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The JVMs of a cluster test ({@code drover serve}, {@code drover supervisor}), each logging to a
 * file of its own, and everything they started: {@link #close} kills them and their descendants
 * even when the test failed, and every process whose command line carries {@link #marker()}
 * (scripts a killed worker left behind).
 */
final class ClusterProcesses implements AutoCloseable {
  private final Path dir;
  // digits only, so that a script can carry it as an argument, e.g. sleep 600.<marker>
  private final String marker = Long.toString(100_000_000_000L
      + (long) (Math.random() * 800_000_000_000L));
  private final List<Process> processes = new ArrayList<>();

  ClusterProcesses(Path dir) {
    this.dir = dir;
  }

  /** A token unique to this test; scripts carry it so that leftovers can be found. */
  String marker() {
    return marker;
  }

  /** Starts {@code drover <args>} in a JVM of its own, logging to {@code <name>.log}. */
  Process drover(String name, List<String> jvmOptions, Map<String, String> env, String... args)
      throws IOException {
    List<String> command = TestJvm.java("384m");
    command.add("-Xss512k");
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log(name).toFile()));
    pb.environment().putAll(env);
    Process p = pb.start();
    synchronized (processes) {
      processes.add(p);
    }
    return p;
  }

  Path log(String name) {
    return dir.resolve(name + ".log");
  }

  String logText(String name) {
    try {
      return Files.exists(log(name)) ? Files.readString(log(name)) : "";
    } catch (IOException e) {
      return "";
    }
  }

  /** SIGKILL to the JVM alone, as a crash would: its children are left to notice. */
  static void kill9(Process p) {
    p.toHandle().destroyForcibly();
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() {
    List<Process> all;
    synchronized (processes) {
      all = List.copyOf(processes);
    }
    for (Process p : all) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    for (Process p : all) {
      try {
        p.waitFor(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // what a killed JVM's workers started outlives them; only processes carrying our marker
    ProcessHandle.allProcesses().filter(this::carriesMarker)
        .forEach(ProcessHandle::destroyForcibly);
    keepLogs();
  }

  /** The JVMs' logs outlive the test's temporary directory, under target/cluster-test-logs. */
  private void keepLogs() {
    Path target = Path.of("target", "cluster-test-logs", marker);
    try (var logs = Files.list(dir)) {
      for (Path log : logs.filter(p -> p.toString().endsWith(".log")).toList()) {
        Files.createDirectories(target);
        Files.copy(log, target.resolve(log.getFileName()));
      }
    } catch (IOException e) {
      // nothing to keep
    }
  }

  private boolean carriesMarker(ProcessHandle p) {
    try {
      return Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline"))
          .contains(marker);
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
