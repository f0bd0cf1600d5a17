package dev.drover.readme;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.drover.flow.ExecutionState;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The README's flow example runs with only what the README says: its own actor system on
 * {@code FlowConfig.forDataDir(...)}, no cluster role or other setting added. Only its data
 * directory, {@code .drover} in the working directory, becomes a temporary one, so the test
 * writes no journal into the checkout (or into a developer's own {@code .drover}).
 */
class ReadmeFlowExampleTest {
  private static final String DATA = "Path.of(\".drover\")";

  @TempDir Path dir;

  @Test
  void theFlowExampleStartsItsExecution() throws Exception {
    // given the README's flow example, followed only by a line handing over what it started
    ReadmeSnippets.Snippet example = ReadmeSnippets.javaBlocks().stream()
        .filter(s -> s.code().contains("FlowService.start(system)"))
        .findFirst().orElseThrow(() -> new AssertionError("README has no flow example"));
    assertThat(example.code()).as("the flow example's data directory").contains(DATA);
    ReadmeSnippets.Snippet elsewhere = new ReadmeSnippets.Snippet(example.line(),
        example.code().replace(DATA, "Path.of(\"" + dir.resolve("data") + "\")"));
    Path source = dir.resolve(ReadmeExamplesTest.unitName(example) + ".java");
    Files.writeString(source, ReadmeExamplesTest.unit(elsewhere, "started(system, flows);\n"));
    Path classes = dir.resolve("classes");
    assertThat(ReadmeSnippets.compile(List.of(source), classes)).isEmpty();

    ReadmeContext context = null;
    try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
        getClass().getClassLoader())) {
      // another class loader, so another runtime package: its package-private members need this
      Class<?> type = loader.loadClass("dev.drover.readme." + ReadmeExamplesTest.unitName(example));
      var constructor = type.getDeclaredConstructor();
      constructor.setAccessible(true);
      context = (ReadmeContext) constructor.newInstance();
      context.input = JsonNodeFactory.instance.objectNode().put("order", 42);
      context.log = LoggerFactory.getLogger(ReadmeFlowExampleTest.class);

      // when it runs
      var run = type.getDeclaredMethod("example");
      run.setAccessible(true);
      run.invoke(context);

      // then its engine started, and the execution it started is known to it
      Optional<ExecutionState> state = context.startedFlows.get("order-42")
          .toCompletableFuture().get(60, TimeUnit.SECONDS);
      assertThat(state).map(ExecutionState::id).contains("order-42");
    } finally {
      if (context != null && context.startedSystem != null) {
        context.startedSystem.terminate();
        context.startedSystem.getWhenTerminated().toCompletableFuture()
            .get(Duration.ofSeconds(30).toSeconds(), TimeUnit.SECONDS);
      }
    }
  }
}
