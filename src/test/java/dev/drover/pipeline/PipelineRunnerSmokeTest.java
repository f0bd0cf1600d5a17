package dev.drover.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.pipeline.PipelineApi.JobView;
import dev.drover.pipeline.PipelineApi.TaskView;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineRunnerSmokeTest {
  @TempDir Path dir;

  @Test
  void jobRunsItsScriptsWithVariablesAndEnvironment() throws Exception {
    try (RunnerKit kit = new RunnerKit(dir, """
        pipelines:
          greet:
            env:
              WHO: pipeline
            tasks:
              hello:
                script:
                  - echo "hello {{ .name }} from $WHO $TASK_NAME"
              after:
                depends_on: [hello]
                env:
                  WHO: task
                script:
                  - echo "$WHO"
        """)) {
      JobView scheduled = kit.schedule("greet", Map.of("name", "world"));
      JobView done = kit.completed(scheduled.id());
      assertThat(done.errored()).isFalse();
      assertThat(done.tasks()).extracting(TaskView::status).containsOnly("done");
      assertThat(done.tasks()).extracting(TaskView::exitCode).containsOnly(0);
      assertThat(kit.stdout(done.id(), "hello")).isEqualTo("hello world from pipeline hello\n");
      assertThat(kit.stdout(done.id(), "after")).isEqualTo("task\n");
      assertThat(done.end()).isNotNull();
      assertThat(done.user()).isEqualTo("tester");
    }
  }
}
