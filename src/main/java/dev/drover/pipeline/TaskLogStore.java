package dev.drover.pipeline;

import dev.drover.flow.TaskContext;
import dev.drover.pipeline.PipelineApi.LogLine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The output of job tasks, one file per task and stream: {@code <data>/logs/<jobId>/<task>-stdout.log}
 * and {@code -stderr.log}, appended line by line as the worker sends them, so they are readable
 * while the task runs and survive a crash of the server. Followers get each new line as well.
 */
public final class TaskLogStore implements TaskContext.OutputSink {
  private final Path root;
  private final Map<String, List<Consumer<LogLine>>> followers = new ConcurrentHashMap<>();

  /** @param root the {@code logs} directory */
  public TaskLogStore(Path root) {
    this.root = root;
  }

  private Path file(String job, String task, String stream) {
    return root.resolve(job).resolve(task + "-" + stream + ".log");
  }

  @Override
  public void write(String job, String task, String stream, String line) {
    String name = "stderr".equals(stream) ? "stderr" : "stdout";
    Path file = file(job, task, name);
    // one writer per task attempt: the worker's lines of one task arrive on one actor thread
    synchronized (this) {
      try {
        Files.createDirectories(file.getParent());
        Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the log of task " + task + " of job " + job,
            e);
      }
      List<Consumer<LogLine>> f = followers.get(job + "/" + task);
      if (f != null) {
        f.forEach(c -> c.accept(new LogLine(name, line)));
      }
    }
  }

  /** What stream {@code stream} of the task holds so far; empty when it wrote nothing. */
  public String read(String job, String task, String stream) {
    Path file = file(job, task, stream);
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Replays the task's lines so far, then each new one, to {@code lines} until the returned
   * handle is closed. Written lines and followers are kept in step so no line is missed or
   * doubled between the replay and the first live line.
   */
  public AutoCloseable follow(String job, String task, Consumer<LogLine> lines) {
    String key = job + "/" + task;
    synchronized (this) {
      for (String stream : List.of("stdout", "stderr")) {
        read(job, task, stream).lines().forEach(l -> lines.accept(new LogLine(stream, l)));
      }
      followers.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(lines);
    }
    return () -> followers.computeIfPresent(key, (k, list) -> {
      list.remove(lines);
      return list.isEmpty() ? null : list;
    });
  }

  /** Deletes every log of a job (retention). */
  public void delete(String job) {
    Path dir = root.resolve(job);
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the logs of job " + job, e);
    }
  }
}
