package dev.drover.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The paging contract of the lists, on the real runner: a page of at most {@code limit} jobs
 * (100 unless given), newest first, a {@code nextCursor} while more follow, no job twice or
 * missed across pages even when jobs are scheduled between them; variables cut in lists and
 * whole in the job's own route; bad paging parameters refused with 400; filters by pipeline and
 * status, on every page, and the way back to newer jobs with {@code before}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunnerListPagingTest {
  private static final int JOBS = 230;
  private static final String BLOB = "b".repeat(20_000);

  private ServedRunner served;
  private final List<UUID> scheduled = new ArrayList<>();
  /** Jobs of pipeline other, older than all of scheduled, each done. */
  private final List<UUID> others = new ArrayList<>();

  @BeforeAll
  void scheduleManyJobsWithLargeVariables(@TempDir Path dir) {
    // jobs that wait (start_delay) so that the list holds them all, each with 20 KB of variables
    served = new ServedRunner(dir, """
        pipelines:
          waits:
            start_delay: 1h
            tasks:
              t:
                script: ["true"]
          other:
            tasks:
              t:
                script: ["true"]
        """);
    for (int i = 0; i < 3; i++) {
      others.add(served.kit.completed(served.kit.schedule("other", Map.of()).id()).id());
    }
    for (int i = 0; i < JOBS; i++) {
      // the large variable first: it must not crowd the small one out of the list
      Map<String, Object> variables = new LinkedHashMap<>();
      variables.put("blob", BLOB);
      variables.put("n", i);
      scheduled.add(served.kit.schedule("waits", variables).id());
    }
  }

  @AfterAll
  void stop() throws Exception {
    served.close();
  }

  @Test
  void jobListsArePagedNewestFirstWithoutRepeatsOrGaps() {
    // given 230 jobs
    // when the list is read page by page, with a job scheduled between the first two pages
    List<String> seen = new ArrayList<>();
    JsonNode first = ServedRunner.json(served.get("/api/v1/jobs"));
    UUID late = served.kit.schedule("waits", Map.of("n", "late")).id();
    JsonNode page = first;
    int pages = 1;
    while (true) {
      page.get("jobs").forEach(j -> seen.add(j.get("id").asText()));
      if (!page.has("nextCursor")) {
        break;
      }
      page = ServedRunner.json(served.get("/api/v1/jobs?cursor=" + page.get("nextCursor").asText()));
      pages++;
    }

    // then 100 per page by default, newest first, every job once, and the late one on no page
    // after the first (it is newer than all of them)
    assertThat(first.get("jobs")).hasSize(100);
    assertThat(pages).isEqualTo(3);
    assertThat(seen).hasSize(JOBS + others.size()).doesNotHaveDuplicates()
        .doesNotContain(late.toString());
    List<String> newestFirst = new ArrayList<>(scheduled.stream().map(UUID::toString).toList());
    newestFirst.addAll(0, others.stream().map(UUID::toString).toList());
    java.util.Collections.reverse(newestFirst);
    assertThat(seen).containsExactlyElementsOf(newestFirst);
    served.kit.runner.cancel(late);
  }

  @Test
  void aListCutsVariablesAndTheJobShowsThemWhole() {
    // given jobs with 20 KB of variables each
    // when the first page is listed, on both APIs
    HttpResponse<String> drover = served.get("/api/v1/jobs");
    HttpResponse<String> prunner = served.get("/pipelines/jobs");

    // then each listed job shows at most 4 KiB of them, says so, and the page stays small
    for (HttpResponse<String> r : List.of(drover, prunner)) {
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body().length()).isLessThan(100 * 5 * 1024);
      List<JsonNode> large = new ArrayList<>();
      ServedRunner.json(r).get("jobs").forEach(j -> {
        if (scheduled.contains(UUID.fromString(j.get("id").asText()))) {
          large.add(j);
        }
      });
      assertThat(large).hasSizeGreaterThan(90).allSatisfy(job -> {
        assertThat(job.get("variablesTruncated").asBoolean()).isTrue();
        assertThat(job.at("/variables/blob").asText()).hasSizeLessThan(1024).endsWith("…");
        assertThat(job.at("/variables/n").isInt()).isTrue();
      });
    }
    // and the job's own routes show them whole
    String id = scheduled.get(0).toString();
    for (String path : List.of("/api/v1/jobs/" + id, "/job/detail?id=" + id)) {
      JsonNode job = ServedRunner.json(served.get(path));
      assertThat(job.at("/variables/blob").asText()).isEqualTo(BLOB);
      assertThat(job.has("variablesTruncated")).isFalse();
    }
  }

  @Test
  void aLimitAndPrunnersRouteArePagedAlike() {
    // when pages of 7 are asked of both APIs
    JsonNode drover = ServedRunner.json(served.get("/api/v1/jobs?limit=7"));
    JsonNode prunner = ServedRunner.json(served.get("/pipelines/jobs?limit=7"));
    JsonNode next = ServedRunner.json(served.get("/pipelines/jobs?limit=7&cursor="
        + prunner.get("nextCursor").asText()));

    // then each has 7 jobs, the same ones, and prunner's route still lists every pipeline
    assertThat(drover.get("jobs")).hasSize(7);
    assertThat(prunner.get("jobs")).hasSize(7);
    assertThat(prunner.get("jobs").get(0).get("id")).isEqualTo(drover.get("jobs").get(0).get("id"));
    assertThat(prunner.get("pipelines")).hasSize(2);
    Set<String> both = new HashSet<>();
    prunner.get("jobs").forEach(j -> both.add(j.get("id").asText()));
    next.get("jobs").forEach(j -> both.add(j.get("id").asText()));
    assertThat(both).hasSize(14);
  }

  @Test
  void pipelinesArePagedByNameWhenALimitIsGiven() {
    // when pipelines are listed one per page, and without a limit
    JsonNode first = ServedRunner.json(served.get("/api/v1/pipelines?limit=1"));
    JsonNode second = ServedRunner.json(served.get("/api/v1/pipelines?limit=1&cursor="
        + first.get("nextCursor").asText()));
    JsonNode all = ServedRunner.json(served.get("/pipelines"));

    // then by name, one each, and all of them without a limit
    assertThat(first.at("/pipelines/0/pipeline").asText()).isEqualTo("other");
    assertThat(second.at("/pipelines/0/pipeline").asText()).isEqualTo("waits");
    assertThat(second.has("nextCursor")).isFalse();
    assertThat(all.get("pipelines")).hasSize(2);
    assertThat(all.has("nextCursor")).isFalse();
  }

  @Test
  void jobsAreFilteredByPipelineAndStatusOnEveryPage() {
    // given 230 waiting jobs of waits and, older than them, 3 done jobs of other
    // when the done jobs are listed, and the waiting jobs of waits page by page
    JsonNode done = ServedRunner.json(served.get("/api/v1/jobs?status=done"));
    JsonNode otherWaiting = ServedRunner.json(served.get("/api/v1/jobs?pipeline=other&status=waiting"));
    List<String> waiting = new ArrayList<>();
    String query = "/api/v1/jobs?pipeline=waits&status=waiting&limit=100";
    JsonNode page = ServedRunner.json(served.get(query));
    JsonNode second = null;
    while (true) {
      page.get("jobs").forEach(j -> waiting.add(j.get("id").asText()));
      if (!page.has("nextCursor")) {
        break;
      }
      page = ServedRunner.json(served.get(query + "&cursor=" + page.get("nextCursor").asText()));
      second = second == null ? page : second;
    }

    // then the done ones are other's three, newest first, on a page with no way back or on
    assertThat(done.get("jobs")).extracting(j -> j.get("id").asText())
        .containsExactly(others.get(2).toString(), others.get(1).toString(),
            others.get(0).toString());
    assertThat(done.has("nextCursor")).isFalse();
    assertThat(done.has("prevCursor")).isFalse();
    assertThat(otherWaiting.get("jobs")).isEmpty();
    // and page 2 of the waiting ones is reachable and they are every scheduled job of waits
    assertThat(second).isNotNull();
    assertThat(second.get("jobs")).hasSize(100)
        .allSatisfy(j -> assertThat(j.get("pipeline").asText()).isEqualTo("waits"));
    assertThat(waiting).containsAll(scheduled.stream().map(UUID::toString).toList())
        .doesNotContainAnyElementsOf(others.stream().map(UUID::toString).toList());
  }

  @Test
  void beforeGoesBackToTheNewerPage() {
    // given pages of 50 waiting jobs of waits
    String query = "/api/v1/jobs?pipeline=waits&status=waiting&limit=50";
    JsonNode first = ServedRunner.json(served.get(query));
    JsonNode second = ServedRunner.json(served.get(query + "&cursor="
        + first.get("nextCursor").asText()));
    JsonNode third = ServedRunner.json(served.get(query + "&cursor="
        + second.get("nextCursor").asText()));

    // when the page before the third is asked for with its prevCursor, and the one before that
    JsonNode back = ServedRunner.json(served.get(query + "&before="
        + third.get("prevCursor").asText()));
    JsonNode backAgain = ServedRunner.json(served.get(query + "&before="
        + back.get("prevCursor").asText()));

    // then they are the second and the first pages again, the first with no way further back
    assertThat(first.has("prevCursor")).isFalse();
    assertThat(ids(back)).isEqualTo(ids(second));
    assertThat(back.get("nextCursor")).isEqualTo(second.get("nextCursor"));
    assertThat(ids(backAgain)).isEqualTo(ids(first));
    assertThat(backAgain.has("prevCursor")).isFalse();
  }

  @Test
  void anUnknownStatusIs400() {
    HttpResponse<String> r = served.get("/api/v1/jobs?status=finished");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(ServedRunner.json(r).get("error").asText())
        .contains("finished").contains("waiting, running, done, error, canceled");
    assertThat(served.get("/api/v1/jobs?before=nonsense").statusCode()).isEqualTo(400);
  }

  private static List<String> ids(JsonNode page) {
    List<String> ids = new ArrayList<>();
    page.get("jobs").forEach(j -> ids.add(j.get("id").asText()));
    return ids;
  }

  @Test
  void badPagingParametersAre400() {
    for (String query : List.of("limit=0", "limit=1001", "limit=ten", "cursor=nonsense",
        "cursor=" + UUID.randomUUID())) {
      for (String path : List.of("/api/v1/jobs?", "/pipelines/jobs?")) {
        HttpResponse<String> r = served.get(path + query);
        assertThat(r.statusCode()).as(path + query).isEqualTo(400);
        assertThat(ServedRunner.json(r).get("error").asText()).isNotBlank();
      }
    }
    assertThat(served.get("/api/v1/pipelines?cursor=nope").statusCode()).isEqualTo(400);
  }
}
