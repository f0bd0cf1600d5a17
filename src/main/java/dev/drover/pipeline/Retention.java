package dev.drover.pipeline;

import dev.drover.pipeline.JobRecord.Phase;
import dev.drover.pipeline.definition.PipelineDefinition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * Which ended jobs the queue removes, with their logs, as prunner decides it
 * ({@code determineIfJobShouldBeRemoved}): per pipeline, its jobs newest first by creation, all
 * of them counted (waiting and running ones too), an ended job is removed when it was created
 * longer than {@code retention_period} ago or comes at {@code retention_count} or beyond; the
 * ended jobs of a pipeline no longer defined are removed whatever their age. Waiting and running
 * jobs are never removed (prunner removes even those of a pipeline no longer defined, and loses a
 * running job's end).
 *
 * <p>A queue that knows no pipeline at all (a server started with a wrong {@code --path}) removes
 * nothing for want of a definition: its history is not wiped by a typo.
 */
final class Retention {
  private Retention() {}

  /**
   * The ended jobs to remove now.
   *
   * @param pipelines the pipelines that have jobs
   * @param jobsOf a pipeline's jobs, in any order; asked only of pipelines that may lose some
   * @param definitions a pipeline's current definition, or null when it is no longer defined
   * @param anyDefined whether any pipeline is defined at all
   */
  static List<UUID> expired(Iterable<String> pipelines,
      Function<String, List<JobRecord>> jobsOf,
      Function<String, PipelineDefinition> definitions, boolean anyDefined, Instant now) {
    List<UUID> out = new ArrayList<>();
    for (String pipeline : pipelines) {
      PipelineDefinition def = definitions.apply(pipeline);
      if (def == null) {
        if (anyDefined) {
          jobsOf.apply(pipeline).stream().filter(j -> j.phase() == Phase.ENDED)
              .map(JobRecord::id).forEach(out::add);
        }
        continue;
      }
      boolean byPeriod = def.retentionPeriod() != null && !def.retentionPeriod().isZero() && !def.retentionPeriod().isNegative();
      boolean byCount = def.retentionCount() != null && def.retentionCount() > 0;
      if (!byPeriod && !byCount) {
        continue;
      }
      List<JobRecord> newestFirst = jobsOf.apply(pipeline).stream()
          .sorted(Comparator.comparing(JobRecord::created).thenComparing(JobRecord::id).reversed())
          .toList();
      for (int i = 0; i < newestFirst.size(); i++) {
        JobRecord job = newestFirst.get(i);
        if (job.phase() != Phase.ENDED) {
          continue;
        }
        boolean old = byPeriod && job.created().plus(def.retentionPeriod()).isBefore(now);
        boolean beyond = byCount && i >= def.retentionCount();
        if (old || beyond) {
          out.add(job.id());
        }
      }
    }
    return out;
  }
}
