package dev.drover.http;

import dev.drover.node.NodePool;
import dev.drover.observe.metrics.DroverMetrics;
import dev.drover.pipeline.PipelineApi;
import dev.drover.pipeline.PipelineApi.PipelineOverview;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.stream.Materializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /metrics}: Drover's series in Prometheus' text format. The queue and pool gauges are
 * read from the runner and the supervisors at each scrape; a part that cannot be read keeps its
 * series out of that scrape rather than failing it. In a cluster, a node shows the queue's
 * lengths only while the queue runs on it, and only its own pools.
 */
final class MetricsRoute extends RouteSupport {
  private static final Logger log = LoggerFactory.getLogger(MetricsRoute.class);

  private final PipelineApi api;
  private final DroverMetrics metrics;
  private final Duration poolTimeout;
  private final ContentType contentType;

  MetricsRoute(PipelineApi api, DroverMetrics metrics, Executor blocking,
      Materializer materializer, HttpSettings settings, Duration poolTimeout) {
    super(blocking, materializer, settings);
    this.api = api;
    this.metrics = metrics;
    this.poolTimeout = poolTimeout;
    this.contentType = ContentTypes.parse(metrics.contentType());
  }

  void register(RouteTable routes, RouteTable.Auth auth) {
    routes.add(HttpMethods.GET, HttpRoutes.METRICS_PATH, auth, call -> blocking(this::scrape));
  }

  private HttpResponse scrape() {
    List<PipelineOverview> pipelines = null;
    List<NodePool> pools = null;
    // a cluster's nodes each show what is theirs, so that sums over them are right: the queue's
    // lengths where the queue runs, each pool on its supervisor's node
    try {
      pipelines = api.holdsQueue() ? api.overview() : List.of();
    } catch (RuntimeException e) {
      log.warn("Metrics without queue lengths: {}", e.toString());
    }
    try {
      String self = api.cluster().self();
      pools = api.pools().toCompletableFuture()
          .get(poolTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS)
          .stream().filter(p -> p.node().equals(self)).toList();
    } catch (Exception e) {
      log.warn("Metrics without pool sizes: {}", e.toString());
    }
    return HttpResponse.create()
        .withEntity(HttpEntities.create(contentType, metrics.scrape(pipelines, pools)));
  }
}
