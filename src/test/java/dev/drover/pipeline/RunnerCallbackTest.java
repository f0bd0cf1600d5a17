package dev.drover.pipeline;

import static dev.drover.pipeline.RunnerKit.get;
import static dev.drover.pipeline.RunnerKit.task;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.drover.flow.CompletionResult.Outcome;
import dev.drover.pipeline.PipelineApi.JobView;
import dev.drover.pipeline.PipelineApi.TaskView;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tasks with {@code await_callback} (a Drover addition; prunner has no such tasks): the script
 * runs with its callback URL and token in its environment, then the task waits for a third
 * party to complete it with that token, or for its timeout.
 */
class RunnerCallbackTest {
  private static final String PIPELINES = """
      pipelines:
        approval:
          tasks:
            ask:
              await_callback: true
              script:
                - echo "$DROVER_CALLBACK_URL"
                - echo "$DROVER_CALLBACK_TOKEN"
            after:
              depends_on: [ask]
              script: [echo approved]

        approval_timeout:
          tasks:
            ask:
              await_callback: true
              timeout: 500ms
              script: [echo asked]
      """;

  @TempDir static Path dir;
  static RunnerKit kit;

  @BeforeAll
  static void startRunner() {
    kit = new RunnerKit(dir.resolve("data"), PIPELINES);
  }

  @AfterAll
  static void stopRunner() throws Exception {
    kit.close();
  }

  @Test
  void taskAwaitingACallbackEndsWhenCompletedWithItsTokenAndOnlyOnce() {
    // given a job whose task printed its callback URL and token and now waits
    UUID id = kit.schedule("approval", Map.of()).id();
    kit.until(id, j -> kit.stdout(id, "ask").lines().count() == 2);
    List<String> printed = kit.stdout(id, "ask").lines().toList();
    assertThat(printed.get(0))
        .isEqualTo("http://127.0.0.1:9009/api/v1/jobs/" + id + "/tasks/ask/complete");
    String token = printed.get(1);
    assertThat(token).isNotBlank();
    assertThat(task(kit.job(id), "ask").status()).isEqualTo("running");

    // when a completion comes with a wrong token, then it is refused and the task still waits
    assertThat(get(kit.runner.completeTask(id, "ask", token + "x", true, null, null)).outcome())
        .isEqualTo(Outcome.BAD_TOKEN);
    assertThat(kit.job(id).completed()).isFalse();

    // when it is completed with its token
    assertThat(get(kit.runner.completeTask(id, "ask", token, true, TextNode.valueOf("yes"), null))
        .outcome()).isEqualTo(Outcome.ACCEPTED);

    // then the job goes on and ends done
    JobView end = kit.completed(id);
    assertThat(end.errored()).isFalse();
    assertThat(end.tasks()).extracting(TaskView::status).containsOnly("done");
    assertThat(kit.stdout(id, "after")).isEqualTo("approved\n");
    // and a second completion is refused as already completed
    assertThat(get(kit.runner.completeTask(id, "ask", token, true, null, null)).outcome())
        .isEqualTo(Outcome.ALREADY_COMPLETED);
  }

  @Test
  void taskAwaitingACallbackThatNeverComesFailsWhenItsTimeoutPasses() {
    // given a task awaiting a callback with a timeout of 500 ms
    // when nobody completes it
    JobView end = kit.completed(kit.schedule("approval_timeout", Map.of()).id());

    // then it ends in error, timed out, and so does the job
    TaskView ask = task(end, "ask");
    assertThat(ask.status()).isEqualTo("error");
    assertThat(ask.errored()).isTrue();
    assertThat(ask.error()).isEqualTo("attempt 1 timed out");
    assertThat(end.errored()).isTrue();
    assertThat(end.end()).isNotNull();
  }
}
