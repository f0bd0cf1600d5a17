package dev.drover.http;

import dev.drover.pipeline.JobCursor;
import dev.drover.pipeline.JobStatus;
import dev.drover.pipeline.PipelineApi.InvalidCursor;
import dev.drover.pipeline.PipelineApi.JobQuery;
import dev.drover.pipeline.PipelineApi.PipelineInfo;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.StatusCodes;

/**
 * The {@code limit} and {@code cursor} query parameters of the lists. A list answers at most
 * {@code limit} items (the page size unless given) and, when more follow, a {@code nextCursor}
 * to pass as {@code cursor} for the next page. Jobs are paged by {@link JobCursor}; pipelines,
 * whose number only the pipelines files decide, are all listed unless a limit is given.
 *
 * @param pageSize the limit of a request that gives none
 * @param maxPageSize the largest limit a request may give
 */
record Paging(int pageSize, int maxPageSize) {

  /** The page of jobs a request asks for. */
  JobQuery jobs(Optional<String> limit, Optional<String> cursor) {
    return new JobQuery(limit(limit).orElse(pageSize), cursor.map(Paging::jobCursor).orElse(null));
  }

  /**
   * The page of jobs a request asks for, with the filters of Drover's list: {@code before} (the
   * page of newer jobs), {@code pipeline} and {@code status}; an unknown status is a 400.
   */
  JobQuery jobs(Optional<String> limit, Optional<String> cursor, Optional<String> before,
      Optional<String> pipeline, Optional<String> status) {
    JobStatus wanted = status.filter(s -> !s.isEmpty()).map(s -> {
      try {
        return JobStatus.parse(s);
      } catch (IllegalArgumentException e) {
        throw new HttpFailure(StatusCodes.BAD_REQUEST, e.getMessage());
      }
    }).orElse(null);
    return new JobQuery(limit(limit).orElse(pageSize), cursor.map(Paging::jobCursor).orElse(null),
        before.map(Paging::jobCursor).orElse(null), pipeline.filter(p -> !p.isEmpty()).orElse(null),
        wanted);
  }

  /**
   * The page of {@code items}, by name, a request asks for.
   *
   * @return the items of the page and the cursor of the next one, or null
   */
  <T> Page<T> byName(List<T> items, Function<T, String> name, Optional<String> limit,
      Optional<String> cursor) {
    String after = cursor.map(Paging::nameCursor).orElse(null);
    int n = limit(limit).orElse(Integer.MAX_VALUE);
    List<T> rest = items.stream()
        .filter(p -> after == null || name.apply(p).compareTo(after) > 0)
        .sorted(Comparator.comparing(name))
        .toList();
    return rest.size() > n
        ? new Page<>(rest.subList(0, n), text("p1:" + name.apply(rest.get(n - 1))))
        : new Page<>(rest, null);
  }

  /** {@link #byName} of pipelines. */
  Page<PipelineInfo> pipelines(List<PipelineInfo> pipelines, Optional<String> limit,
      Optional<String> cursor) {
    return byName(pipelines, PipelineInfo::pipeline, limit, cursor);
  }

  /** A page of a list and the cursor of the next, or null. */
  record Page<T>(List<T> items, String nextCursor) {}

  private Optional<Integer> limit(Optional<String> text) {
    return text.map(t -> {
      try {
        int n = Integer.parseInt(t);
        if (n >= 1 && n <= maxPageSize) {
          return n;
        }
      } catch (NumberFormatException notANumber) {
        // refused below
      }
      throw new HttpFailure(StatusCodes.BAD_REQUEST,
          "limit must be a number from 1 to " + maxPageSize + ", got \"" + t + "\"");
    });
  }

  private static JobCursor jobCursor(String text) {
    try {
      return JobCursor.parse(text);
    } catch (InvalidCursor e) {
      throw new HttpFailure(StatusCodes.BAD_REQUEST, e.getMessage());
    }
  }

  private static String nameCursor(String text) {
    try {
      String plain = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
      if (plain.startsWith("p1:")) {
        return plain.substring(3);
      }
    } catch (IllegalArgumentException notBase64) {
      // refused below
    }
    throw new HttpFailure(StatusCodes.BAD_REQUEST, new InvalidCursor().getMessage());
  }

  private static String text(String plain) {
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString(plain.getBytes(StandardCharsets.UTF_8));
  }
}
