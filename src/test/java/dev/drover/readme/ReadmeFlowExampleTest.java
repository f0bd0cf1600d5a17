package dev.drover.readme;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.drover.flow.ExecutionState;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The README's flow example runs with only what the README says: its own actor system on
 * {@code FlowConfig.forDataDir(Path.of(".drover"))}, no cluster role or other setting added.
 */
class ReadmeFlowExampleTest {
  private static final Path DATA = Path.of(".drover");

  @TempDir Path dir;

  @Test
  void theFlowExampleStartsItsExecution() throws Exception {
    // given the README's flow example, followed only by a line handing over what it started
    ReadmeSnippets.Snippet example = ReadmeSnippets.javaBlocks().stream()
        .filter(s -> s.code().contains("FlowService.start(system)"))
        .findFirst().orElseThrow(() -> new AssertionError("README has no flow example"));
    Path source = dir.resolve(ReadmeExamplesTest.unitName(example) + ".java");
    Files.writeString(source, ReadmeExamplesTest.unit(example, "started(system, flows);\n"));
    Path classes = dir.resolve("classes");
    assertThat(ReadmeSnippets.compile(List.of(source), classes)).isEmpty();

    boolean hadData = Files.exists(DATA);
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
      if (!hadData) {
        deleteTree(DATA);
      }
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> files = Files.walk(root)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
