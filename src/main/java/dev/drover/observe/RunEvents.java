package dev.drover.observe;

import java.time.Instant;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;

/**
 * Ends of runs, published on the event stream of the one node where each happened: where the
 * execution recorded its task's outcome, where the job queue recorded the job's end, where the
 * supervisor saw its worker fail. Counting them (the metrics do) therefore counts each once in a
 * cluster, unlike the job and flow event topics, which every node receives. They never leave
 * their JVM, so they are not serialized (NoSerializationVerificationNeeded).
 */
public final class RunEvents {
  private RunEvents() {}

  /**
   * An attempt of a task ended.
   *
   * @param flow the flow's name (a job's pipeline)
   * @param outcome {@code done}, {@code error}, {@code timeout}, {@code interrupted} or {@code
   *     canceled}
   * @param started when the attempt started running
   * @param ended when its outcome was recorded
   */
  public record AttemptEnded(String executionId, String flow, String task, int attempt,
      String outcome, Instant started, Instant ended)
      implements NoSerializationVerificationNeeded {}

  /**
   * A job that had started ended.
   *
   * @param outcome {@code done}, {@code error} or {@code canceled}
   */
  public record JobEnded(String jobId, String pipeline, String outcome, Instant started,
      Instant ended)
      implements NoSerializationVerificationNeeded {}

  /**
   * A supervisor's worker failed; its slot starts a fresh one.
   *
   * @param kind the pool's kind
   * @param slot the slot
   * @param failure what the slot reported, e.g. {@code worker process exited with code 137}
   */
  public record WorkerFailed(String kind, int slot, String failure)
      implements NoSerializationVerificationNeeded {}
}
