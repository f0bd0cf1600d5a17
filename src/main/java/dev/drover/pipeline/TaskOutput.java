package dev.drover.pipeline;

import dev.drover.flow.TaskContext;
import dev.drover.pipeline.TaskLogStore.Chunk;
import java.util.function.Consumer;

/**
 * Where the output of job tasks is kept and read back, byte for byte: {@link TaskLogStore},
 * files under the data directory, for a single node; {@link JournalTaskLogStore}, the shared
 * journal's database, for a cluster, where a task runs on one node and any node serves its logs.
 */
public interface TaskOutput extends TaskContext.OutputSink {
  /** Everything {@code stream} of the task holds so far; empty when it wrote nothing. */
  byte[] read(String job, String task, String stream);

  /**
   * Replays the task's output so far, then each new piece, to {@code chunks} until the returned
   * handle is closed; no byte is missed or doubled between the replay and the live pieces.
   */
  AutoCloseable follow(String job, String task, Consumer<Chunk> chunks);

  /** Deletes every log of a job (retention). */
  void delete(String job);
}
