package dev.drover.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.pipeline.PipelineApi.JobQuery;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Pages of jobs in both directions: {@link JobCursor#window}, without a runner. */
class JobCursorWindowTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  /** Ten cursors, newest first: item 0 is the newest. */
  private final List<JobCursor> items = new ArrayList<>();

  JobCursorWindowTest() {
    for (int i = 9; i >= 0; i--) {
      items.add(new JobCursor(T.plusSeconds(i), new UUID(0, i)));
    }
  }

  private JobCursor.Window<JobCursor> window(JobCursor after, JobCursor before) {
    // shuffled on purpose: the window sorts
    List<JobCursor> shuffled = new ArrayList<>(items);
    java.util.Collections.rotate(shuffled, 4);
    return JobCursor.window(shuffled, Function.identity(), new JobQuery(3, after, before, null,
        null));
  }

  @Test
  void theNewestPageHasNoWayBack() {
    JobCursor.Window<JobCursor> w = window(null, null);
    assertThat(w.items()).containsExactlyElementsOf(items.subList(0, 3));
    assertThat(w.next()).isEqualTo(items.get(2));
    assertThat(w.previous()).isNull();
  }

  @Test
  void afterAndBeforeAreInverses() {
    JobCursor.Window<JobCursor> second = window(items.get(2), null);
    JobCursor.Window<JobCursor> third = window(second.next(), null);
    assertThat(second.items()).containsExactlyElementsOf(items.subList(3, 6));
    assertThat(third.items()).containsExactlyElementsOf(items.subList(6, 9));

    JobCursor.Window<JobCursor> back = window(null, third.previous());
    assertThat(back.items()).containsExactlyElementsOf(second.items());
    assertThat(back.next()).isEqualTo(second.next());
    assertThat(back.previous()).isEqualTo(items.get(3));
  }

  @Test
  void theLastPageHasNoNextAndBeforeNearTheTopIsTheNewestPage() {
    JobCursor.Window<JobCursor> last = window(items.get(8), null);
    assertThat(last.items()).containsExactly(items.get(9));
    assertThat(last.next()).isNull();

    // fewer than a page newer than the cursor: the page is those, and it is the newest
    JobCursor.Window<JobCursor> top = window(null, items.get(2));
    assertThat(top.items()).containsExactlyElementsOf(items.subList(0, 2));
    assertThat(top.previous()).isNull();
    assertThat(top.next()).isEqualTo(items.get(1));
  }

  @Test
  void pastEitherEndIsEmptyWithTheWayBack() {
    JobCursor.Window<JobCursor> past = window(items.get(9), null);
    assertThat(past.items()).isEmpty();
    assertThat(past.next()).isNull();
    assertThat(past.previous()).isEqualTo(items.get(9));

    JobCursor.Window<JobCursor> beforeAll = window(null, items.get(0));
    assertThat(beforeAll.items()).isEmpty();
    assertThat(beforeAll.previous()).isNull();
    assertThat(beforeAll.next()).isEqualTo(items.get(0));
  }
}
