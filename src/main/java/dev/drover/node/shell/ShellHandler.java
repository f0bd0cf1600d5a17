package dev.drover.node.shell;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.drover.node.ProcessTree;
import dev.drover.node.WorkContext;
import dev.drover.node.WorkerHandler;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The built-in handler of the {@code shell} worker kind: runs script lines in order, each with
 * {@code /bin/sh -c} as the leader of its own process group, and stops at the first line that
 * exits non-zero.
 *
 * <p>Input: {@code {"script": ["line", ...], "env": {"NAME": "value"}, "dir": "/path",
 * "inheritEnv": true}} — only {@code script} is required; {@code env} is added to (or, with
 * {@code inheritEnv: false}, replaces) the worker's environment. Each output line is a payload
 * {@code {"stream": "stdout"|"stderr", "line": "..."}}; the result is {@code {"exitCode": n}}.
 * On cancel the running line's process group gets SIGTERM, and SIGKILL after the grace period.
 */
public final class ShellHandler implements WorkerHandler {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  /**
   * Threads that read scripts' stderr while the worker's thread reads stdout. Not the common
   * pool: a reader blocks for as long as its script line runs, and an in-process worker shares
   * that small pool with everything else in the JVM.
   */
  private static final ExecutorService STDERR_READERS = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "drover-shell-stderr");
    t.setDaemon(true);
    return t;
  });

  private final Duration gracePeriod;

  /** @param gracePeriod how long a cancelled line has between SIGTERM and SIGKILL */
  public ShellHandler(Duration gracePeriod) {
    this.gracePeriod = gracePeriod;
  }

  @Override
  public JsonNode handle(JsonNode input, WorkContext context) throws Exception {
    ShellInput shell = ShellInput.parse(input);
    AtomicReference<Process> running = new AtomicReference<>();
    context.onCancel(() -> terminate(running.get()));
    int exitCode = 0;
    for (String line : shell.script()) {
      if (context.isCancelled()) {
        break;
      }
      Process process = start(shell, line);
      running.set(process);
      if (context.isCancelled()) {
        terminate(process);
      }
      CompletableFuture<Void> stderr = CompletableFuture.runAsync(
          () -> forward(process.getErrorStream(), "stderr", context), STDERR_READERS);
      forward(process.getInputStream(), "stdout", context);
      exitCode = process.waitFor();
      stderr.join();
      running.set(null);
      if (exitCode != 0) {
        break;
      }
    }
    ObjectNode result = JSON.objectNode();
    result.put("exitCode", exitCode);
    return result;
  }

  private static Process start(ShellInput shell, String line) throws IOException {
    List<String> command = new ArrayList<>(ProcessTree.newSessionPrefix());
    command.addAll(List.of("/bin/sh", "-c", line));
    ProcessBuilder builder = new ProcessBuilder(command);
    if (shell.dir() != null) {
      builder.directory(new File(shell.dir()));
    }
    Map<String, String> env = builder.environment();
    if (!shell.inheritEnv()) {
      env.clear();
    }
    env.putAll(shell.env());
    Process process = builder.start();
    process.getOutputStream().close();
    return process;
  }

  private static void forward(InputStream in, String stream, WorkContext context) {
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        ObjectNode payload = JSON.objectNode();
        payload.put("stream", stream);
        payload.put("line", line);
        context.emit(payload);
      }
    } catch (IOException e) {
      // the process's pipe closed under us: it was killed, and its exit code says so
    }
  }

  /**
   * SIGTERM to the line's process group, SIGKILL to it after the grace period. Signalled even when
   * the line's shell has exited: processes it left in its group may still hold its output open.
   */
  private void terminate(Process process) {
    if (process == null) {
      return;
    }
    long group = process.pid();
    ProcessTree.signalGroup(group, "TERM");
    CompletableFuture.delayedExecutor(gracePeriod.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
      // the leader may be gone while members of its group live on
      ProcessTree.signalGroup(group, "KILL");
    });
  }

  /** The parsed input of one piece of shell work. */
  record ShellInput(List<String> script, Map<String, String> env, String dir, boolean inheritEnv) {
    static ShellInput parse(JsonNode input) {
      if (input == null || !input.isObject() || !input.path("script").isArray()) {
        throw new IllegalArgumentException(
            "shell work needs an object with a \"script\" array of lines, got " + input);
      }
      List<String> script = new ArrayList<>();
      input.get("script").forEach(l -> script.add(l.asText()));
      Map<String, String> env = new java.util.LinkedHashMap<>();
      JsonNode e = input.path("env");
      if (e.isObject()) {
        for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> f = it.next();
          env.put(f.getKey(), f.getValue().asText());
        }
      }
      JsonNode dir = input.get("dir");
      return new ShellInput(script, env, dir == null || dir.isNull() ? null : dir.asText(),
          input.path("inheritEnv").asBoolean(true));
    }
  }
}
