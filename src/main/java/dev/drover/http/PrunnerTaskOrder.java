package dev.drover.http;

import dev.drover.pipeline.PipelineApi.JobView;
import dev.drover.pipeline.PipelineApi.TaskView;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * The order in which prunner's routes list a job's tasks, as prunner's {@code
 * sortTasksByDependencies} has it for its UI: topological (Kahn's algorithm), taking the task
 * first by name whenever several are ready, so that each task follows those it depends on and the
 * order never depends on the definition's. Drover's own routes keep the definition's order.
 */
final class PrunnerTaskOrder {
  private PrunnerTaskOrder() {}

  /** {@code job} with its tasks in prunner's order. */
  static JobView of(JobView job) {
    if (job.tasks() == null || job.tasks().size() < 2) {
      return job;
    }
    return new JobView(job.id(), job.pipeline(), sorted(job.tasks()), job.completed(),
        job.canceled(), job.errored(), job.created(), job.start(), job.end(), job.lastError(),
        job.variables(), job.user(), job.queuePartition());
  }

  /** {@code tasks} in prunner's order. */
  static List<TaskView> sorted(List<TaskView> tasks) {
    Map<String, Set<String>> waitingFor = new HashMap<>();
    for (TaskView t : tasks) {
      waitingFor.put(t.name(), new HashSet<>(t.dependsOn() == null ? List.of() : t.dependsOn()));
    }
    PriorityQueue<String> ready = new PriorityQueue<>();
    waitingFor.forEach((name, deps) -> {
      if (deps.isEmpty()) {
        ready.add(name);
      }
    });
    Map<String, Integer> rank = new HashMap<>();
    while (!ready.isEmpty()) {
      String next = ready.poll();
      rank.put(next, rank.size());
      waitingFor.forEach((name, deps) -> {
        if (deps.remove(next) && deps.isEmpty()) {
          ready.add(name);
        }
      });
    }
    // a task never ready (a dependency outside the job) ranks first, as in prunner, by name
    return tasks.stream()
        .sorted(Comparator.<TaskView>comparingInt(t -> rank.getOrDefault(t.name(), 0))
            .thenComparing(TaskView::name))
        .toList();
  }
}
