package dev.drover.observe.tracing;

import com.typesafe.config.Config;
import dev.drover.observe.NodeAttemptEvents.LeaseGranted;
import dev.drover.observe.NodeAttemptEvents.WorkEnded;
import dev.drover.observe.RunEvents;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exports each job as an OpenTelemetry trace over OTLP/HTTP: a span per job, a child span per
 * task attempt, and under a node task's attempt a span for its wait for a worker ({@code lease})
 * and one for its run on that worker ({@code work}). Off unless {@code
 * drover.observe.tracing.enabled}.
 *
 * <p>Built from the events this node publishes on its event stream ({@link RunEvents}, {@link
 * LeaseGranted}, {@link WorkEnded}), with their own times: in a cluster each span is exported once,
 * by the node where its part happened (the job's by the node holding the queue when it ended, an
 * attempt's by the node that recorded its outcome, a lease's and its work's by the node that
 * waited). They still form one trace: its id is the job's id, and the ids of the job's and each
 * attempt's span are derived from the job, task and attempt, so a child names its parent without
 * asking the node that exports it.
 */
public final class JobTraces implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JobTraces.class);
  private static final AttributeKey<String> JOB_ID = AttributeKey.stringKey("drover.job.id");
  private static final AttributeKey<String> PIPELINE = AttributeKey.stringKey("drover.pipeline");
  private static final AttributeKey<String> TASK = AttributeKey.stringKey("drover.task");
  private static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("drover.attempt");
  private static final AttributeKey<String> POOL = AttributeKey.stringKey("drover.pool");

  private final ActorSystem<?> system;
  private final SdkTracerProvider provider;
  private final Tracer tracer;
  /** The ids the next span started on this thread takes: {trace id, span id}; else random. */
  private final ThreadLocal<String[]> nextIds = new ThreadLocal<>();
  /** Open spans of work on a worker, by "execution/task/attempt". */
  private final Map<String, Span> works = new ConcurrentHashMap<>();
  private final ActorRef<Object> listener;

  JobTraces(ActorSystem<?> system, SpanProcessor processor, String serviceName) {
    this.system = system;
    IdGenerator random = IdGenerator.random();
    this.provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(
            Attributes.of(AttributeKey.stringKey("service.name"), serviceName))))
        .setIdGenerator(new IdGenerator() {
          @Override
          public String generateSpanId() {
            String[] ids = nextIds.get();
            return ids != null ? ids[1] : random.generateSpanId();
          }

          @Override
          public String generateTraceId() {
            String[] ids = nextIds.get();
            return ids != null ? ids[0] : random.generateTraceId();
          }
        })
        .addSpanProcessor(processor)
        .build();
    this.tracer = provider.get("dev.drover");
    this.listener = system.systemActorOf(Behaviors.receiveMessage(m -> {
      if (m instanceof RunEvents.JobEnded j) {
        onJobEnded(j);
      } else if (m instanceof RunEvents.AttemptEnded a) {
        onAttemptEnded(a);
      } else if (m instanceof LeaseGranted l) {
        onLease(l);
      } else if (m instanceof WorkEnded w) {
        onWorkEnded(w);
      }
      return Behaviors.same();
    }), "drover-job-traces", Props.empty());
    for (Class<?> type : new Class<?>[] {RunEvents.JobEnded.class, RunEvents.AttemptEnded.class,
        LeaseGranted.class, WorkEnded.class}) {
      subscribe(system, type, listener);
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> void subscribe(ActorSystem<?> system, Class<T> type, ActorRef<Object> to) {
    system.eventStream().tell(new EventStream.Subscribe<>(type, (ActorRef<T>) (ActorRef<?>) to));
  }

  /**
   * Starts exporting the jobs that run on this node when {@code drover.observe.tracing.enabled};
   * returns null when it is off.
   */
  public static JobTraces startIfEnabled(ActorSystem<?> system) {
    Config c = system.settings().config().getConfig("drover.observe.tracing");
    if (!c.getBoolean("enabled")) {
      return null;
    }
    String endpoint = c.getString("endpoint");
    JobTraces traces = new JobTraces(system, BatchSpanProcessor.builder(
        OtlpHttpSpanExporter.builder().setEndpoint(endpoint).build()).build(),
        c.getString("service-name"));
    log.info("Exporting job traces to {}", endpoint);
    return traces;
  }

  private void onJobEnded(RunEvents.JobEnded e) {
    Span span = withIds(traceId(e.jobId()), jobSpanId(e.jobId()), () ->
        tracer.spanBuilder("job " + e.pipeline())
            .setNoParent()
            .setStartTimestamp(e.started())
            .setAttribute(JOB_ID, e.jobId())
            .setAttribute(PIPELINE, e.pipeline())
            .startSpan());
    if (!"done".equals(e.outcome())) {
      span.setStatus(StatusCode.ERROR, e.outcome());
    }
    span.end(e.ended());
  }

  private void onAttemptEnded(RunEvents.AttemptEnded e) {
    Span span = withIds(null, attemptSpanId(e.executionId(), e.task(), e.attempt()), () ->
        tracer.spanBuilder("task " + e.task())
            .setParent(parent(e.executionId(), jobSpanId(e.executionId())))
            .setStartTimestamp(e.started())
            .setAttribute(JOB_ID, e.executionId())
            .setAttribute(PIPELINE, e.flow())
            .setAttribute(TASK, e.task())
            .setAttribute(ATTEMPT, (long) e.attempt())
            .startSpan());
    if (!"done".equals(e.outcome())) {
      span.setStatus(StatusCode.ERROR, e.outcome());
    }
    span.end(e.ended());
  }

  private void onLease(LeaseGranted l) {
    Context parent = parent(l.executionId(), attemptSpanId(l.executionId(), l.task(), l.attempt()));
    Span lease = tracer.spanBuilder("lease " + l.pool()).setParent(parent)
        .setStartTimestamp(l.requested())
        .setAttribute(POOL, l.pool())
        .startSpan();
    if (!l.leased()) {
      lease.setStatus(StatusCode.ERROR, "no worker");
    }
    lease.end(l.granted());
    if (l.leased()) {
      works.put(key(l.executionId(), l.task(), l.attempt()),
          tracer.spanBuilder("work " + l.pool()).setParent(parent)
              .setStartTimestamp(l.granted())
              .setAttribute(POOL, l.pool())
              .startSpan());
    }
  }

  private void onWorkEnded(WorkEnded w) {
    Span span = works.remove(key(w.executionId(), w.task(), w.attempt()));
    if (span != null) {
      span.end(w.ended());
    }
  }

  /** Starts a span with these ids (a null trace id: its parent's). */
  private Span withIds(String traceId, String spanId, java.util.function.Supplier<Span> start) {
    nextIds.set(new String[] {traceId, spanId});
    try {
      return start.get();
    } finally {
      nextIds.remove();
    }
  }

  /** The context of a span of the job's trace that another node may export. */
  private static Context parent(String executionId, String spanId) {
    return Context.root().with(Span.wrap(SpanContext.createFromRemoteParent(traceId(executionId),
        spanId, TraceFlags.getSampled(), TraceState.getDefault())));
  }

  /** The trace of a job: its id's 128 bits (a hash of any other execution id). */
  static String traceId(String executionId) {
    try {
      return UUID.fromString(executionId).toString().replace("-", "");
    } catch (IllegalArgumentException notAJob) {
      return hash("trace/" + executionId).substring(0, 32);
    }
  }

  /** The id of the job's span. */
  static String jobSpanId(String executionId) {
    return hash("job/" + executionId).substring(0, 16);
  }

  /** The id of an attempt's span. */
  static String attemptSpanId(String executionId, String task, int attempt) {
    return hash("attempt/" + key(executionId, task, attempt)).substring(0, 16);
  }

  private static String hash(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8));
      // an id of zeros is invalid; a hash that starts with eight zero bytes is as good as none
      digest[0] |= 1;
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static String key(String execution, String task, int attempt) {
    return execution + "/" + task + "/" + attempt;
  }

  /** Exports what is still buffered and stops. */
  @Override
  public void close() {
    system.eventStream().tell(new EventStream.Unsubscribe<>(listener));
    provider.forceFlush().join(5, TimeUnit.SECONDS);
    provider.shutdown().join(5, TimeUnit.SECONDS);
  }
}
