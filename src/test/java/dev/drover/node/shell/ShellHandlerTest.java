package dev.drover.node.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.drover.node.WorkContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShellHandlerTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Duration AWAIT = Duration.ofSeconds(10);

  @TempDir Path dir;

  private final ShellHandler handler = new ShellHandler(Duration.ofSeconds(5));
  private final ExecutorService background = Executors.newCachedThreadPool();
  /** Every context a test made, cancelled after it so no line outlives the test. */
  private final List<TestContext> contexts = new CopyOnWriteArrayList<>();
  /** Every pid a test learned of, killed after it even when it failed. */
  private final List<Long> pids = new CopyOnWriteArrayList<>();

  @AfterEach
  void killEverythingStarted() {
    contexts.forEach(TestContext::cancel);
    for (long pid : pids) {
      ProcessHandle.of(pid).ifPresent(p -> {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      });
    }
    background.shutdownNow();
  }

  @Test
  void aFailingLineEndsTheScriptWithItsExitCode() throws Exception {
    // given a script whose second of three lines exits 3 and whose third would leave a marker
    Path marker = dir.resolve("third-line-ran");
    JsonNode input = script("echo first", "exit 3", "touch '" + marker + "'");
    TestContext context = context();

    // when it runs
    JsonNode result = handler.handle(input, context);

    // then the result carries the failing line's exit code, and the third line never ran
    assertThat(result).isEqualTo(json("{\"exitCode\":3}"));
    assertThat(marker).doesNotExist();
    assertThat(context.lines()).containsExactly("first");
  }

  @Test
  void aScriptWhoseLinesAllSucceedReturnsExitCodeZero() throws Exception {
    // given a script whose lines all succeed
    JsonNode input = script("true", "echo ok");

    // when it runs
    JsonNode result = handler.handle(input, context());

    // then its exit code is 0
    assertThat(result).isEqualTo(json("{\"exitCode\":0}"));
  }

  @Test
  void stdoutAndStderrArriveAsPayloadsOfTheirOwnStream() throws Exception {
    // given a line that writes once to stdout and once to stderr
    JsonNode input = script("echo out; echo err 1>&2");
    TestContext context = context();

    // when it runs
    handler.handle(input, context);

    // then each line comes as a payload tagged with the stream it was written to
    assertThat(context.payloads()).containsExactlyInAnyOrder(
        json("{\"stream\":\"stdout\",\"line\":\"out\"}"),
        json("{\"stream\":\"stderr\",\"line\":\"err\"}"));
  }

  @Test
  void linesRunInOrderAndEachLinesOutputComesBeforeTheNextLines() throws Exception {
    // given lines writing to alternating streams
    JsonNode input = script("echo one", "echo two 1>&2", "echo three", "echo four 1>&2");
    TestContext context = context();

    // when it runs
    handler.handle(input, context);

    // then the payloads come line by line, in script order
    assertThat(context.payloads()).containsExactly(
        json("{\"stream\":\"stdout\",\"line\":\"one\"}"),
        json("{\"stream\":\"stderr\",\"line\":\"two\"}"),
        json("{\"stream\":\"stdout\",\"line\":\"three\"}"),
        json("{\"stream\":\"stderr\",\"line\":\"four\"}"));
  }

  @Test
  void envGivenInTheInputIsVisibleToTheLines() throws Exception {
    // given an env entry in the input
    ObjectNode input = script("echo $GREETING");
    input.putObject("env").put("GREETING", "hello from drover");
    TestContext context = context();

    // when it runs
    handler.handle(input, context);

    // then the line sees it
    assertThat(context.lines()).containsExactly("hello from drover");
  }

  @Test
  void linesRunInTheGivenDirectory() throws Exception {
    // given a working directory in the input
    ObjectNode input = script("pwd -P");
    input.put("dir", dir.toString());
    TestContext context = context();

    // when it runs
    handler.handle(input, context);

    // then the line runs there
    assertThat(context.lines()).containsExactly(dir.toRealPath().toString());
  }

  @Test
  void inheritEnvFalseDropsTheWorkersEnvironmentButKeepsTheGivenEnv() throws Exception {
    // given a worker whose environment has HOME, and input that does not inherit it
    assumeThat(System.getenv("HOME")).isNotBlank();
    ObjectNode input = script("echo \"[${HOME:-none}] $ONLY\"");
    input.put("inheritEnv", false);
    input.putObject("env").put("ONLY", "given");
    TestContext context = context();

    // when it runs
    handler.handle(input, context);

    // then HOME is unset, while the given env is there
    assertThat(context.lines()).containsExactly("[none] given");
  }

  @Test
  void theWorkersEnvironmentIsInheritedByDefault() throws Exception {
    // given a worker whose environment has HOME, and input that says nothing of inheritEnv
    String home = System.getenv("HOME");
    assumeThat(home).isNotBlank();
    JsonNode input = script("echo \"[${HOME:-none}]\"");
    TestContext context = context();

    // when it runs
    handler.handle(input, context);

    // then the line sees the worker's HOME
    assertThat(context.lines()).containsExactly("[" + home + "]");
  }

  @Test
  void inputWithoutAScriptArrayIsRejected() {
    // given inputs with no script, or a script that is not an array
    JsonNode noScript = json("{\"env\":{\"A\":\"b\"}}");
    JsonNode stringScript = json("{\"script\":\"echo hi\"}");

    // when they are handled, then each fails naming what is missing
    assertThatThrownBy(() -> handler.handle(noScript, context()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("script");
    assertThatThrownBy(() -> handler.handle(stringScript, context()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("script");
  }

  @Test
  void cancelStopsTheRunningLineWithItsChildrenAndGrandchildren() throws Exception {
    // given a line that starts a child sleep and a grandchild sleep, and waits for them
    ObjectNode input = script("echo $$ > leader.pid;"
        + " sh -c 'sleep 60 & echo $! > grandchild.pid; wait' &"
        + " sleep 60 & echo $! > child.pid; wait");
    input.put("dir", dir.toString());
    TestContext context = context();
    CompletableFuture<JsonNode> result = runInBackground(input, context);
    long leader = awaitPid("leader.pid");
    long child = awaitPid("child.pid");
    long grandchild = awaitPid("grandchild.pid");
    assertThat(isAlive(child)).isTrue();
    assertThat(isAlive(grandchild)).isTrue();

    // when the work is cancelled
    context.cancel();

    // then the handler returns, not with success, and no process of the line is left
    await().atMost(AWAIT).until(result::isDone);
    assertThat(result.join().get("exitCode").asInt()).isNotZero();
    await().atMost(AWAIT).untilAsserted(() -> {
      assertThat(isAlive(leader)).as("line's shell").isFalse();
      assertThat(isAlive(child)).as("child sleep").isFalse();
      assertThat(isAlive(grandchild)).as("grandchild sleep").isFalse();
    });
  }

  @Test
  void cancelStopsProcessesALineLeftRunningAfterItsShellExited() throws Exception {
    // given a line whose shell exits at once, leaving a sleep behind that holds its stdout
    ObjectNode input = script("sleep 60 & echo $! > child.pid");
    input.put("dir", dir.toString());
    TestContext context = context();
    CompletableFuture<JsonNode> result = runInBackground(input, context);
    long child = awaitPid("child.pid");

    // when the work is cancelled
    context.cancel();

    // then the handler returns and the sleep is gone
    await().atMost(AWAIT).until(result::isDone);
    await().atMost(AWAIT).until(() -> !isAlive(child));
  }

  @Test
  void cancelKillsAProcessThatIgnoresSigtermAfterTheGracePeriod() throws Exception {
    // given a handler with a short grace period, and a line whose long runner survives SIGTERM
    // (it notes each SIGTERM in a file, then carries on)
    ShellHandler shortGrace = new ShellHandler(Duration.ofMillis(500));
    ObjectNode input = script("echo $$ > leader.pid;"
        + " sh -c 'trap \"echo TERM >> term.log\" TERM; echo $$ > stubborn.pid;"
        + " while true; do sleep 1; done'");
    input.put("dir", dir.toString());
    TestContext context = context();
    CompletableFuture<JsonNode> result = runInBackground(shortGrace, input, context);
    long leader = awaitPid("leader.pid");
    long stubborn = awaitPid("stubborn.pid");

    // when the work is cancelled
    context.cancel();

    // then the long runner gets SIGTERM and lives on past it...
    await().atMost(AWAIT).until(() -> Files.exists(dir.resolve("term.log")));
    // ...until SIGKILL ends it, and the handler returns
    await().atMost(AWAIT).untilAsserted(() -> {
      assertThat(isAlive(stubborn)).as("SIGTERM-ignoring shell").isFalse();
      assertThat(isAlive(leader)).as("line's shell").isFalse();
    });
    await().atMost(AWAIT).until(result::isDone);
    assertThat(result.join().get("exitCode").asInt()).isNotZero();
  }

  @Test
  void cancelStopsTheScriptEvenWhenTheRunningLineExitsZero() throws Exception {
    // given a script whose first line runs until SIGTERM and then exits 0 (a success, so only
    // the cancellation can keep the second line, which leaves a marker, from running)
    Path marker = dir.resolve("second-line-ran");
    ObjectNode input = script(
        "trap 'exit 0' TERM; echo $$ > leader.pid; while true; do sleep 0.1; done",
        "touch '" + marker + "'");
    input.put("dir", dir.toString());
    TestContext context = context();
    CompletableFuture<JsonNode> result = runInBackground(input, context);
    awaitPid("leader.pid");

    // when the work is cancelled
    context.cancel();

    // then the handler returns and the second line never runs
    await().atMost(AWAIT).until(result::isDone);
    assertThat(marker).doesNotExist();
  }

  // --- helpers ---

  private TestContext context() {
    TestContext context = new TestContext();
    contexts.add(context);
    return context;
  }

  private CompletableFuture<JsonNode> runInBackground(JsonNode input, TestContext context) {
    return runInBackground(handler, input, context);
  }

  private CompletableFuture<JsonNode> runInBackground(
      ShellHandler shell, JsonNode input, TestContext context) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return shell.handle(input, context);
      } catch (Exception e) {
        throw new CompletionException(e);
      }
    }, background);
  }

  /** Waits until {@code name} in the temp dir holds a pid, and records it for the clean-up. */
  private long awaitPid(String name) {
    Path file = dir.resolve(name);
    long pid = await().atMost(AWAIT).until(() -> readPid(file), Optional::isPresent).orElseThrow();
    pids.add(pid);
    return pid;
  }

  private static Optional<Long> readPid(Path file) {
    try {
      String text = Files.exists(file) ? Files.readString(file).trim() : "";
      return text.matches("\\d+") ? Optional.of(Long.parseLong(text)) : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean isAlive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private static ObjectNode script(String... lines) {
    ObjectNode input = MAPPER.createObjectNode();
    ArrayNode script = input.putArray("script");
    for (String line : lines) {
      script.add(line);
    }
    return input;
  }

  private static JsonNode json(String text) {
    try {
      return MAPPER.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Records payloads; cancel runs the onCancel actions on a thread of their own. */
  private static final class TestContext implements WorkContext {
    private final List<JsonNode> payloads = new CopyOnWriteArrayList<>();
    private final List<Runnable> cancelActions = new ArrayList<>();
    private final AtomicBoolean cancelled = new AtomicBoolean();

    @Override
    public String workId() {
      return "test-work";
    }

    @Override
    public void emit(JsonNode payload) {
      payloads.add(payload);
    }

    @Override
    public boolean isCancelled() {
      return cancelled.get();
    }

    @Override
    public void onCancel(Runnable action) {
      synchronized (cancelActions) {
        if (!cancelled.get()) {
          cancelActions.add(action);
          return;
        }
      }
      runAside(action);
    }

    void cancel() {
      List<Runnable> actions;
      synchronized (cancelActions) {
        if (!cancelled.compareAndSet(false, true)) {
          return;
        }
        actions = List.copyOf(cancelActions);
      }
      actions.forEach(TestContext::runAside);
    }

    List<JsonNode> payloads() {
      return List.copyOf(payloads);
    }

    /** The text of every payload, in order. */
    List<String> lines() {
      return payloads.stream().map(p -> p.get("line").asText()).collect(Collectors.toList());
    }

    private static void runAside(Runnable action) {
      Thread thread = new Thread(action, "test-cancel");
      thread.setDaemon(true);
      thread.start();
    }
  }
}
