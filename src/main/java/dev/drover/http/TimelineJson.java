package dev.drover.http;

import dev.drover.pipeline.PipelineApi.AttemptSpan;
import dev.drover.pipeline.PipelineApi.JobTimeline;
import dev.drover.pipeline.PipelineApi.TaskTimeline;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * {@code GET /api/v1/jobs/{id}/timeline}: a job's attempts. Its times keep their milliseconds
 * (the rest of the API writes whole seconds, as prunner does), since a timeline of tasks that
 * run for less than a second is drawn from them; durations are seconds as numbers.
 */
record TimelineJson(String id, List<Task> tasks) {

  record Task(String name, String status, List<String> dependsOn, String pool,
      boolean awaitCallback, Double timeoutSeconds, int retries, Double retryDelaySeconds,
      double retryBackoff, String waiting, String due, List<Attempt> attempts) {}

  record Attempt(int attempt, String start, String end, String callbackWait, String outcome,
      String error, String retryDue) {}

  static TimelineJson of(JobTimeline timeline) {
    return new TimelineJson(timeline.id().toString(),
        timeline.tasks().stream().map(TimelineJson::task).toList());
  }

  private static Task task(TaskTimeline t) {
    return new Task(t.name(), t.status(), t.dependsOn(), t.pool(), t.awaitCallback(),
        seconds(t.timeout()), t.retries(), seconds(t.retryDelay()), t.retryBackoff(), t.waiting(),
        time(t.due()), t.attempts().stream().map(TimelineJson::attempt).toList());
  }

  private static Attempt attempt(AttemptSpan a) {
    return new Attempt(a.attempt(), time(a.start()), time(a.end()), time(a.callbackWait()),
        a.outcome(), a.error(), time(a.retryDue()));
  }

  private static String time(Instant at) {
    return at == null ? null : at.toString();
  }

  private static Double seconds(Duration d) {
    return d == null ? null : d.toMillis() / 1000.0;
  }
}
