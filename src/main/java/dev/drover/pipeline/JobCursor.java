package dev.drover.pipeline;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * A place in the list of jobs, newest first: the job a page ended with. Jobs are ordered by
 * creation time, then by id, so the order is total and a page that follows a cursor neither
 * repeats nor skips a job, however many are scheduled or removed meanwhile.
 *
 * <p>Clients see it as an opaque text ({@link #text()}); {@link #parse} reads it back.
 *
 * @param created the job's creation time
 * @param id the job's id
 */
public record JobCursor(Instant created, UUID id) {
  private static final String VERSION = "j1";

  /** Newest first; among jobs created at the same instant, by id. */
  public static final Comparator<JobCursor> NEWEST_FIRST =
      Comparator.comparing(JobCursor::created).thenComparing(JobCursor::id).reversed();

  /** The cursor of {@code job}. */
  public static JobCursor of(PipelineApi.JobView job) {
    return new JobCursor(job.created(), job.id());
  }

  /** The cursor as clients pass it back: URL-safe, opaque. */
  public String text() {
    String plain = VERSION + ":" + created.getEpochSecond() + ":" + created.getNano() + ":" + id;
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString(plain.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The cursor a client passed back.
   *
   * @throws PipelineApi.InvalidCursor when the text is not one of {@link #text()}'s
   */
  public static JobCursor parse(String text) {
    try {
      String[] parts = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8)
          .split(":");
      if (parts.length != 4 || !parts[0].equals(VERSION)) {
        throw new PipelineApi.InvalidCursor();
      }
      return new JobCursor(Instant.ofEpochSecond(Long.parseLong(parts[1]),
          Long.parseLong(parts[2])), UUID.fromString(parts[3]));
    } catch (IllegalArgumentException | DateTimeException e) {
      throw new PipelineApi.InvalidCursor();
    }
  }

  /**
   * The page of {@code items} that {@code query} asks for (its filters already applied): at most
   * {@code query.limit()} items, newest first, after {@code query.after()}, else the newest ones
   * just before {@code query.before()}, else the newest; with the cursors of the pages on either
   * side, when there are items on that side.
   */
  public static <T> Window<T> window(List<T> items, Function<T, JobCursor> cursor,
      PipelineApi.JobQuery query) {
    int n = query.limit();
    List<T> sorted = items.stream().sorted(Comparator.comparing(cursor, NEWEST_FIRST)).toList();
    List<T> page;
    if (query.after() == null && query.before() != null) {
      List<T> newer = sorted.stream()
          .filter(i -> NEWEST_FIRST.compare(cursor.apply(i), query.before()) < 0).toList();
      page = newer.subList(Math.max(0, newer.size() - n), newer.size());
    } else {
      page = sorted.stream()
          .filter(i -> query.after() == null
              || NEWEST_FIRST.compare(cursor.apply(i), query.after()) > 0)
          .limit(n).toList();
    }
    if (page.isEmpty()) {
      // past either end: the way back is the cursor the client came with
      return new Window<>(page, query.before(), query.after());
    }
    JobCursor first = cursor.apply(page.get(0));
    JobCursor last = cursor.apply(page.get(page.size() - 1));
    boolean older = sorted.stream().anyMatch(i -> NEWEST_FIRST.compare(cursor.apply(i), last) > 0);
    boolean newer = sorted.stream().anyMatch(i -> NEWEST_FIRST.compare(cursor.apply(i), first) < 0);
    return new Window<>(page, older ? last : null, newer ? first : null);
  }

  /**
   * A page of items and the cursors of the pages beside it.
   *
   * @param items the page, newest first
   * @param next the cursor of the page of older items, or null
   * @param previous the cursor of the page of newer items, or null
   */
  public record Window<T>(List<T> items, JobCursor next, JobCursor previous) {
    /** The page of jobs shown by {@code view} from these items. */
    public PipelineApi.JobPage map(Function<List<T>, List<PipelineApi.JobView>> view) {
      return new PipelineApi.JobPage(view.apply(items), next, previous);
    }
  }
}
