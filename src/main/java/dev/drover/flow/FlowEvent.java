package dev.drover.flow;

import dev.drover.serialization.CborSerializable;
import java.time.Instant;

/**
 * A state change of an execution or of one of its tasks, as subscribers see it.
 *
 * @param executionId the execution
 * @param flow the flow's name
 * @param task the task, or null for a change of the execution itself
 * @param attempt the task's attempt, 0 for the execution
 * @param status the new status, e.g. {@code RUNNING}, {@code SUCCEEDED}, {@code RETRY_WAIT}
 * @param detail the event's name and any reason, e.g. {@code TaskFailed: exception: boom}
 * @param at when it happened
 */
public record FlowEvent(
    String executionId, String flow, String task, int attempt, String status, String detail,
    Instant at) implements CborSerializable {}
