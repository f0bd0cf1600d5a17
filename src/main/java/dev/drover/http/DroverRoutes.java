package dev.drover.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.flow.CompletionResult;
import dev.drover.http.PrunnerJson.Job;
import dev.drover.http.PrunnerJson.Logs;
import dev.drover.node.NodePool;
import dev.drover.pipeline.PipelineApi;
import dev.drover.pipeline.PipelineApi.JobEvent;
import dev.drover.pipeline.PipelineApi.JobPage;
import dev.drover.pipeline.PipelineApi.JobQuery;
import dev.drover.pipeline.PipelineApi.LogText;
import dev.drover.pipeline.PipelineApi.PipelineOverview;
import dev.drover.pipeline.PipelineApi.ScheduleRequest;
import dev.drover.pipeline.PipelineApi.TaskLogs;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.Materializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drover's own API under {@code /api/v1}: the resources of prunner's API in REST form, plus live
 * streams (task output and state changes as Server-Sent Events), pool status, and the completion
 * of tasks that wait for a third party's callback.
 *
 * <p>Jobs and tasks have the JSON shapes of prunner's API ({@link PrunnerJson}), so a client of
 * both reads one model.
 */
final class DroverRoutes extends RouteSupport {
  private static final Logger log = LoggerFactory.getLogger(DroverRoutes.class);
  private static final String PREFIX = "/api/v1";

  private final PipelineApi api;
  private final EventStreams streams;
  private final Paging paging;
  private final int listVariablesMaxBytes;

  DroverRoutes(PipelineApi api, EventStreams streams, Executor blocking,
      Materializer materializer, HttpSettings settings) {
    super(blocking, materializer, settings);
    this.api = api;
    this.streams = streams;
    this.paging = new Paging(settings.pageSize(), settings.maxPageSize());
    this.listVariablesMaxBytes = settings.listVariablesMaxBytes();
  }

  void register(RouteTable routes) {
    routes.get(PREFIX + "/pipelines", call -> page((limit, cursor) -> blocking(() -> {
      Paging.Page<PipelineOverview> page =
          paging.byName(api.overview(), PipelineOverview::pipeline, limit, cursor);
      return Responses.json(StatusCodes.OK, new PipelineList(page.items(), page.nextCursor()));
    })));
    routes.get(PREFIX + "/jobs", call -> page((limit, cursor) ->
        parameterOptional("before", before -> parameterOptional("pipeline", pipeline ->
            parameterOptional("status", status -> {
              JobQuery query = paging.jobs(limit, cursor, before, pipeline, status);
              return blocking(() -> {
                JobPage page = api.jobs(query);
                return Responses.json(StatusCodes.OK, new JobList(
                    page.jobs().stream().map(j -> Job.listed(j, listVariablesMaxBytes)).toList(),
                    page.next() == null ? null : page.next().text(),
                    page.previous() == null ? null : page.previous().text()));
              });
            })))));
    routes.post(PREFIX + "/jobs", this::schedule);
    routes.get(PREFIX + "/jobs/{id}", call -> {
      UUID id = jobId(call.param(0));
      return blocking(() -> jobResponse(id));
    });
    routes.get(PREFIX + "/jobs/{id}/timeline", call -> {
      UUID id = jobId(call.param(0));
      return onBlocking(() -> api.timeline(id), stage -> onSuccess(stage, timeline ->
          complete(timeline.map(t -> Responses.json(StatusCodes.OK, TimelineJson.of(t)))
              .orElseGet(() -> Responses.error(StatusCodes.NOT_FOUND, "Job not found")))));
    });
    routes.post(PREFIX + "/jobs/{id}/cancel", call -> {
      UUID id = jobId(call.param(0));
      log.info("Canceling job {} for user '{}'", id, call.caller().subject());
      return onSuccess(safely(() -> api.cancel(id)), done -> blocking(() -> jobResponse(id)));
    });
    routes.get(PREFIX + "/jobs/{id}/tasks/{task}/logs", this::logs);
    routes.postWithCallbackToken(PREFIX + "/jobs/{id}/tasks/{task}/complete", this::complete);
    routes.get(PREFIX + "/events", call -> onBlocking(
        () -> streams.<JobEvent>stream((events, end) -> api.subscribe(events),
            DroverRoutes::event),
        source -> completeOK(source, EventStreamMarshalling.toEventStream())));
    routes.get(PREFIX + "/pools", call -> onSuccess(safely(api::pools), pools ->
        complete(Responses.json(StatusCodes.OK, new PoolList(pools)))));
    routes.get(PREFIX + "/cluster", call -> blocking(() ->
        Responses.json(StatusCodes.OK, api.cluster())));
    routes.get(PREFIX + "/pools/{kind}", call -> {
      String kind = call.param(0);
      if (!safeName(kind)) {
        throw new HttpFailure(StatusCodes.BAD_REQUEST, "Invalid pool kind");
      }
      return completeWithFuture(safely(() -> api.poolStatus(kind)).handle((status, failure) ->
          failure == null ? Responses.json(StatusCodes.OK, status) : poolFailure(kind, failure)));
    });
  }

