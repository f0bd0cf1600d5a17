package dev.drover.pipeline;

import dev.drover.node.OwnerOnly;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The output of job tasks, one file per task and stream: {@code <data>/logs/<jobId>/<task>-stdout.log}
 * and {@code -stderr.log}, holding exactly the bytes the script wrote, appended as the worker
 * sends them, so they are readable while the task runs and survive a crash of the server.
 * Followers get each appended piece as well.
 *
 * <p>The API is narrow and byte-oriented: {@link #append} bytes to a (job, task, stream),
 * {@link #read} a range, {@link #follow}, {@link #delete} a job. Directories are 0700 and files
 * 0600 ({@link OwnerOnly}).
 */
public final class TaskLogStore implements TaskOutput {
  /** The streams a task's output is kept in. */
  public static final List<String> STREAMS = List.of("stdout", "stderr");
  /** The most bytes a follower gets in one piece when what was written so far is replayed. */
  private static final int REPLAY_PIECE = 64 * 1024;

  /**
   * A piece of a task's output: {@code bytes} of {@code stream}, starting at byte
   * {@code offset} of that stream.
   */
  public record Chunk(String stream, long offset, byte[] bytes) {}

  private static final Set<StandardOpenOption> APPEND =
      EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);

  private final Path root;
  private final Map<String, List<Consumer<Chunk>>> followers = new ConcurrentHashMap<>();

  /** @param root the {@code logs} directory */
  public TaskLogStore(Path root) {
    this.root = root;
  }

  private Path file(String job, String task, String stream) {
    return root.resolve(job).resolve(task + "-" + stream + ".log");
  }

  private static String streamOf(String stream) {
    return "stderr".equals(stream) ? "stderr" : "stdout";
  }

  @Override
  public void write(String job, String task, String stream, byte[] bytes) {
    append(job, task, stream, bytes);
  }

  /** Appends {@code bytes} to {@code stream} (stdout or stderr; any other name is stdout). */
  public void append(String job, String task, String stream, byte[] bytes) {
    String name = streamOf(stream);
    Path file = file(job, task, name);
    // one writer per task attempt: the worker's output of one task arrives on one actor thread
    synchronized (this) {
      long offset;
      // a task's output may show its job's variables: readable by the server's user only
      try {
        if (!Files.isDirectory(file.getParent())) {
          OwnerOnly.directory(file.getParent());
        }
        try (FileChannel out = FileChannel.open(file, APPEND, OwnerOnly.fileAttributes(file))) {
          offset = out.size();
          ByteBuffer buffer = ByteBuffer.wrap(bytes);
          while (buffer.hasRemaining()) {
            out.write(buffer);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the log of task " + task + " of job " + job,
            e);
      }
      List<Consumer<Chunk>> f = followers.get(job + "/" + task);
      if (f != null) {
        Chunk chunk = new Chunk(name, offset, bytes);
        f.forEach(c -> c.accept(chunk));
      }
    }
  }

  /** Everything {@code stream} of the task holds so far; empty when it wrote nothing. */
  @Override
  public byte[] read(String job, String task, String stream) {
    Path file = file(job, task, streamOf(stream));
    try {
      return Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** At most {@code max} bytes of {@code stream} from byte {@code offset} on. */
  public byte[] read(String job, String task, String stream, long offset, int max) {
    Path file = file(job, task, streamOf(stream));
    if (!Files.exists(file)) {
      return new byte[0];
    }
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = in.size();
      if (offset >= size) {
        return new byte[0];
      }
      ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(max, size - offset));
      while (buffer.hasRemaining() && in.read(buffer, offset + buffer.position()) > 0) {
        // read on until the range is full
      }
      return buffer.position() == buffer.capacity() ? buffer.array()
          : java.util.Arrays.copyOf(buffer.array(), buffer.position());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Replays the task's output so far (stdout, then stderr), then each new piece, to
   * {@code chunks} until the returned handle is closed. Appends and followers are kept in step,
   * so no byte is missed or doubled between the replay and the first live piece.
   */
  @Override
  public AutoCloseable follow(String job, String task, Consumer<Chunk> chunks) {
    String key = job + "/" + task;
    synchronized (this) {
      for (String stream : STREAMS) {
        long offset = 0;
        byte[] piece;
        while ((piece = read(job, task, stream, offset, REPLAY_PIECE)).length > 0) {
          chunks.accept(new Chunk(stream, offset, piece));
          offset += piece.length;
        }
      }
      followers.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(chunks);
    }
    return () -> followers.computeIfPresent(key, (k, list) -> {
      list.remove(chunks);
      return list.isEmpty() ? null : list;
    });
  }

  /** Deletes every log of a job (retention). */
  @Override
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
