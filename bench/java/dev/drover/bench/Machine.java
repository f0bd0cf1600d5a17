package dev.drover.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Prints what machine a benchmark ran on. */
final class Machine {
  private Machine() {}

  static void print() {
    System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " CPUs, "
        + cpuModel() + ", max heap " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB");
    System.out.println("java   : " + System.getProperty("java.vm.name") + " "
        + System.getProperty("java.runtime.version"));
  }

  /** Prints the load average, which says whether the machine was quiet. */
  static void printLoad() throws IOException {
    System.out.println("load   : " + Files.readString(Path.of("/proc/loadavg")).trim());
  }

  static String cpuModel() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      return lines.filter(l -> l.startsWith("model name")).findFirst()
          .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
    } catch (IOException e) {
      return "unknown CPU";
    }
  }
}
