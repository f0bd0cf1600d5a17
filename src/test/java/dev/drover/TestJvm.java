package dev.drover;

import java.util.ArrayList;
import java.util.List;

/**
 * The start of the command line of a JVM a test starts ({@code drover serve}, a supervisor, an
 * engine to kill): this JVM's {@code java}, a heap bound, and the options of a quick start. The
 * suite starts a few hundred such JVMs that each live seconds, so their start-up (class loading,
 * C2 compiler threads, a parallel GC sized for the machine) costs more than peak speed would win.
 */
public final class TestJvm {
  private TestJvm() {}

  /** {@code java -Xmx<heap> <quick-start options>}, to which the caller adds its own. */
  public static List<String> java(String maxHeap) {
    return new ArrayList<>(List.of(
        ProcessHandle.current().info().command().orElse("java"), "-Xmx" + maxHeap,
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData"));
  }
}
