package dev.drover.flow;

import dev.drover.serialization.CborSerializable;
import java.time.Instant;
import java.util.Set;

/**
 * Which executions a listing shows; null fields do not filter.
 *
 * @param flow only executions of this flow
 * @param statuses only executions in one of these statuses; empty for all
 * @param startedAfter only executions started at or after this instant
 * @param startedBefore only executions started before this instant
 * @param limit the most executions returned, newest first; 0 for all
 */
public record ExecutionFilter(
    String flow, Set<ExecutionStatus> statuses, Instant startedAfter, Instant startedBefore,
    int limit) implements CborSerializable {

  public static final ExecutionFilter ALL = new ExecutionFilter(null, Set.of(), null, null, 0);

  public ExecutionFilter {
    statuses = statuses == null ? Set.of() : Set.copyOf(statuses);
  }

  public ExecutionFilter withFlow(String flow) {
    return new ExecutionFilter(flow, statuses, startedAfter, startedBefore, limit);
  }

  public ExecutionFilter withStatuses(ExecutionStatus... statuses) {
    return new ExecutionFilter(flow, Set.of(statuses), startedAfter, startedBefore, limit);
  }

  public ExecutionFilter withLimit(int limit) {
    return new ExecutionFilter(flow, statuses, startedAfter, startedBefore, limit);
  }

  boolean matches(ExecutionSummary s) {
    return (flow == null || flow.equals(s.flow()))
        && (statuses.isEmpty() || statuses.contains(s.status()))
        && (startedAfter == null || (s.startedAt() != null && !s.startedAt().isBefore(startedAfter)))
        && (startedBefore == null || (s.startedAt() != null && s.startedAt().isBefore(startedBefore)));
  }
}
