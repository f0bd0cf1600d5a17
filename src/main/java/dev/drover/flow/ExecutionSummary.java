package dev.drover.flow;

import dev.drover.serialization.CborSerializable;
import java.time.Instant;

/**
 * One line of an execution listing.
 *
 * @param id the execution's id
 * @param flow its flow's name
 * @param status its status when last reported
 * @param startedAt when it started
 * @param endedAt when it ended, or null
 */
public record ExecutionSummary(
    String id, String flow, ExecutionStatus status, Instant startedAt, Instant endedAt)
    implements CborSerializable {}