  /**
   * {@code GET /api/v1/pipelines}: each pipeline with its tasks, variables, queue, schedule, by
   * name; {@code nextCursor} when a limit left some out.
   */
  record PipelineList(List<PipelineOverview> pipelines,
      @JsonInclude(Include.NON_NULL) String nextCursor) {}

  /** {@code GET /api/v1/pools}: every pool of the cluster, by kind and node. */
  record PoolList(List<NodePool> pools) {}

  /**
   * {@code GET /api/v1/jobs}, newest first, a page at a time, filtered by {@code pipeline} and
   * {@code status}: {@code nextCursor} (passed as {@code cursor}) when older jobs follow, {@code
   * prevCursor} (passed as {@code before}) when newer ones precede.
   */
  record JobList(List<Job> jobs, @JsonInclude(Include.NON_NULL) String nextCursor,
      @JsonInclude(Include.NON_NULL) String prevCursor) {}

  /** The body of {@code POST /api/v1/jobs}. */
  record ScheduleBody(String pipeline, Map<String, Object> variables, String queuePartition) {}

  /**
   * The body of {@code POST .../complete}.
   *
   * @param token the task's callback token, which authorises the call
   * @param status {@code success} or {@code error}
   * @param output the task's output when it succeeded, any JSON
   * @param error why it failed
   */
  record CompleteBody(String token, String status, JsonNode output, String error) {}

  /** The answer to an accepted completion. */
  record Completed(String outcome, String message) {}

  /** The answer to a refused completion: why, and the runner's outcome. */
  record CompletionRefused(String error, String outcome) {}

  private Route schedule(RouteTable.Call call) {
    return withJsonBody(ScheduleBody.class, body -> {
      if (!api.acceptingJobs()) {
        throw new PipelineApi.ShuttingDown();
      }
      ScheduleRequest request = new ScheduleRequest(body.pipeline() == null ? "" : body.pipeline(),
          body.variables(), body.queuePartition(), call.caller().subject());
      return onSuccess(safely(() -> api.schedule(request)), job -> {
        log.info("Job {} of pipeline '{}' scheduled for user '{}'", job.id(), job.pipeline(),
            call.caller().subject());
        return complete(Responses.json(StatusCodes.ACCEPTED, Job.of(job))
            .addHeader(Location.create(PREFIX + "/jobs/" + job.id())));
      });
    });
  }

  private Route logs(RouteTable.Call call) {
    UUID id = jobId(call.param(0));
    String task = taskName(call.param(1));
    return parameterOptional("follow", follow -> {
      if (follow.map(Boolean::parseBoolean).orElse(false)) {
        return onBlocking(
            () -> streams.<LogText>stream((text, end) -> api.followLogs(id, task, text, end),
                DroverRoutes::logEvent),
            source -> completeOK(source, EventStreamMarshalling.toEventStream()));
      }
      return blocking(() -> {
        TaskLogs logs = api.logs(id, task);
        return Responses.json(StatusCodes.OK, new Logs(logs.stdout(), logs.stderr()));
      });
    });
  }

