package dev.drover.pipeline;

import dev.drover.serialization.CborSerializable;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A job as its queue keeps it: what was scheduled, where it is in its life, and how it ended.
 * What its tasks did is in its flow execution (the job's id is the execution's id); once the job
 * ended, a copy of its tasks' last views is kept here, so listing finished jobs asks no
 * execution (which would recover each passivated one from the journal).
 *
 * @param id the job's id
 * @param pipeline its pipeline
 * @param variables the variables it was scheduled with
 * @param user who scheduled it
 * @param queuePartition its partition of a partitioned waiting list, or null
 * @param created when it was scheduled
 * @param phase waiting, running or ended
 * @param startAt a waiting job does not start before this instant (start_delay)
 * @param started when it started, or null
 * @param ended when it ended, or null
 * @param endStatus {@code done}, {@code error} or {@code canceled} once ended
 * @param lastError why it failed or was canceled, or null
 * @param finalTasks its tasks as they ended, or null (not ended, or ended without running)
 * @param errored whether a task that may not fail failed (meaningful with {@code finalTasks})
 */
public record JobRecord(
    UUID id, String pipeline, Map<String, Object> variables, String user, String queuePartition,
    Instant created, Phase phase, Instant startAt, Instant started, Instant ended,
    String endStatus, String lastError, List<PipelineApi.TaskView> finalTasks, boolean errored)
    implements CborSerializable {

  /** Where a job is in its life. */
  public enum Phase { WAITING, RUNNING, ENDED }

  public JobRecord {
    variables = variables == null ? Map.of() : variables;
  }

  JobRecord startedAt(Instant at) {
    return new JobRecord(id, pipeline, variables, user, queuePartition, created, Phase.RUNNING,
        startAt, at, null, null, null, null, false);
  }

  JobRecord endedAt(Instant at, String status, String error, List<PipelineApi.TaskView> tasks,
      boolean tasksErrored) {
    return new JobRecord(id, pipeline, variables, user, queuePartition, created, Phase.ENDED,
        startAt, started, at, status, error, tasks == null ? null : List.copyOf(tasks),
        tasksErrored);
  }
}
