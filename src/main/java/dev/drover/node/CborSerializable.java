package dev.drover.node;

/**
 * Marks the messages that cross JVMs: supervisor, worker and client may live in different
 * processes. {@code application.conf} binds this interface to Pekko's Jackson CBOR serializer,
 * so every such message is a record of serializable values and actor references.
 */
public interface CborSerializable {}