  private Route complete(RouteTable.Call call) {
    UUID id = jobId(call.param(0));
    String task = taskName(call.param(1));
    return withJsonBody(CompleteBody.class, body -> {
      if (body.token() == null || body.token().isBlank()) {
        throw new HttpFailure(StatusCodes.BAD_REQUEST, "token is required");
      }
      boolean success = "success".equals(body.status());
      if (!success && !"error".equals(body.status())) {
        throw new HttpFailure(StatusCodes.BAD_REQUEST,
            "status must be \"success\" or \"error\", got " + quoted(body.status()));
      }
      CompletionStage<CompletionResult> result = safely(() -> api.completeTask(
          id, task, body.token(), success, body.output(), body.error()));
      return completeWithFuture(result.thenApply(r -> completion(id, task, r)));
    });
  }

  /**
   * The answer to a completion. The route needs no JWT, so whoever calls it learns nothing
   * without a valid token: an unknown job, an unknown task and a wrong token get the same 403
   * (the runner's reason goes to the debug log). Only a token of the task can tell that the task
   * is already completed or that the token is of an earlier attempt.
   */
  private static HttpResponse completion(UUID job, String task, CompletionResult result) {
    StatusCode status = switch (result.outcome()) {
      case ACCEPTED -> StatusCodes.OK;
      case ALREADY_COMPLETED, STALE_ATTEMPT -> StatusCodes.CONFLICT;
      case BAD_TOKEN, UNKNOWN_TASK, UNKNOWN_EXECUTION -> StatusCodes.FORBIDDEN;
    };
    if (result.accepted()) {
      return Responses.json(status, new Completed(result.outcome().name(), result.message()));
    }
    if (status == StatusCodes.FORBIDDEN) {
      log.debug("Refused a completion of task '{}' of job {}: {}", task, job, result.message());
      return Responses.json(status,
          new CompletionRefused(NO_SUCH_CALLBACK, CompletionResult.Outcome.BAD_TOKEN.name()));
    }
    return Responses.json(status, new CompletionRefused(result.message(), result.outcome().name()));
  }

  /** The one refusal of a completion without a valid token, whatever else is wrong. */
  static final String NO_SUCH_CALLBACK =
      "Forbidden: no task of this job awaits a callback with this token";

  private HttpResponse jobResponse(UUID id) {
    return api.job(id)
        .map(job -> Responses.json(StatusCodes.OK, Job.of(job)))
        .orElseGet(() -> Responses.error(StatusCodes.NOT_FOUND, "Job not found"));
  }

  private static HttpResponse poolFailure(String kind, Throwable failure) {
    Throwable t = ErrorHandling.unwrap(failure);
    if (t instanceof NoSuchElementException) {
      return Responses.error(StatusCodes.NOT_FOUND, "No pool of kind '" + kind + "'");
    }
    if (t instanceof TimeoutException) {
      return Responses.error(StatusCodes.GATEWAY_TIMEOUT,
          "The supervisor of pool '" + kind + "' did not answer in time");
    }
    return ErrorHandling.response(t);
  }

  /**
   * A piece of a task's output as an event named after its stream, whose data is the text as a
   * JSON string (so newlines, carriage returns and a missing last newline arrive exactly) and
   * whose id is the stream's byte offset after it.
   */
  private static ServerSentEvent logEvent(LogText text) {
    try {
      return ServerSentEvent.create(Json.mapper().writeValueAsString(text.text()), text.stream(),
          text.stream() + ":" + text.end());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a log piece as JSON", e);
    }
  }

  private static ServerSentEvent event(JobEvent event) {
    try {
      return ServerSentEvent.create(Json.mapper().writeValueAsString(event),
          event.task() == null ? "job" : "task");
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + event + " as JSON", e);
    }
  }

  private static String quoted(String s) {
    return s == null ? "nothing" : "\"" + s + "\"";
  }
}
