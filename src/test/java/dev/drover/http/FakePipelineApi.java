package dev.drover.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.flow.CompletionResult;
import dev.drover.flow.CompletionResult.Outcome;
import dev.drover.node.PoolStatus;
import dev.drover.node.SupervisorState;
import dev.drover.node.WorkerState;
import dev.drover.observe.Transition;
import dev.drover.pipeline.PipelineApi;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * An in-memory runner behind the HTTP API, like prunner's tests run their server on a mock task
 * runner: a job's tasks either finish at once, each writing {@code out from <task>} and {@code
 * err from <task>} (as prunner's TestServer_JobLogs does), or are held running until the job is
 * canceled (as in TestServer_JobCancel).
 */
final class FakePipelineApi implements PipelineApi {
  /** prunner's test pipeline {@code release_it}, its tasks in definition order. */
  static final Map<String, List<String>> RELEASE_IT = orderedTasks(
      "test", List.of(),
      "lint", List.of(),
      "generate", List.of(),
      "build", List.of("generate"),
      "deploy", List.of("build", "test", "lint"));

  private final Map<String, Map<String, List<String>>> pipelines = new LinkedHashMap<>();
  private final Set<String> fullQueues = ConcurrentHashMap.newKeySet();
  private final Map<UUID, JobView> jobs = new LinkedHashMap<>();
  private final Map<String, StringBuilder> output = new ConcurrentHashMap<>();
  private final List<Consumer<JobEvent>> subscribers = new CopyOnWriteArrayList<>();
  private final Map<String, List<Consumer<LogText>>> followers = new ConcurrentHashMap<>();
  private final Map<UUID, List<Runnable>> followEnds = new ConcurrentHashMap<>();
  private final Map<String, String> callbackTokens = new ConcurrentHashMap<>();
  private final Set<String> staleTokens = ConcurrentHashMap.newKeySet();
  private final Set<String> completedTasks = ConcurrentHashMap.newKeySet();
  private volatile boolean accepting = true;
  private volatile boolean holdTasks;
  private volatile RuntimeException jobsFailure;

  FakePipelineApi() {
    pipelines.put("release_it", RELEASE_IT);
  }

  // --- what tests set up ---

  /** Tasks of new jobs stay running until their job is canceled. */
  FakePipelineApi holdTasks() {
    holdTasks = true;
    return this;
  }

  /** Schedules of {@code pipeline} are refused as by a full wait list. */
  void queueFull(String pipeline) {
    fullQueues.add(pipeline);
  }

  /** Shutdown began: schedules are refused. */
  void stopAccepting() {
    accepting = false;
  }

  /** {@link #jobs()} throws {@code failure}, as a runner with a bug would. */
  void failJobsWith(RuntimeException failure) {
    jobsFailure = failure;
  }

  /** The task awaits a callback completed with {@code token}; {@code stale} is an older one. */
  void awaitCallback(UUID job, String task, String token, String stale) {
    callbackTokens.put(job + "/" + task, token);
    staleTokens.add(stale);
  }

  /** Appends a line to a task's output, as the task writing it. */
  synchronized void write(UUID job, String task, String stream, String line) {
    StringBuilder written = output.computeIfAbsent(key(job, task, stream),
        k -> new StringBuilder()).append(line).append('\n');
    for (Consumer<LogText> follower : followers.getOrDefault(job + "/" + task, List.of())) {
      follower.accept(new LogText(stream, line + "\n", written.length()));
    }
  }

  /** Clients following a task's output now. */
  int followersOf(UUID job, String task) {
    return followers.getOrDefault(job + "/" + task, List.of()).size();
  }

  /** Subscribers to state changes now. */
  int subscribers() {
    return subscribers.size();
  }

  /** A job as the runner holds it. */
  synchronized JobView jobNow(UUID id) {
    return jobs.get(id);
  }

  // --- the contract ---

  @Override
  public synchronized List<PipelineInfo> pipelines() {
    return pipelines.entrySet().stream()
        .map(p -> new PipelineInfo(p.getKey(), !fullQueues.contains(p.getKey()),
            jobs.values().stream().anyMatch(j -> j.pipeline().equals(p.getKey())
                && j.start() != null && !j.completed()),
            List.copyOf(p.getValue().keySet())))
        .toList();
  }

  @Override
  public synchronized List<JobView> jobs() {
    if (jobsFailure != null) {
      throw jobsFailure;
    }
    List<JobView> newestFirst = new ArrayList<>(jobs.values());
    Collections.reverse(newestFirst);
    return newestFirst;
  }

  @Override
  public synchronized CompletionStage<JobView> schedule(ScheduleRequest request) {
    if (!accepting) {
      return CompletableFuture.failedFuture(new ShuttingDown());
    }
    Map<String, List<String>> tasks = pipelines.get(request.pipeline());
    if (tasks == null) {
      return CompletableFuture.failedFuture(
          new ScheduleRejected("pipeline \"" + request.pipeline() + "\" is not defined"));
    }
    if (fullQueues.contains(request.pipeline())) {
      return CompletableFuture.failedFuture(new ScheduleRejected(
          "concurrency exceeded and queue limit reached for pipeline"));
    }
    // always with a fraction of a second, so that the seconds-only time format is really tested
    // and one nanosecond later per job, so that jobs of one second are still ordered
    Instant created = Instant.now().truncatedTo(ChronoUnit.SECONDS)
        .plusNanos(987_654_321 + jobs.size());
    List<TaskView> taskViews = tasks.entrySet().stream()
        .map(t -> new TaskView(t.getKey(), t.getValue(), "waiting", null, null, false, 0, false,
            null))
        .toList();
    JobView job = new JobView(UUID.randomUUID(), request.pipeline(), taskViews, false, false,
        false, created, null, null, null, request.variables(), request.user(),
        request.queuePartition());
    jobs.put(job.id(), job);
    publish(new JobEvent(job.id(), job.pipeline(), null, "waiting", Instant.now()));
    CompletableFuture.runAsync(() -> run(job.id()));
    return CompletableFuture.completedFuture(job);
  }

  @Override
  public synchronized Optional<JobView> job(UUID id) {
    return Optional.ofNullable(jobs.get(id));
  }

  @Override
  public synchronized TaskLogs logs(UUID job, String task) {
    checkTask(job, task);
    return new TaskLogs(text(job, task, "stdout"), text(job, task, "stderr"));
  }

  @Override
  public synchronized CompletionStage<Void> cancel(UUID id) {
    JobView job = jobs.get(id);
    if (job == null) {
      return CompletableFuture.failedFuture(new JobNotFound(id));
    }
    if (!job.completed()) {
      Instant now = Instant.now();
      List<TaskView> tasks = job.tasks().stream()
          .map(t -> t.status().equals("done") ? t : new TaskView(t.name(), t.dependsOn(),
              "canceled", t.start(), now, false, 0, false, null))
          .toList();
      jobs.put(id, new JobView(id, job.pipeline(), tasks, true, true, false, job.created(),
          job.start(), now, "job canceled", job.variables(), job.user(), job.queuePartition()));
      publish(new JobEvent(id, job.pipeline(), null, "canceled", now));
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletionStage<CompletionResult> completeTask(
      UUID job, String task, String token, boolean success, JsonNode output, String error) {
    synchronized (this) {
      if (!jobs.containsKey(job)) {
        return done(Outcome.UNKNOWN_EXECUTION, "no execution " + job);
      }
      if (!RELEASE_IT.containsKey(task)) {
        return done(Outcome.UNKNOWN_TASK, "execution " + job + " has no task '" + task + "'");
      }
    }
    String key = job + "/" + task;
    if (staleTokens.contains(token)) {
      return done(Outcome.STALE_ATTEMPT, "the token is of an earlier attempt of '" + task + "'");
    }
    if (!token.equals(callbackTokens.get(key))) {
      return done(Outcome.BAD_TOKEN, "the token is of no attempt of '" + task + "'");
    }
    if (!completedTasks.add(key)) {
      return done(Outcome.ALREADY_COMPLETED, "task '" + task + "' is already completed");
    }
    return done(Outcome.ACCEPTED, "task '" + task + "' " + (success ? "succeeded" : "failed"));
  }

  @Override
  public AutoCloseable subscribe(Consumer<JobEvent> listener) {
    subscribers.add(listener);
    return () -> subscribers.remove(listener);
  }

  @Override
  public synchronized AutoCloseable followLogs(UUID job, String task, Consumer<LogText> lines,
      Runnable ended) {
    checkTask(job, task);
    for (String stream : List.of("stdout", "stderr")) {
      String written = text(job, task, stream);
      int end = 0;
      for (String line : written.lines().toList()) {
        end += line.length() + 1;
        lines.accept(new LogText(stream, line + "\n", end));
      }
    }
    if (jobs.get(job).completed()) {
      ended.run();
      return () -> { };
    }
    List<Consumer<LogText>> list =
        followers.computeIfAbsent(job + "/" + task, k -> new CopyOnWriteArrayList<>());
    list.add(lines);
    List<Runnable> ends = followEnds.computeIfAbsent(job, k -> new CopyOnWriteArrayList<>());
    ends.add(ended);
    return () -> {
      list.remove(lines);
      ends.remove(ended);
    };
  }

  @Override
  public CompletionStage<PoolStatus> poolStatus(String kind) {
    if (!kind.equals("shell")) {
      return CompletableFuture.failedFuture(new NoSuchElementException("no pool " + kind));
    }
    Instant at = Instant.parse("2026-11-23T19:30:39.250Z");
    Transition<SupervisorState> ready = new Transition<>("supervisor/shell",
        SupervisorState.POOL_STARTING, SupervisorState.POOL_READY, "min workers ready", at);
    PoolStatus.WorkerStatus worker = new PoolStatus.WorkerStatus(1, 4242,
        PoolStatus.SlotState.IDLE, null, null, 0, null, Duration.ofMillis(12_500),
        List.of(new Transition<>("worker/1", WorkerState.STARTING, WorkerState.IDLE,
            "registered with slot 1", at)));
    return CompletableFuture.completedFuture(new PoolStatus("shell", SupervisorState.POOL_READY,
        true, null, 1, 1, 4, 1, 1, 0, 0, List.of(worker), List.of(ready), List.of(), 0));
  }

  @Override
  public boolean acceptingJobs() {
    return accepting;
  }

  // --- the mock runner ---

  private void run(UUID id) {
    Instant start = Instant.now();
    JobView job;
    synchronized (this) {
      job = jobs.get(id);
      if (job == null || job.completed()) {
        return;
      }
      List<TaskView> running = job.tasks().stream()
          .map(t -> new TaskView(t.name(), t.dependsOn(), "running", start, null, false, 0, false,
              null))
          .toList();
      job = new JobView(id, job.pipeline(), running, false, false, false, job.created(), start,
          null, null, job.variables(), job.user(), job.queuePartition());
      jobs.put(id, job);
    }
    publish(new JobEvent(id, job.pipeline(), null, "running", start));
    if (holdTasks) {
      return;
    }
    for (TaskView task : job.tasks()) {
      write(id, task.name(), "stdout", "out from " + task.name());
      write(id, task.name(), "stderr", "err from " + task.name());
      publish(new JobEvent(id, job.pipeline(), task.name(), "done", Instant.now()));
    }
    Instant end = Instant.now();
    synchronized (this) {
      JobView current = jobs.get(id);
      if (current.completed()) {
        return;
      }
      List<TaskView> done = current.tasks().stream()
          .map(t -> new TaskView(t.name(), t.dependsOn(), "done", start, end, false, 0, false,
              null))
          .toList();
      jobs.put(id, new JobView(id, current.pipeline(), done, true, false, false, current.created(),
          start, end, null, current.variables(), current.user(), current.queuePartition()));
    }
    publish(new JobEvent(id, job.pipeline(), null, "done", end));
  }

  private void publish(JobEvent event) {
    subscribers.forEach(s -> s.accept(event));
    if (event.task() == null && List.of("done", "error", "canceled").contains(event.status())) {
      followEnds.getOrDefault(event.jobId(), List.of()).forEach(Runnable::run);
    }
  }

  private void checkTask(UUID job, String task) {
    JobView view = jobs.get(job);
    if (view == null) {
      throw new JobNotFound(job);
    }
    if (view.tasks().stream().noneMatch(t -> t.name().equals(task))) {
      throw new TaskNotFound(task);
    }
  }

  private String text(UUID job, String task, String stream) {
    StringBuilder s = output.get(key(job, task, stream));
    return s == null ? "" : s.toString();
  }

  private static String key(UUID job, String task, String stream) {
    return job + "/" + task + "/" + stream;
  }

  private static CompletionStage<CompletionResult> done(Outcome outcome, String message) {
    return CompletableFuture.completedFuture(new CompletionResult(outcome, message));
  }

  private static Map<String, List<String>> orderedTasks(Object... nameAndDeps) {
    Map<String, List<String>> tasks = new LinkedHashMap<>();
    for (int i = 0; i < nameAndDeps.length; i += 2) {
      @SuppressWarnings("unchecked")
      List<String> deps = (List<String>) nameAndDeps[i + 1];
      tasks.put((String) nameAndDeps[i], deps);
    }
    return tasks;
  }
}
