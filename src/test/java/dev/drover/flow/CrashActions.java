package dev.drover.flow;

import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Actions of the crash test: they leave their traces in files, which survive a SIGKILL. */
final class CrashActions {
  private CrashActions() {}

  static Path markers(TaskContext t) {
    return Path.of(t.params().get("markers").asText());
  }

  static void append(Path file, String line) throws IOException {
    Files.writeString(file, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /** Records each run, then waits until the file "release" exists. */
  public static final class LongRunning implements TaskAction {
    @Override
    public TaskOutcome run(TaskContext t) throws Exception {
      Path dir = markers(t);
      append(dir.resolve(t.taskName() + ".runs"), "attempt " + t.attempt());
      while (!Files.exists(dir.resolve("release"))) {
        Thread.sleep(20);
      }
      return TaskOutcome.success(TextNode.valueOf("done on attempt " + t.attempt()));
    }
  }

  /** Records each run and writes its callback token for the test to complete it with. */
  public static final class Approval implements TaskAction {
    @Override
    public TaskOutcome run(TaskContext t) throws Exception {
      Path dir = markers(t);
      append(dir.resolve(t.taskName() + ".runs"), "attempt " + t.attempt());
      Files.writeString(dir.resolve(t.taskName() + ".token"), t.callbackToken());
      return TaskOutcome.delayed();
    }
  }

  /** Records each run. */
  public static final class Record implements TaskAction {
    @Override
    public TaskOutcome run(TaskContext t) throws Exception {
      append(markers(t).resolve(t.taskName() + ".runs"), "attempt " + t.attempt());
      return TaskOutcome.success(TextNode.valueOf(t.taskName()));
    }
  }
}
