package dev.drover.observe;

import java.time.Instant;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.eventstream.EventStream;

/**
 * What an attempt of a node task did with its pool, published on the actor system's event stream
 * for observers (metrics, traces): how long it waited for a worker, and how long its work ran.
 * They never leave their JVM, so they are not serialized (NoSerializationVerificationNeeded).
 */
public final class NodeAttemptEvents {
  private NodeAttemptEvents() {}

  /**
   * The attempt got a worker, or gave up waiting for one.
   *
   * @param pool the pool's kind
   * @param executionId the execution (a job's id)
   * @param task the task
   * @param attempt the attempt, 1 for the first
   * @param requested when it asked for a worker
   * @param granted when it got one, or gave up
   * @param leased whether it got one
   */
  public record LeaseGranted(String pool, String executionId, String task, int attempt,
      Instant requested, Instant granted, boolean leased)
      implements NoSerializationVerificationNeeded {}

  /**
   * The attempt's work on its worker ended.
   *
   * @param started when the work was submitted (the lease was granted)
   * @param ended when its outcome was known; the task's own events say which
   */
  public record WorkEnded(String pool, String executionId, String task, int attempt,
      Instant started, Instant ended)
      implements NoSerializationVerificationNeeded {}

  /**
   * Publishes the events of one attempt as its lease and its outcome complete.
   *
   * @param leased completes when the attempt has its worker
   * @param outcome completes when the attempt ended
   */
  public static void watch(ActorSystem<?> system, String pool, String executionId, String task,
      int attempt, CompletionStage<?> leased, CompletionStage<?> outcome) {
    Instant requested = Instant.now();
    leased.whenComplete((lease, failure) -> {
      Instant granted = Instant.now();
      publish(system, new LeaseGranted(pool, executionId, task, attempt, requested, granted,
          failure == null));
      if (failure == null) {
        outcome.whenComplete((result, error) -> publish(system, new WorkEnded(pool, executionId,
            task, attempt, granted, Instant.now())));
      }
    });
  }

  private static void publish(ActorSystem<?> system, Object event) {
    system.eventStream().tell(new EventStream.Publish<>(event));
  }
}
