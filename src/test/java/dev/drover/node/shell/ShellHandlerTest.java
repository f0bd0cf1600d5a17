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
  void linesRunInOrderAndEachStreamKeepsTheOrderItWasWrittenIn() throws Exception {
    // given lines writing to alternating streams, in one shell session
    JsonNode input = script("echo one", "echo two 1>&2", "echo three", "echo four 1>&2");
    TestContext context = context();

    // when it runs
    handler.handle(input, context);

    // then each stream holds its lines in script order (the two streams are two pipes, read
    // side by side: how they interleave is not kept, as in prunner)
    assertThat(context.payloads()).filteredOn(p -> p.get("stream").asText().equals("stdout"))
        .containsExactly(json("{\"stream\":\"stdout\",\"line\":\"one\"}"),
            json("{\"stream\":\"stdout\",\"line\":\"three\"}"));
    assertThat(context.payloads()).filteredOn(p -> p.get("stream").asText().equals("stderr"))
        .containsExactly(json("{\"stream\":\"stderr\",\"line\":\"two\"}"),
            json("{\"stream\":\"stderr\",\"line\":\"four\"}"));
  }

  @Test
  void perLineLinesComeLineByLineAcrossStreams() throws Exception {
    // given lines writing to alternating streams, each in a shell of its own
    ObjectNode input = script("echo one", "echo two 1>&2", "echo three", "echo four 1>&2");
    input.put("shell", "per-line");
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
  void stateCarriesFromLineToLineInOneShell() throws Exception {
    // given lines that change directory, set a variable, define functions (both ways, the
    // second with bash's keyword), and test with [[ ]]
    Files.createDirectories(dir.resolve("build"));
    ObjectNode input = script(
        "cd build",
        "FOO=bar",
        "greet() { echo \"hello $1\"; }",
        "function shout { echo LOUD; }",
        "[[ -n $FOO && $FOO == b* ]] && echo \"in $(basename \"$PWD\") FOO=$FOO\"",
        "greet world",
        "shout");
    input.put("dir", dir.toString());
    TestContext context = context();

    // when it runs
    JsonNode result = handler.handle(input, context);

    // then every line saw what the ones before it left
    assertThat(result.get("exitCode").asInt()).isZero();
    assertThat(context.lines()).containsExactly("in build FOO=bar", "hello world", "LOUD");
  }

  @Test
  void aLineReadingStandardInputReadsNothingAndTheLinesAfterItStillRun() throws Exception {
    // given a line that reads its standard input to the end, then more lines
    JsonNode input = script("cat; echo \"read: $(cat | wc -c)\"", "echo next");
    TestContext context = context();

    // when it runs
    handler.handle(input, context);

    // then it read nothing (not the script), and the next line ran
    assertThat(context.lines()).containsExactly("read: 0", "next");
  }

  @Test
  void withAllowFailureTheRemainingLinesRunAndTheScriptEndsWithZero() throws Exception {
    // given a script whose second line fails, run with allowFailure (prunner's allow_failure)
    ObjectNode input = script("echo first", "false", "echo third");
    input.put("allowFailure", true);
    TestContext context = context();

    // when it runs
    JsonNode result = handler.handle(input, context);

    // then the third line ran and the script ended with 0
    assertThat(context.lines()).containsExactly("first", "third");
    assertThat(result.get("exitCode").asInt()).isZero();
  }

  @Test
  void theOutputIsExactlyWhatTheLinesWroteNoNewlineAddedCarriageReturnsKept() throws Exception {
    // given lines that write without a final newline, with carriage returns and a bad byte
    JsonNode input = script("printf 'a\\rb'", "printf 'c\\r\\n\\377'");
    TestContext context = context();

    // when it runs
    handler.handle(input, context);

    // then the bytes are those, in order
    assertThat(context.stdoutBytes()).containsExactly('a', '\r', 'b', 'c', '\r', '\n', 0xff);
  }

  @Test
  void eachLinesOutputArrivesWhileTheNextLineStillRuns() throws Exception {
    // given a line that writes, then a line that waits for a gate
    ObjectNode input = script("echo first", "while [ ! -f gate ]; do sleep 0.02; done",
        "echo last");
    input.put("dir", dir.toString());
    TestContext context = context();
    CompletableFuture<JsonNode> result = runInBackground(input, context);

    // then the first line's output arrives while the second line waits
    await().atMost(AWAIT).until(() -> context.lines().contains("first"));
    assertThat(result).isNotDone();
    Files.writeString(dir.resolve("gate"), "");
    await().atMost(AWAIT).until(result::isDone);
    assertThat(context.lines()).containsExactly("first", "last");
  }

  @Test
  void cancelSendsSigintFirstByDefault() throws Exception {
    // given a line that notes SIGINT in a file and then exits
    ObjectNode input = script("trap 'echo INT > int.log; exit 5' INT; echo $$ > leader.pid;"
        + " while true; do sleep 0.05; done");
    input.put("dir", dir.toString());
    TestContext context = context();
    CompletableFuture<JsonNode> result = runInBackground(input, context);
    awaitPid("leader.pid");

    // when the work is cancelled
    context.cancel();

    // then the script got SIGINT, as prunner sends it
    await().atMost(AWAIT).until(result::isDone);
    assertThat(Files.readString(dir.resolve("int.log")).trim()).isEqualTo("INT");
  }

  @Test
  void perLineLinesShareNoState() throws Exception {
    // given lines that set and read a variable, each in a shell of its own
    ObjectNode input = script("FOO=bar", "echo \"[$FOO]\"");
    input.put("shell", "per-line");
    TestContext context = context();

    // when it runs
    handler.handle(input, context);

    // then the second line does not see the first line's variable
    assertThat(context.lines()).containsExactly("[]");
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
  void cancelKillsAProcessThatIgnoresTheCancelSignalAfterTheGracePeriod() throws Exception {
    // given a handler with a short grace period that cancels with SIGTERM, and a line whose
    // long runner survives SIGTERM (it notes each SIGTERM in a file, then carries on)
    ShellHandler shortGrace = new ShellHandler(Duration.ofMillis(500), null, "TERM");
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

    private final java.io.ByteArrayOutputStream stdout = new java.io.ByteArrayOutputStream();

    /**
     * Keeps each line of a chunk of output as a payload {@code {"stream", "line"}}, so tests
     * read the order of lines; the bytes of stdout as they came are kept too.
     */
    @Override
    public void emit(JsonNode payload) {
      byte[] data;
      try {
        data = payload.get("data").binaryValue();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      String stream = payload.get("stream").asText();
      if (stream.equals("stdout")) {
        synchronized (stdout) {
          stdout.writeBytes(data);
        }
      }
      String text = new String(data, java.nio.charset.StandardCharsets.UTF_8);
      for (String line : text.split("\n")) {
        ObjectNode p = MAPPER.createObjectNode();
        p.put("stream", stream);
        p.put("line", line);
        payloads.add(p);
      }
    }

    byte[] stdoutBytes() {
      synchronized (stdout) {
        return stdout.toByteArray();
      }
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
