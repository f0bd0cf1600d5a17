package dev.drover.serialization;

/**
 * Marks the messages that cross JVMs (supervisor, worker and client may live in different
 * processes) and the events and snapshots Drover journals. {@code drover-pekko.conf} binds this
 * interface to Pekko's Jackson CBOR serializer, so every such message is a record of
 * serializable values and actor references.
 *
 * <p>It lives apart from {@code node} so that every layer (flow, pipeline, observe) can mark its
 * messages without depending on the node layer. Moving it changes no journal: the serializer's
 * manifest is the concrete class's name, never this interface's. Those concrete names are what
 * must not change: the events and snapshots of {@code dev.drover.flow.Execution},
 * {@code ExecutionDirectory}, {@code dev.drover.pipeline.JobQueue} and {@code CronScheduler}
 * (and their {@code JobRecord}) are read back by class name.
 */
public interface CborSerializable {}
