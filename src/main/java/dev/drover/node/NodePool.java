package dev.drover.node;

/**
 * The worker pool one supervisor keeps: a kind of worker on one node of the cluster.
 *
 * @param node the supervisor's node, e.g. {@code pekko://drover@127.0.0.1:25520}
 * @param status what the supervisor answered, or null when it did not answer
 * @param error why there is no status, or null
 */
public record NodePool(String node, PoolStatus status, String error) {}
