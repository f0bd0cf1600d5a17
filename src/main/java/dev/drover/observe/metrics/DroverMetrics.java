package dev.drover.observe.metrics;

import dev.drover.node.NodePool;
import dev.drover.node.PoolStatus;
import dev.drover.pipeline.PipelineApi.PipelineOverview;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntSupplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * Drover's Prometheus metrics, one registry per actor system ({@code DroverMetrics.get(system)}):
 * every series the README documents, and the JVM's. The HTTP layer writes them at
 * {@code /metrics}; the numbers come from what Drover already observes (the run events of this
 * node, pool status answers, the journal's writes), so no actor counts anything itself. Each
 * node counts only what happened on it, so that a cluster's series add up.
 */
public final class DroverMetrics implements Extension {
  /** Durations of tasks and jobs: a second to a few hours. */
  private static final double[] RUN_BUCKETS =
      {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200};
  /** Waits and writes: a millisecond to a minute. */
  private static final double[] WAIT_BUCKETS =
      {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  private final Gauge poolWorkers = Gauge.builder()
      .name("drover_pool_workers")
      .help("Workers of a pool by state (Launching, Idle, Reserving, Reserved, Busy, Stopping, "
          + "Failed), per supervisor, from the supervisor's node")
      .labelNames("kind", "node", "state")
      .register(registry);
  private final Gauge poolWaitingRequests = Gauge.builder()
      .name("drover_pool_waiting_requests")
      .help("Worker requests waiting for an idle worker, per supervisor")
      .labelNames("kind", "node")
      .register(registry);
  private final Histogram leaseWait = Histogram.builder()
      .name("drover_lease_wait_seconds")
      .help("How long a node task's attempt waited for a worker of its pool")
      .labelNames("pool", "result")
      .classicOnly().classicUpperBounds(WAIT_BUCKETS)
      .register(registry);
  private final Counter workerRestarts = Counter.builder()
      .name("drover_worker_restarts_total")
      .help("Workers replaced after a failure, by pool and cause, counted by the supervisor's "
          + "node")
      .labelNames("kind", "cause")
      .register(registry);
  private final Histogram taskDuration = Histogram.builder()
      .name("drover_task_duration_seconds")
      .help("Duration of task attempts, from start to outcome (callback waits included)")
      .labelNames("pipeline", "task", "outcome")
      .classicOnly().classicUpperBounds(RUN_BUCKETS)
      .register(registry);
  private final Histogram jobDuration = Histogram.builder()
      .name("drover_job_duration_seconds")
      .help("Duration of jobs, from their start to their end")
      .labelNames("pipeline", "outcome")
      .classicOnly().classicUpperBounds(RUN_BUCKETS)
      .register(registry);
  private final Gauge queueJobs = Gauge.builder()
      .name("drover_queue_jobs")
      .help("Jobs of a pipeline by state: running or waiting; from the node holding the queue")
      .labelNames("pipeline", "state")
      .register(registry);
  private final Histogram journalWrite = Histogram.builder()
      .name("drover_journal_write_seconds")
      .help("Latency of the journal's writes, one batch of events each")
      .labelNames("result")
      .classicOnly().classicUpperBounds(WAIT_BUCKETS)
      .register(registry);
  private final Counter httpRequests = Counter.builder()
      .name("drover_http_requests_total")
      .help("HTTP requests answered, by method, route template and status code")
      .labelNames("method", "route", "status")
      .register(registry);
  private final Histogram httpDuration = Histogram.builder()
      .name("drover_http_request_duration_seconds")
      .help("Time to answer an HTTP request (to the response's head for streams)")
      .labelNames("method", "route")
      .classicOnly().classicUpperBounds(WAIT_BUCKETS)
      .register(registry);

  /** The HTTP servers' counts of open event streams. */
  private final List<IntSupplier> sseSources = new CopyOnWriteArrayList<>();

  private DroverMetrics() {
    JvmMetrics.builder().register(registry);
    GaugeWithCallback.builder()
        .name("drover_sse_clients")
        .help("Open Server-Sent Events streams (job events and followed task logs)")
        .callback(cb -> cb.call(sseSources.stream().mapToInt(IntSupplier::getAsInt).sum()))
        .register(registry);
  }

  /** The metrics of {@code system}, created on first use. */
  public static DroverMetrics get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  private static final class Id extends ExtensionId<DroverMetrics> {
    static final Id INSTANCE = new Id();

    @Override
    public DroverMetrics createExtension(ActorSystem<?> system) {
      return new DroverMetrics();
    }
  }

  /**
   * Counts the streams {@code open} reports in {@code drover_sse_clients} until the returned
   * handle is closed (an HTTP server that stops).
   */
  public AutoCloseable sseClients(IntSupplier open) {
    sseSources.add(open);
    return () -> sseSources.remove(open);
  }

  /** A request answered. */
  public void httpRequest(String method, String route, int status, Duration took) {
    httpRequests.labelValues(method, route, Integer.toString(status)).inc();
    httpDuration.labelValues(method, route).observe(seconds(took));
  }

  /** A lease granted (or given up on) after {@code waited}. */
  public void leaseWait(String pool, boolean leased, Duration waited) {
    leaseWait.labelValues(pool, leased ? "leased" : "failed").observe(seconds(waited));
  }

  /** An attempt of a task ended with {@code outcome} after {@code took}. */
  public void taskAttempt(String pipeline, String task, String outcome, Duration took) {
    taskDuration.labelValues(pipeline, task, outcome).observe(seconds(took));
  }

  /** A job ended with {@code outcome} ({@code done}, {@code error}, {@code canceled}). */
  public void job(String pipeline, String outcome, Duration took) {
    jobDuration.labelValues(pipeline, outcome).observe(seconds(took));
  }

  /** A worker of a pool of {@code kind} on this node failed, for {@code failure}. */
  public void workerFailed(String kind, String failure) {
    workerRestarts.labelValues(kind, RestartCause.of(failure)).inc();
  }

  /** A journal write completed after {@code took}. */
  public void journalWrite(boolean ok, Duration took) {
    journalWrite.labelValues(ok ? "ok" : "failed").observe(seconds(took));
  }

  /**
   * The exposition text of every series, the gauges of queues and pools first set from {@code
   * pipelines} and {@code pools} (either may be null when it could not be read).
   */
  public synchronized byte[] scrape(List<PipelineOverview> pipelines, List<NodePool> pools) {
    if (pipelines != null) {
      queueJobs.clear();
      for (PipelineOverview p : pipelines) {
        queueJobs.labelValues(p.pipeline(), "running").set(p.runningJobs());
        queueJobs.labelValues(p.pipeline(), "waiting").set(p.waitingJobs());
      }
    }
    if (pools != null) {
      poolWorkers.clear();
      poolWaitingRequests.clear();
      for (NodePool pool : pools) {
        if (pool.status() != null) {
          pool(pool.node(), pool.status());
        }
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    try {
      writer.write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** The content type of {@link #scrape}. */
  public String contentType() {
    return writer.getContentType();
  }

  private void pool(String node, PoolStatus status) {
    Map<String, Integer> byState = new HashMap<>();
    for (PoolStatus.WorkerStatus w : status.workers()) {
      byState.merge(w.state().label(), 1, Integer::sum);
    }
    byState.forEach((state, n) -> poolWorkers.labelValues(status.kind(), node, state).set(n));
    poolWaitingRequests.labelValues(status.kind(), node).set(status.waitingRequests());
  }

  private static double seconds(Duration d) {
    return d.toNanos() / 1e9;
  }
}
