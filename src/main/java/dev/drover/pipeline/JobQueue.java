package dev.drover.pipeline;

import dev.drover.pipeline.JobRecord.Phase;
import dev.drover.pipeline.PipelineApi.ScheduleRequest;
import dev.drover.pipeline.definition.PipelineDefinition;
import dev.drover.pipeline.definition.QueueStrategy;
import dev.drover.serialization.CborSerializable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * The jobs of every pipeline and their waiting lists: a journaled, single-writer actor. A
 * schedule is acknowledged only once its job is in the journal, so an accepted job is never
 * lost; after a restart waiting jobs are still waiting, in order, and running jobs are handed
 * to their flow executions again (which resume by themselves).
 *
 * <p>Queue rules (prunner's, without its defects): a job starts when a slot is free
 * ({@code concurrency}) and no {@code start_delay} holds it; otherwise it waits.
 * {@code queue_limit: 0} refuses a job only when no slot is free; {@code replace} replaces the
 * last waiting job, {@code partitioned_replace} the last waiting job of the same partition once
 * the partition holds {@code queue_partition_limit}; a replaced or cancelled waiting job ends
 * {@code canceled} and leaves the list at once.
 */
public final class JobQueue
    extends EventSourcedBehavior<JobQueue.Command, JobQueue.Event, JobQueue.State> {

  /** What the queue needs from the rest of the runner. */
  public interface Runtime {
    /** The pipeline's current definition, or null when it is no longer defined. */
    PipelineDefinition definition(String pipeline);

    /**
     * Whether any pipeline is defined. A queue that knows none (a server started on the wrong
     * directory) neither cancels nor removes the jobs of pipelines it does not know.
     */
    default boolean anyDefined() {
      return true;
    }

    /** Starts (idempotently) the flow execution of a started job. */
    void start(JobRecord job);

    /** Cancels the flow execution of a running job. */
    void cancelRunning(JobRecord job, String reason);

    /** Deletes what a removed job left: its logs. */
    void removed(JobRecord job);

    /** Tells subscribers that a job changed. */
    void changed(JobRecord job);
  }

  /** The messages the queue accepts. */
  public sealed interface Command extends CborSerializable
      permits Schedule, Cancel, ExecutionEnded, Tick, GetJobs, GetJob, Recovered, Flush,
      ImportJobs {}

  /** Schedules a job of {@code definition}; the reply carries the job or why it was refused. */
  public record Schedule(ScheduleRequest request, PipelineDefinition definition,
      ActorRef<ScheduleReply> replyTo) implements Command {}

  /** The answer to {@link Schedule}: the job, or the rejection (prunner's message). */
  public record ScheduleReply(JobRecord job, String rejection) implements CborSerializable {}

  /** Cancels a job. */
  public record Cancel(UUID id, ActorRef<CancelReply> replyTo) implements Command {}

  /** The answer to {@link Cancel}. */
  public record CancelReply(boolean found, String message) implements CborSerializable {}

  /**
   * From the flow engine: the job's execution ended with {@code status}; {@code tasks} are its
   * tasks' last views (null when it has none) and {@code errored} whether one failed that may not.
   */
  public record ExecutionEnded(UUID id, String status, String error, Instant at,
      List<PipelineApi.TaskView> tasks, boolean errored) implements Command {}

  /** Starts due jobs and applies retention. */
  public record Tick() implements Command {}

  /**
   * Asks for the jobs after job {@code after} (null: from the oldest), oldest first. An asker in
   * this JVM gets them all at once; a remote one (an engine node that does not hold the queue)
   * gets as many as fit in one cluster message, about {@link #REMOTE_PAGE_BYTES}, and asks
   * again after the last of them until {@link Jobs#more()} is false: thousands of jobs do not fit
   * in one Artery frame (256 KiB), and an oversized reply is dropped, not delivered.
   */
  public record GetJobs(UUID after, ActorRef<Jobs> replyTo) implements Command {
    /** Asks for every job from the oldest. */
    public GetJobs(ActorRef<Jobs> replyTo) {
      this(null, replyTo);
    }
  }

  /**
   * The answer to {@link GetJobs}: jobs in order, and whether more follow the last one. When
   * job {@code after} is gone (removed by retention meanwhile), the answer starts again from the
   * oldest, so an asker that keeps the jobs by id misses none.
   */
  public record Jobs(List<JobRecord> jobs, boolean more) implements CborSerializable {
    public Jobs(List<JobRecord> jobs) {
      this(jobs, false);
    }
  }

  /**
   * What a page of jobs for a remote asker holds at most, by estimate (variables' text plus a
   * fixed cost per job): well under Artery's 256 KiB frame, which CBOR's overhead must fit too.
   */
  static final int REMOTE_PAGE_BYTES = 128 * 1024;

  /** Asks for one job. */
  public record GetJob(UUID id, ActorRef<Job> replyTo) implements Command {}

  /** The answer to {@link GetJob}: the job, or null when there is none of that id. */
  public record Job(JobRecord job) implements CborSerializable {}

  record Recovered() implements Command {}

  /**
   * Adds ended jobs kept elsewhere (prunner's {@code data.json}); a job whose id is already
   * known is skipped. The reply says how many were added.
   */
  public record ImportJobs(List<JobRecord> jobs, ActorRef<Imported> replyTo) implements Command {}

  /** The answer to {@link ImportJobs}: how many jobs were added, and how many were known. */
  public record Imported(int added, int known) implements CborSerializable {}

  record Flush() implements Command {}

  /** A schedule accepted but not yet journaled: whom to tell once it is. */
  private record Accepted(ActorRef<ScheduleReply> replyTo, UUID job) {}

  /** What the queue journals. */
  public sealed interface Event extends CborSerializable
      permits JobQueued, JobStarted, JobEnded, JobsRemoved, JobImported {}

  public record JobQueued(JobRecord job) implements Event {}

  public record JobStarted(UUID id, Instant at) implements Event {}

  /**
   * The job ended: its execution ended (with its tasks' last views), or it was cancelled or
   * replaced while waiting ({@code tasks} null).
   */
  public record JobEnded(UUID id, String status, String error, Instant at,
      List<PipelineApi.TaskView> tasks, boolean errored) implements Event {
    JobEnded(UUID id, String status, String error, Instant at) {
      this(id, status, error, at, null, false);
    }
  }

  /** Retention removed these jobs. */
  public record JobsRemoved(List<UUID> ids, Instant at) implements Event {}

  /** An ended job kept elsewhere was added, as it ended there. */
  public record JobImported(JobRecord job) implements Event {}

  /**
   * The queue's state as a snapshot: its jobs, oldest first, and per pipeline the ids of its
   * waiting, running and ended jobs, in their orders. An immutable copy, taken on the actor's
   * thread, so the snapshot store serializes it while the state goes on changing.
   */
  public record Snapshot(List<JobRecord> jobs, List<PipelineLanes> pipelines)
      implements CborSerializable {}

  /** One pipeline's job ids by phase, in a {@link Snapshot}. */
  public record PipelineLanes(String pipeline, List<UUID> waiting, List<UUID> running,
      List<UUID> ended) implements CborSerializable {}

  /**
   * The jobs, oldest first, and per pipeline the ids of its waiting jobs (in order), its running
   * jobs and its ended jobs (in the order they ended), so that a schedule, a start or retention
   * costs the same with ten jobs or ten thousand. Mutated in place by the event handler on the
   * actor's thread: copying every job per event would cost more than the journal writes.
   */
  public static final class State {
    final Map<UUID, JobRecord> jobs = new LinkedHashMap<>();
    final Map<String, Lanes> pipelines = new HashMap<>();

    /**
     * The state before any event, never mutated: the persistence keeps the one {@link
     * #emptyState()} object across its restarts after a journal failure, so a restart recovers
     * from a clean state, not from one holding the events of the failed write.
     */
    static final State EMPTY = new State();

    State apply(Event e) {
      if (this == EMPTY) {
        return new State().apply(e);
      }
      if (e instanceof JobQueued q) {
        jobs.put(q.job().id(), q.job());
        lanes(q.job().pipeline()).waiting.add(q.job().id());
      } else if (e instanceof JobStarted st) {
        JobRecord j = jobs.get(st.id());
        if (j != null) {
          lanes(j.pipeline()).move(j.id(), lanes(j.pipeline()).running);
          jobs.put(j.id(), j.startedAt(st.at()));
        }
      } else if (e instanceof JobEnded end) {
        JobRecord j = jobs.get(end.id());
        if (j != null) {
          lanes(j.pipeline()).move(j.id(), lanes(j.pipeline()).ended);
          jobs.put(j.id(),
              j.endedAt(end.at(), end.status(), end.error(), end.tasks(), end.errored()));
        }
      } else if (e instanceof JobImported i && !jobs.containsKey(i.job().id())) {
        jobs.put(i.job().id(), i.job());
        lanes(i.job().pipeline()).ended.add(i.job().id());
      } else if (e instanceof JobsRemoved r) {
        for (UUID id : r.ids()) {
          JobRecord j = jobs.remove(id);
          if (j != null) {
            lanes(j.pipeline()).remove(id);
          }
        }
      }
      return this;
    }

    Lanes lanes(String pipeline) {
      return pipelines.computeIfAbsent(pipeline, k -> new Lanes());
    }

    Snapshot snapshot() {
      return new Snapshot(List.copyOf(jobs.values()), pipelines.entrySet().stream()
          .map(e -> new PipelineLanes(e.getKey(), List.copyOf(e.getValue().waiting),
              List.copyOf(e.getValue().running), List.copyOf(e.getValue().ended)))
          .toList());
    }

    static State of(Snapshot snapshot) {
      State s = new State();
      snapshot.jobs().forEach(j -> s.jobs.put(j.id(), j));
      for (PipelineLanes p : snapshot.pipelines()) {
        Lanes lanes = s.lanes(p.pipeline());
        lanes.waiting.addAll(p.waiting());
        lanes.running.addAll(p.running());
        lanes.ended.addAll(p.ended());
      }
      return s;
    }

    int running(String pipeline) {
      Lanes l = pipelines.get(pipeline);
      return l == null ? 0 : l.running.size();
    }

    List<JobRecord> waiting(String pipeline) {
      Lanes l = pipelines.get(pipeline);
      return l == null ? List.of() : l.waiting.stream().map(jobs::get).toList();
    }
  }

  /** One pipeline's job ids by phase; a job is in exactly one of them. */
  static final class Lanes {
    final Set<UUID> waiting = new LinkedHashSet<>();
    final Set<UUID> running = new LinkedHashSet<>();
    final Set<UUID> ended = new LinkedHashSet<>();

    void move(UUID id, Set<UUID> to) {
      remove(id);
      to.add(id);
    }

    void remove(UUID id) {
      if (!waiting.remove(id) && !running.remove(id)) {
        ended.remove(id);
      }
    }
  }

  private static final Duration TICK = Duration.ofSeconds(1);
  /** The key of the timer that starts the next delayed job at its start time. */
  private static final String START_DUE = "start-due";

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final Runtime runtime;
  private final int snapshotEvery;
  private final Clock clock;
  /**
   * Schedules decided but not yet journaled, and their events: written together by the next
   * {@link Flush}, so a burst of schedules costs one journal write, not one each.
   */
  private final List<Event> pendingEvents = new ArrayList<>();
  private final List<Accepted> pendingReplies = new ArrayList<>();
  /** Per pipeline, how many waiting jobs {@link #pendingEvents} add (replacements subtract). */
  private final Map<String, Integer> pendingWaiting = new HashMap<>();

  public static Behavior<Command> create(Runtime runtime, Clock clock) {
    return Behaviors.supervise(Behaviors.<Command>setup(ctx -> Behaviors.withTimers(timers ->
            new JobQueue(ctx, timers, runtime, clock))))
        .onFailure(SupervisorStrategy.restartWithBackoff(
            Duration.ofMillis(200), Duration.ofSeconds(10), 0.2));
  }

  private JobQueue(ActorContext<Command> context, TimerScheduler<Command> timers, Runtime runtime,
      Clock clock) {
    // a journal failure (a write refused, a recovery that fails) restarts the queue after a
    // backoff: it recovers, resumes its timers and serves again; the schedules of the failed
    // write were never acknowledged
    super(PersistenceId.ofUniqueId("drover-pipeline-jobs"),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2));
    this.snapshotEvery = context.getSystem().settings().config()
        .getInt("drover.pipeline.snapshot-every");
    this.context = context;
    this.timers = timers;
    this.runtime = runtime;
    this.clock = clock;
  }

  private Jobs jobsPage(State s, GetJobs g) {
    boolean local = g.replyTo().path().address().hasLocalScope();
    if (local && g.after() == null) {
      return new Jobs(List.copyOf(s.jobs.values()), false);
    }
    List<JobRecord> page = new ArrayList<>();
    boolean started = g.after() == null || !s.jobs.containsKey(g.after());
    long bytes = 0;
    for (JobRecord job : s.jobs.values()) {
      if (!started) {
        started = job.id().equals(g.after());
        continue;
      }
      long size = estimatedSize(job);
      if (!local && !page.isEmpty() && bytes + size > REMOTE_PAGE_BYTES) {
        return new Jobs(page, true);
      }
      page.add(job);
      bytes += size;
    }
    return new Jobs(page, false);
  }

  /** A job's size in a message, roughly: its variables' text, its tasks' errors, and the rest. */
  private static long estimatedSize(JobRecord job) {
    long size = 512;
    for (Map.Entry<String, Object> v : job.variables().entrySet()) {
      size += v.getKey().length() + 16 + String.valueOf(v.getValue()).length();
    }
    if (job.lastError() != null) {
      size += job.lastError().length();
    }
    if (job.finalTasks() != null) {
      for (PipelineApi.TaskView t : job.finalTasks()) {
        size += 256 + (t.error() == null ? 0 : t.error().length());
      }
    }
    return size;
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  /**
   * A snapshot every {@code drover.pipeline.snapshot-every} events, the events before it
   * deleted: the queue recovers from its last snapshot and the few events after it, and its
   * journal holds its live jobs rather than their whole history.
   */
  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(snapshotEvery, 2).withDeleteEventsOnSnapshot();
  }

  @Override
  public SnapshotAdapter<State> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(State state) {
        return state.snapshot();
      }

      @Override
      public State fromJournal(Object from) {
        return State.of((Snapshot) from);
      }
    };
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), s -> {
          context.getSelf().tell(new Recovered());
          timers.startTimerWithFixedDelay(new Tick(), TICK);
        })
        .build();
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder().forAnyState()
        .onCommand(Schedule.class, this::onSchedule)
        .onCommand(Cancel.class, this::onCancel)
        .onCommand(ExecutionEnded.class, this::onExecutionEnded)
        .onCommand(Tick.class, (s, t) -> {
          armStartTimer(s);
          return persist(s, dueStarts(s, List.of()), List.of());
        })
        .onCommand(GetJobs.class, (s, g) -> {
          g.replyTo().tell(jobsPage(s, g));
          return Effect().none();
        })
        .onCommand(GetJob.class, (s, g) -> {
          g.replyTo().tell(new Job(s.jobs.get(g.id())));
          return Effect().none();
        })
        .onCommand(Recovered.class, this::onRecovered)
        .onCommand(Flush.class, this::onFlush)
        .onCommand(ImportJobs.class, this::onImport)
        .build();
  }

  // ---- scheduling ----

  private Effect<Event, State> onSchedule(State s, Schedule cmd) {
    PipelineDefinition def = cmd.definition();
    ScheduleRequest req = cmd.request();
    Instant now = clock.instant();
    boolean full = s.running(def.name()) >= def.concurrency();
    boolean delayed = def.startDelay() != null && !def.startDelay().isZero();
    JobRecord job = new JobRecord(UUID.randomUUID(), def.name(), req.variables(), req.user(),
        req.queuePartition(), now, Phase.WAITING,
        delayed ? now.plus(def.startDelay()) : now, null, null, null, null, null, false);
    List<Event> events = new ArrayList<>();

    int waiting = waitingCount(s, def.name());
    if (full || delayed || waiting > 0) {
      Integer limit = def.queueLimit();
      // prunner refuses every job with queue_limit 0, even with a slot free; only a full
      // pipeline refuses here
      if (limit != null && limit == 0 && full) {
        return reject(cmd, "concurrency exceeded and queueing disabled for pipeline");
      }
      // only the replacing strategies look at the waiting jobs themselves, and their waiting
      // lists are bounded by their limits
      JobRecord replaced = def.queueStrategy() == QueueStrategy.APPEND ? null
          : replaced(def, waitingWithPending(s, def.name()), req.queuePartition());
      if (replaced != null) {
        events.add(new JobEnded(replaced.id(), "canceled",
            "replaced by job " + job.id() + " (queue_strategy " + strategyName(def) + ")", now));
      } else if (limit != null && limit > 0 && waiting >= limit) {
        return reject(cmd, "concurrency exceeded and queue limit reached for pipeline");
      }
    }
    events.add(new JobQueued(job));
    pendingEvents.addAll(events);
    for (Event e : events) {
      if (e instanceof JobQueued q) {
        pendingWaiting.merge(q.job().pipeline(), 1, Integer::sum);
      } else if (e instanceof JobEnded end) {
        pendingWaiting.merge(def.name(), -1, Integer::sum);
      }
    }
    pendingReplies.add(new Accepted(cmd.replyTo(), job.id()));
    if (pendingReplies.size() == 1) {
      context.getSelf().tell(new Flush());
    }
    return Effect().none();
  }

  /** How many jobs of the pipeline wait, counting the schedules not yet journaled. */
  private int waitingCount(State s, String pipeline) {
    Lanes l = s.pipelines.get(pipeline);
    return (l == null ? 0 : l.waiting.size()) + pendingWaiting.getOrDefault(pipeline, 0);
  }

  /** The pipeline's waiting jobs, with the schedules not yet journaled applied. */
  private List<JobRecord> waitingWithPending(State s, String pipeline) {
    List<JobRecord> waiting = new ArrayList<>(s.waiting(pipeline));
    for (Event e : pendingEvents) {
      if (e instanceof JobQueued q && q.job().pipeline().equals(pipeline)) {
        waiting.add(q.job());
      } else if (e instanceof JobEnded end) {
        waiting.removeIf(j -> j.id().equals(end.id()));
      }
    }
    return waiting;
  }

  /** Journals every pending schedule, and the starts they allow, in one write. */
  private Effect<Event, State> onFlush(State s, Flush f) {
    if (pendingEvents.isEmpty()) {
      return Effect().none();
    }
    List<Event> events = dueStarts(s, List.copyOf(pendingEvents));
    List<Accepted> replies = List.copyOf(pendingReplies);
    pendingEvents.clear();
    pendingReplies.clear();
    pendingWaiting.clear();
    return persist(s, events, replies, () -> { });
  }

  /** The waiting job a new one replaces under the pipeline's strategy, or null. */
  private static JobRecord replaced(
      PipelineDefinition def, List<JobRecord> waiting, String partition) {
    return switch (def.queueStrategy()) {
      case REPLACE -> waiting.isEmpty() || def.queueLimit() == null
          || waiting.size() < def.queueLimit() ? null : waiting.get(waiting.size() - 1);
      case PARTITIONED_REPLACE -> {
        List<JobRecord> same = waiting.stream()
            .filter(j -> Objects.equals(j.queuePartition(), partition)).toList();
        Integer limit = def.queuePartitionLimit();
        yield limit == null || same.size() < limit ? null : same.get(same.size() - 1);
      }
      default -> null;
    };
  }

  private static String strategyName(PipelineDefinition def) {
    return def.queueStrategy().name().toLowerCase();
  }

  private Effect<Event, State> reject(Schedule cmd, String message) {
    cmd.replyTo().tell(new ScheduleReply(null, message));
    return Effect().none();
  }

  // ---- cancel and ends ----

  private Effect<Event, State> onCancel(State s, Cancel c) {
    JobRecord job = s.jobs.get(c.id());
    if (job == null) {
      c.replyTo().tell(new CancelReply(false, "Job not found"));
      return Effect().none();
    }
    switch (job.phase()) {
      case WAITING -> {
        // it leaves the waiting list at once, so it no longer counts against queue_limit
        List<Event> events = new ArrayList<>();
        events.add(new JobEnded(job.id(), "canceled", "canceled while waiting", clock.instant()));
        return persist(s, dueStarts(s, events), List.of(),
            () -> c.replyTo().tell(new CancelReply(true, "canceled")));
      }
      case RUNNING -> {
        runtime.cancelRunning(job, "canceled by user");
        c.replyTo().tell(new CancelReply(true, "canceling"));
        return Effect().none();
      }
      default -> {
        c.replyTo().tell(new CancelReply(true, "job is already completed"));
        return Effect().none();
      }
    }
  }

  private Effect<Event, State> onExecutionEnded(State s, ExecutionEnded e) {
    JobRecord job = s.jobs.get(e.id());
    if (job == null || job.phase() != Phase.RUNNING) {
      return Effect().none();
    }
    List<Event> events = new ArrayList<>();
    events.add(new JobEnded(e.id(), e.status(), e.error(), e.at(), e.tasks(), e.errored()));
    return persist(s, dueStarts(s, events), List.of());
  }

  private Effect<Event, State> onRecovered(State s, Recovered r) {
    for (JobRecord job : s.jobs.values()) {
      if (job.phase() == Phase.RUNNING) {
        runtime.start(job);
      }
    }
    return persist(s, dueStarts(s, List.of()), List.of());
  }

  /**
   * {@code first}, then a start for every waiting job that may start once {@code first} is
   * journaled (in order, per pipeline, while slots are free), then retention. {@code first}
   * holds only queued jobs and ended ones; their effect is worked out here without copying the
   * state.
   */
  private List<Event> dueStarts(State s, List<Event> first) {
    List<Event> events = new ArrayList<>(first);
    Map<String, List<JobRecord>> queued = new LinkedHashMap<>();
    Map<String, Integer> runningDelta = new HashMap<>();
    Set<UUID> leftWaiting = new HashSet<>();
    for (Event e : first) {
      if (e instanceof JobQueued q) {
        queued.computeIfAbsent(q.job().pipeline(), k -> new ArrayList<>()).add(q.job());
      } else if (e instanceof JobEnded end) {
        JobRecord j = s.jobs.get(end.id());
        if (j != null && j.phase() == Phase.RUNNING) {
          runningDelta.merge(j.pipeline(), -1, Integer::sum);
        } else {
          leftWaiting.add(end.id());
        }
      }
    }
    Set<String> candidates = new LinkedHashSet<>();
    s.pipelines.forEach((name, lanes) -> {
      if (!lanes.waiting.isEmpty()) {
        candidates.add(name);
      }
    });
    candidates.addAll(queued.keySet());
    Instant now = clock.instant();
    for (String pipeline : candidates) {
      PipelineDefinition def = runtime.definition(pipeline);
      if (def == null) {
        events.addAll(canceledWithTheirPipeline(s, pipeline, queued, leftWaiting));
        continue;
      }
      int running = s.running(pipeline) + runningDelta.getOrDefault(pipeline, 0);
      if (running >= def.concurrency()) {
        continue;
      }
      Lanes lanes = s.pipelines.get(pipeline);
      Iterator<JobRecord> waiting = Stream.concat(
              lanes == null ? Stream.<JobRecord>empty() : lanes.waiting.stream().map(s.jobs::get),
              queued.getOrDefault(pipeline, List.of()).stream())
          .filter(j -> !leftWaiting.contains(j.id()))
          .iterator();
      while (running < def.concurrency() && waiting.hasNext()) {
        JobRecord job = waiting.next();
        if (job.startAt().isAfter(now)) {
          break;
        }
        events.add(new JobStarted(job.id(), now));
        running++;
      }
    }
    List<UUID> expired = Retention.expired(s.pipelines.keySet(), p -> jobsOf(s, p),
        runtime::definition, runtime.anyDefined(), now);
    if (!expired.isEmpty()) {
      events.add(new JobsRemoved(expired, now));
    }
    return events;
  }

  /**
   * The waiting jobs of a pipeline no longer defined, ended canceled: nothing could start them.
   * Retention removes them afterwards, like the pipeline's ended jobs.
   */
  private List<Event> canceledWithTheirPipeline(State s, String pipeline,
      Map<String, List<JobRecord>> queued, Set<UUID> leftWaiting) {
    if (!runtime.anyDefined()) {
      return List.of();
    }
    Lanes lanes = s.pipelines.get(pipeline);
    Instant now = clock.instant();
    return Stream.concat(lanes == null ? Stream.<UUID>empty() : lanes.waiting.stream(),
            queued.getOrDefault(pipeline, List.of()).stream().map(JobRecord::id))
        .filter(id -> !leftWaiting.contains(id))
        .<Event>map(id -> new JobEnded(id, "canceled",
            "pipeline \"" + pipeline + "\" is no longer defined", now))
        .toList();
  }

  private static List<JobRecord> jobsOf(State s, String pipeline) {
    Lanes l = s.pipelines.get(pipeline);
    return l == null ? List.of() : Stream.of(l.waiting, l.running, l.ended)
        .flatMap(Set::stream).map(s.jobs::get).filter(Objects::nonNull).toList();
  }

  /**
   * Arms the timer that starts the first delayed job of a waiting list when its start_delay has
   * passed, to the millisecond rather than at the next second's tick.
   */
  private void armStartTimer(State s) {
    Instant now = clock.instant();
    Instant next = null;
    for (Lanes lanes : s.pipelines.values()) {
      Iterator<UUID> first = lanes.waiting.iterator();
      if (first.hasNext()) {
        Instant at = s.jobs.get(first.next()).startAt();
        if (at.isAfter(now) && (next == null || at.isBefore(next))) {
          next = at;
        }
      }
    }
    if (next == null) {
      timers.cancel(START_DUE);
    } else {
      timers.startSingleTimer(START_DUE, new Tick(), Duration.between(now, next));
    }
  }

  // ---- import ----

  private Effect<Event, State> onImport(State s, ImportJobs i) {
    List<Event> events = new ArrayList<>();
    int known = 0;
    for (JobRecord job : i.jobs()) {
      if (s.jobs.containsKey(job.id()) || job.phase() != Phase.ENDED) {
        known++;
      } else {
        events.add(new JobImported(job));
      }
    }
    int added = events.size();
    int skipped = known;
    if (events.isEmpty()) {
      i.replyTo().tell(new Imported(0, skipped));
      return Effect().none();
    }
    return Effect().persist(events).thenRun(after -> i.replyTo().tell(new Imported(added, skipped)));
  }

  // ---- persisting and its side effects ----

  private Effect<Event, State> persist(State s, List<Event> events, List<Accepted> replies) {
    return persist(s, events, replies, () -> { });
  }

  private Effect<Event, State> persist(State before, List<Event> events,
      List<Accepted> replies, Runnable then) {
    if (events.isEmpty()) {
      then.run();
      return Effect().none();
    }
    Map<UUID, JobRecord> removed = new LinkedHashMap<>();
    for (Event e : events) {
      if (e instanceof JobsRemoved r) {
        r.ids().forEach(id -> removed.put(id, before.jobs.get(id)));
      }
    }
    return Effect().persist(events).thenRun(after -> {
      for (Event e : events) {
        if (e instanceof JobStarted st) {
          runtime.start(after.jobs.get(st.id()));
        }
        // each event is one change: a job queued and started in one write was waiting, then
        // running; subscribers see both, once each
        JobRecord changed = e instanceof JobQueued q ? q.job()
            : e instanceof JobStarted st ? after.jobs.get(st.id())
            : e instanceof JobEnded end ? after.jobs.get(end.id()) : null;
        boolean current = changed != null && after.jobs.containsKey(changed.id())
            && !(e instanceof JobStarted && changed.phase() == Phase.ENDED);
        if (current) {
          runtime.changed(changed);
        }
      }
      removed.values().stream().filter(Objects::nonNull).forEach(runtime::removed);
      replies.forEach(r -> r.replyTo().tell(new ScheduleReply(after.jobs.get(r.job()), null)));
      armStartTimer(after);
      then.run();
    });
  }
}
