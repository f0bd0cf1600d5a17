package dev.drover.pipeline;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.drover.pipeline.PipelineApi.TaskView;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * prunner's job history, its {@code data.json} (prunner's {@code store.PersistedData}), as
 * Drover's ended jobs: what {@code drover import-prunner} brings across. A job prunner had not
 * finished ends canceled with its waiting and running tasks, as prunner itself does when it finds
 * one at its start.
 */
public final class PrunnerData {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .addModule(new JavaTimeModule())
      // Go writes the struct's field names (ID, Pipeline, ...); its decoder ignores case
      .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
      .build();
  /** Why a job prunner had not finished ended. */
  static final String UNFINISHED = "prunner had not finished it when it was imported";

  private PrunnerData() {}

  /** prunner's {@code store.PersistedData}. */
  record Persisted(List<PersistedJob> jobs) {}

  /** prunner's {@code store.PersistedJob}. */
  record PersistedJob(UUID id, String pipeline, boolean completed, boolean canceled,
      OffsetDateTime created, OffsetDateTime start, OffsetDateTime end,
      Map<String, Object> variables, String user, List<PersistedTask> tasks) {}

  /** prunner's {@code store.PersistedTask}. */
  record PersistedTask(String name, List<String> script, List<String> dependsOn,
      boolean allowFailure, String status, OffsetDateTime start, OffsetDateTime end,
      boolean skipped, int exitCode, boolean errored, String error) {}

  /**
   * The jobs of a {@code data.json}, as Drover's ended jobs.
   *
   * @throws IOException when it cannot be read or is not prunner's JSON
   */
  public static List<JobRecord> read(Path dataJson) throws IOException {
    Persisted data = MAPPER.readValue(dataJson.toFile(), Persisted.class);
    if (data == null || data.jobs() == null) {
      return List.of();
    }
    return data.jobs().stream().map(PrunnerData::job).toList();
  }

  static JobRecord job(PersistedJob j) {
    if (j.id() == null || j.pipeline() == null || j.created() == null) {
      throw new IllegalArgumentException("a job of data.json has no ID, Pipeline or Created: "
          + j);
    }
    boolean unfinished = !j.completed() && !j.canceled();
    List<TaskView> tasks = j.tasks() == null ? List.of()
        : j.tasks().stream().map(t -> task(t, unfinished)).toList();
    boolean errored = tasks.stream().anyMatch(TaskView::errored);
    Instant created = j.created().toInstant();
    Instant started = instant(j.start());
    Instant ended = j.end() != null ? j.end().toInstant() : started != null ? started : created;
    String status = j.canceled() || unfinished ? "canceled" : errored ? "error" : "done";
    String lastError = unfinished ? UNFINISHED : tasks.stream().filter(TaskView::errored)
        .map(TaskView::error).filter(e -> e != null).findFirst().orElse(null);
    return new JobRecord(j.id(), j.pipeline(), j.variables(), j.user(), null, created,
        JobRecord.Phase.ENDED, created, started, ended, status, lastError, tasks, errored);
  }

  private static TaskView task(PersistedTask t, boolean jobUnfinished) {
    String status = t.status() == null || t.status().isEmpty() ? "waiting" : t.status();
    if (jobUnfinished && (status.equals("waiting") || status.equals("running"))) {
      status = "canceled";
    }
    return new TaskView(t.name(), t.dependsOn() == null ? List.of() : t.dependsOn(), status,
        instant(t.start()), instant(t.end()), t.skipped(), t.exitCode(), t.errored(), t.error());
  }

  private static Instant instant(OffsetDateTime t) {
    return t == null ? null : t.toInstant();
  }
}
