package dev.drover.flow;

import java.time.Clock;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.pubsub.Topic;

/**
 * What the executions of one engine JVM share: executors, the output sink, the directory of
 * executions and the notification topic. Not journaled; rebuilt at every start.
 */
record EngineRuntime(
    LocalActions local,
    NodeActions node,
    TaskContext.OutputSink output,
    ActorRef<ExecutionDirectory.Command> directory,
    ActorRef<Topic.Command<FlowEvent>> topic,
    Duration passivateAfter,
    int snapshotEvery,
    Clock clock) {}
