package dev.drover.http;

import dev.drover.http.PrunnerJson.Job;
import dev.drover.http.PrunnerJson.Logs;
import dev.drover.http.PrunnerJson.Pipeline;
import dev.drover.http.PrunnerJson.Pipelines;
import dev.drover.http.PrunnerJson.PipelinesAndJobs;
import dev.drover.http.PrunnerJson.Scheduled;
import dev.drover.pipeline.PipelineApi;
import dev.drover.pipeline.PipelineApi.JobPage;
import dev.drover.pipeline.PipelineApi.JobQuery;
import dev.drover.pipeline.PipelineApi.PipelineInfo;
import dev.drover.pipeline.PipelineApi.ScheduleRequest;
import dev.drover.pipeline.PipelineApi.TaskLogs;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executor;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.Materializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * prunner's API, route for route: paths, query parameters, JSON field names, status codes and
 * error messages as prunner's {@code server/server.go} has them, so that prunner-ui and
 * Flowpack.Prunner work against Drover unchanged.
 *
 * <p>A job's tasks are in prunner's order ({@link PrunnerTaskOrder}). Where prunner has a defect,
 * Drover answers as prunner meant to: a failed read of a job is
 * not followed by a second response, a 401 has a JSON body, and a job always has a {@code tasks}
 * array ({@code null} in prunner for a job without tasks).
 */
final class PrunnerRoutes extends RouteSupport {
  private static final Logger log = LoggerFactory.getLogger(PrunnerRoutes.class);

  private final PipelineApi api;
  private final Paging paging;
  private final int listVariablesMaxBytes;

  PrunnerRoutes(PipelineApi api, Executor blocking, Materializer materializer,
      HttpSettings settings) {
    super(blocking, materializer, settings);
    this.api = api;
    this.paging = new Paging(settings.pageSize(), settings.maxPageSize());
    this.listVariablesMaxBytes = settings.listVariablesMaxBytes();
  }

  void register(RouteTable routes) {
    // paging is optional here: prunner's clients send no limit and get the first page
    routes.get("/pipelines", call -> page((limit, cursor) -> blocking(() -> {
      Paging.Page<PipelineInfo> page = paging.pipelines(api.pipelines(), limit, cursor);
      return Responses.json(StatusCodes.OK, new Pipelines(
          page.items().stream().map(Pipeline::of).toList(), page.nextCursor()));
    })));
    routes.get("/pipelines/jobs", call -> page((limit, cursor) -> {
      JobQuery query = paging.jobs(limit, cursor);
      return blocking(() -> {
        JobPage page = api.jobs(query);
        return Responses.json(StatusCodes.OK, new PipelinesAndJobs(pipelines(),
            page.jobs().stream()
                .map(j -> Job.listed(PrunnerTaskOrder.of(j), listVariablesMaxBytes)).toList(),
            page.next() == null ? null : page.next().text()));
      });
    }));
    routes.post("/pipelines/schedule", this::schedule);
    routes.get("/job/detail", call -> parameterOptional("id", id -> {
      UUID jobId = jobId(id);
      return blocking(() -> api.job(jobId)
          .map(job -> Responses.json(StatusCodes.OK, Job.of(PrunnerTaskOrder.of(job))))
          .orElseGet(() -> Responses.error(StatusCodes.NOT_FOUND, "Job not found")));
    }));
    routes.get("/job/logs", call -> parameterOptional("id", id ->
        parameterOptional("task", task -> {
          UUID jobId = jobId(id);
          String taskName = taskName(task);
          return blocking(() -> {
            TaskLogs logs = api.logs(jobId, taskName);
            return Responses.json(StatusCodes.OK, new Logs(logs.stdout(), logs.stderr()));
          });
        })));
    routes.post("/job/cancel", call -> parameterOptional("id", id -> {
      UUID jobId = jobId(id);
      log.info("Canceling job {} for user '{}'", jobId, call.caller().subject());
      return completeWithFuture(safely(() -> api.cancel(jobId))
          .thenApply(done -> Responses.json(StatusCodes.OK, true)));
    }));
  }

  /** The body of {@code POST /pipelines/schedule}. */
  record ScheduleBody(String pipeline, Map<String, Object> variables, String queuePartition) {}

  private Route schedule(RouteTable.Call call) {
    return withJsonBody(ScheduleBody.class, body -> {
      String user = call.caller().subject();
      if (!api.acceptingJobs()) {
        return complete(Responses.error(StatusCodes.SERVICE_UNAVAILABLE,
            new PipelineApi.ShuttingDown().getMessage()));
      }
      ScheduleRequest request = new ScheduleRequest(
          body.pipeline() == null ? "" : body.pipeline(), body.variables(), body.queuePartition(),
          user);
      return completeWithFuture(safely(() -> api.schedule(request)).handle((job, failure) -> {
        if (failure == null) {
          log.info("Job {} of pipeline '{}' scheduled for user '{}'", job.id(), job.pipeline(),
              user);
          return Responses.json(StatusCodes.ACCEPTED, new Scheduled(job.id().toString()));
        }
        return scheduleRefused(failure);
      }));
    });
  }

  private static HttpResponse scheduleRefused(Throwable failure) {
    Throwable t = ErrorHandling.unwrap(failure);
    if (t instanceof PipelineApi.ScheduleRejected) {
      return Responses.error(StatusCodes.BAD_REQUEST,
          "Error scheduling pipeline: " + t.getMessage());
    }
    return ErrorHandling.response(t);
  }

  private List<Pipeline> pipelines() {
    return api.pipelines().stream().map(Pipeline::of).toList();
  }

}
