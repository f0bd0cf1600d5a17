package dev.drover.observe.metrics;

import dev.drover.observe.NodeAttemptEvents.LeaseGranted;
import dev.drover.observe.RunEvents;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Feeds {@link DroverMetrics} from the events this node publishes on its event stream ({@link
 * RunEvents}, {@link LeaseGranted}): a task attempt's duration where its execution recorded the
 * outcome, a job's where the job queue recorded its end, a worker's restart where its supervisor
 * saw it fail, a lease's wait where the attempt waited. None of them reaches another node, so in
 * a cluster each run is counted once, by one node.
 */
public final class RunMetrics implements AutoCloseable {
  private final ActorSystem<?> system;
  private final ActorRef<Object> listener;

  private RunMetrics(ActorSystem<?> system) {
    this.system = system;
    DroverMetrics metrics = DroverMetrics.get(system);
    this.listener = system.systemActorOf(Behaviors.receiveMessage(event -> {
      if (event instanceof LeaseGranted l) {
        metrics.leaseWait(l.pool(), l.leased(), Duration.between(l.requested(), l.granted()));
      } else if (event instanceof RunEvents.AttemptEnded a) {
        metrics.taskAttempt(a.flow(), a.task(), a.outcome(),
            Duration.between(a.started(), a.ended()));
      } else if (event instanceof RunEvents.JobEnded j) {
        metrics.job(j.pipeline(), j.outcome(), Duration.between(j.started(), j.ended()));
      } else if (event instanceof RunEvents.WorkerFailed w) {
        metrics.workerFailed(w.kind(), w.failure());
      }
      return Behaviors.same();
    }), "drover-run-metrics", Props.empty());
    // subscribed from here, so that the events published after start returns are counted
    for (Class<?> type : new Class<?>[] {LeaseGranted.class, RunEvents.AttemptEnded.class,
        RunEvents.JobEnded.class, RunEvents.WorkerFailed.class}) {
      subscribe(system, type, listener);
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> void subscribe(ActorSystem<?> system, Class<T> type, ActorRef<Object> to) {
    system.eventStream().tell(new EventStream.Subscribe<>(type, (ActorRef<T>) (ActorRef<?>) to));
  }

  /** Starts counting the runs of this node in the metrics of {@code system}. */
  public static RunMetrics start(ActorSystem<?> system) {
    return new RunMetrics(system);
  }

  @Override
  public void close() {
    system.eventStream().tell(new EventStream.Unsubscribe<>(listener));
    system.classicSystem().stop(
        org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(listener));
  }
}
