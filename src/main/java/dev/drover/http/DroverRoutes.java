package dev.drover.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.flow.CompletionResult;
import dev.drover.http.PrunnerJson.Job;
import dev.drover.http.PrunnerJson.Logs;
import dev.drover.pipeline.PipelineApi;
import dev.drover.pipeline.PipelineApi.JobEvent;
import dev.drover.pipeline.PipelineApi.LogLine;
import dev.drover.pipeline.PipelineApi.PipelineInfo;
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

  DroverRoutes(PipelineApi api, EventStreams streams, Executor blocking,
      Materializer materializer, long maxBody) {
    super(blocking, materializer, maxBody);
    this.api = api;
    this.streams = streams;
  }

  void register(RouteTable routes) {
    routes.get(PREFIX + "/pipelines", call -> blocking(() ->
        Responses.json(StatusCodes.OK, new PipelineList(api.pipelines()))));
    routes.get(PREFIX + "/jobs", call -> blocking(() ->
        Responses.json(StatusCodes.OK, new JobList(api.jobs().stream().map(Job::of).toList()))));
    routes.post(PREFIX + "/jobs", this::schedule);
    routes.get(PREFIX + "/jobs/{id}", call -> {
      UUID id = jobId(call.param(0));
      return blocking(() -> jobResponse(id));
    });
    routes.post(PREFIX + "/jobs/{id}/cancel", call -> {
      UUID id = jobId(call.param(0));
      log.info("Canceling job {} for user '{}'", id, call.caller().subject());
      return onSuccess(safely(() -> api.cancel(id)), done -> blocking(() -> jobResponse(id)));
    });
    routes.get(PREFIX + "/jobs/{id}/tasks/{task}/logs", this::logs);
    routes.postWithCallbackToken(PREFIX + "/jobs/{id}/tasks/{task}/complete", this::complete);
    routes.get(PREFIX + "/events", call -> onBlocking(
        () -> streams.<JobEvent>stream(api::subscribe, DroverRoutes::event),
        source -> completeOK(source, EventStreamMarshalling.toEventStream())));
    routes.get(PREFIX + "/pools/{kind}", call -> {
      String kind = call.param(0);
      if (!safeName(kind)) {
        throw new HttpFailure(StatusCodes.BAD_REQUEST, "Invalid pool kind");
      }
      return completeWithFuture(safely(() -> api.poolStatus(kind)).handle((status, failure) ->
          failure == null ? Responses.json(StatusCodes.OK, status) : poolFailure(kind, failure)));
    });
  }

  /** {@code GET /api/v1/pipelines}: each pipeline with its tasks. */
  record PipelineList(List<PipelineInfo> pipelines) {}

  /** {@code GET /api/v1/jobs}, newest first. */
  record JobList(List<Job> jobs) {}

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
            () -> streams.<LogLine>stream(lines -> api.followLogs(id, task, lines),
                line -> ServerSentEvent.create(line.line(), line.stream())),
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
      return completeWithFuture(result.thenApply(DroverRoutes::completion));
    });
  }

  private static HttpResponse completion(CompletionResult result) {
    StatusCode status = switch (result.outcome()) {
      case ACCEPTED -> StatusCodes.OK;
      case ALREADY_COMPLETED, STALE_ATTEMPT -> StatusCodes.CONFLICT;
      case BAD_TOKEN -> StatusCodes.FORBIDDEN;
      case UNKNOWN_TASK, UNKNOWN_EXECUTION -> StatusCodes.NOT_FOUND;
    };
    return result.accepted()
        ? Responses.json(status, new Completed(result.outcome().name(), result.message()))
        : Responses.json(status, new CompletionRefused(result.message(), result.outcome().name()));
  }

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
