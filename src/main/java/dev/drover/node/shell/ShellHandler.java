package dev.drover.node.shell;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.drover.node.ProcessTree;
import dev.drover.node.WorkContext;
import dev.drover.node.WorkerHandler;
import dev.drover.node.process.ProcessGroups;
import dev.drover.node.process.ProcessLedger;
import dev.drover.node.process.SessionSpawner;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The built-in handler of the {@code shell} worker kind: runs a task's script lines in order
 * in <em>one</em> shell — {@code bash} where the system has it, else {@code /bin/sh} — as the
 * leader of a process group of its own, so state carries from line to line ({@code cd},
 * variables, functions), as prunner's shell interpreter does. A line that exits non-zero ends
 * the script with its exit code; with {@code allowFailure} the remaining lines run and the
 * script ends with 0 (prunner's {@code allow_failure}).
 *
 * <p>Each line is read and parsed on its own ({@code eval} of one line at a time, fed to the
 * shell through its standard input, which the lines themselves never see: they read
 * {@code /dev/null}), so a line is parsed exactly as {@code sh -c} would parse it alone.
 * {@code "shell": "per-line"} runs each line with its own {@code /bin/sh -c} instead, in a
 * process group of its own, and no state carries over.
 *
 * <p>Input: {@code {"script": ["line", ...], "env": {"NAME": "value"}, "dir": "/path",
 * "inheritEnv": true, "fence": "execution/task", "shell": "session"|"per-line",
 * "allowFailure": false}} — only {@code script} is required; {@code env} is added to (or, with
 * {@code inheritEnv: false}, replaces) the worker's environment. Output goes out as it is read,
 * byte for byte: payloads {@code {"stream": "stdout"|"stderr", "data": <bytes>}}; the result is
 * {@code {"exitCode": n}}. On cancel the script's process group gets the cancel signal (SIGINT
 * by default, as prunner), and SIGKILL after the grace period.
 *
 * <p>The shell is started as the leader of a new session with {@code posix_spawn} and
 * {@code POSIX_SPAWN_SETSID} ({@link SessionSpawner}): one exec per script. Where that cannot
 * be bound (not Linux, glibc older than 2.34, or the system property
 * {@code drover.shell.no-posix-spawn=true}), through the JDK's {@link ProcessBuilder} and
 * {@code setsid}, an exec more.
 *
 * <p>With a process directory, every group is recorded in the JVM's {@link ProcessLedger}
 * before it starts, and what a script leaves behind in its group is killed when it ends; with a
 * {@code fence}, groups still recorded for the same fence (an earlier attempt of the same task,
 * by whatever worker) are killed and confirmed gone first.
 */
public final class ShellHandler implements WorkerHandler {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  /** The largest piece of output read, and sent, at once. */
  static final int CHUNK = 32 * 1024;
  /**
   * The longest single-line script passed to the shell as an argument; a longer one goes
   * through the driver's standard input, as Linux limits one argument to 128 KiB.
   */
  private static final int SHORT_LINE = 32 * 1024;
  /** How long an ended script's leftover processes, or an earlier attempt's, get to die. */
  private static final Duration CONFIRM = Duration.ofSeconds(10);
  /**
   * The shell of a session: bash, whose dialect prunner's interpreter (mvdan/sh) speaks —
   * {@code [[ ]]}, {@code function f}, arrays — where installed; else the POSIX shell.
   */
  public static final String SESSION_SHELL = Files.isExecutable(Path.of("/bin/bash"))
      ? "/bin/bash" : Files.isExecutable(Path.of("/usr/bin/bash")) ? "/usr/bin/bash" : "/bin/sh";
  /**
   * The session's driver: reads one line at a time from fd 3 (the JVM's pipe, framed as
   * {@code +text} lines ended by a {@code .} line), evals it with fd 3 closed, and ends at the
   * first failing line unless failures are allowed. Its own names start with {@code __drover_}.
   */
  private static final String DRIVER = """
      __drover_allow=$1; shift
      exec 3<&0 </dev/null
      trap 'exit 130' INT
      trap 'exit 143' TERM
      __drover_nl='
      '
      __drover_line=
      while IFS= read -r __drover_in <&3; do
        case $__drover_in in
          +*) __drover_line=$__drover_line${__drover_in#+}$__drover_nl ;;
          .) eval "$__drover_line" 3<&-
             __drover_status=$?
             __drover_line=
             if [ "$__drover_status" -ne 0 ] && [ "$__drover_allow" != 1 ]; then
               exit "$__drover_status"
             fi ;;
        esac
      done
      exit 0
      """;
  /**
   * Threads that read scripts' stderr and feed sessions their lines while the worker's thread
   * reads stdout. Not the common pool: each blocks for as long as its script runs, and an
   * in-process worker shares that small pool with everything else in the JVM.
   */
  private static final ExecutorService PIPES = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "drover-shell-pipe");
    t.setDaemon(true);
    return t;
  });

  private final Duration gracePeriod;
  private final ProcessLedger ledger;
  private final ProcessGroups.Signal cancelSignal;

  /** A handler that records no process groups and cancels with SIGINT: for tests and tools. */
  public ShellHandler(Duration gracePeriod) {
    this(gracePeriod, null, "INT");
  }

  /**
   * @param gracePeriod how long a cancelled script has between the cancel signal and SIGKILL
   * @param processDir where the JVM's {@link ProcessLedger} lives, or null for none
   * @param cancelSignal the signal a cancelled script's group gets first, e.g. {@code INT}
   */
  public ShellHandler(Duration gracePeriod, Path processDir, String cancelSignal) {
    this.gracePeriod = gracePeriod;
    this.ledger = processDir == null ? null : ProcessLedger.of(processDir);
    this.cancelSignal = ProcessGroups.Signal.parse(cancelSignal);
  }

  @Override
  public JsonNode handle(JsonNode input, WorkContext context) throws Exception {
    ShellInput shell = ShellInput.parse(input);
    if (ledger != null && shell.fence() != null) {
      ProcessLedger.Outcome fenced = ledger.fence(shell.fence(), CONFIRM);
      if (!fenced.confirmed()) {
        throw new IllegalStateException("processes of an earlier attempt of " + shell.fence()
            + " would not die within " + CONFIRM + "; this attempt does not start beside them");
      }
    }
    AtomicReference<Process> running = new AtomicReference<>();
    context.onCancel(() -> terminate(running.get()));
    List<ProcessLedger.Entry> groups = new ArrayList<>();
    int exitCode;
    try {
      exitCode = shell.perLine()
          ? perLine(shell, context, running, groups) : session(shell, context, running, groups);
    } finally {
      for (ProcessLedger.Entry entry : groups) {
        entry.end(CONFIRM);
      }
    }
    ObjectNode result = JSON.objectNode();
    result.put("exitCode", exitCode);
    return result;
  }

  /** All lines in one shell; its exit code is the script's. */
  private int session(ShellInput shell, WorkContext context, AtomicReference<Process> running,
      List<ProcessLedger.Entry> groups) throws IOException, InterruptedException {
    if (context.isCancelled() || shell.script().isEmpty()) {
      return 0;
    }
    String only = shell.script().size() == 1 ? shell.script().get(0) : null;
    if (only != null && only.length() <= SHORT_LINE) {
      // one line holds no state for another: the same shell runs it directly, without the
      // driver and the feeding (most tasks are one line, and this is their cost per task)
      Process process = start(shell, List.of(SESSION_SHELL, "-c", only, "drover-session"),
          groups, running, context);
      process.getOutputStream().close();
      int code = await(process, context);
      return code != 0 && shell.allowFailure() && !context.isCancelled() ? 0 : code;
    }
    Process process = start(shell, List.of(SESSION_SHELL, "-c", DRIVER, "drover-session",
        shell.allowFailure() ? "1" : "0"), groups, running, context);
    CompletableFuture.runAsync(() -> feed(process.getOutputStream(), shell.script()), PIPES);
    return await(process, context);
  }

  /** Each line in a {@code /bin/sh -c} of its own, in order, until one fails. */
  private int perLine(ShellInput shell, WorkContext context, AtomicReference<Process> running,
      List<ProcessLedger.Entry> groups) throws IOException, InterruptedException {
    int exitCode = 0;
    for (String line : shell.script()) {
      if (context.isCancelled()) {
        break;
      }
      Process process = start(shell, List.of("/bin/sh", "-c", line), groups, running, context);
      process.getOutputStream().close();
      int code = await(process, context);
      running.set(null);
      if (code != 0) {
        exitCode = code;
        if (!shell.allowFailure()) {
          break;
        }
      }
    }
    return shell.allowFailure() && !context.isCancelled() ? 0 : exitCode;
  }

  /** Starts {@code command} as a group leader, recorded in the ledger before it starts. */
  private Process start(ShellInput shell, List<String> command, List<ProcessLedger.Entry> groups,
      AtomicReference<Process> running, WorkContext context) throws IOException {
    ProcessLedger.Entry entry = ledger == null ? null : ledger.begin(shell.fence());
    if (entry != null) {
      groups.add(entry);
    }
    Map<String, String> env = shell.inheritEnv() ? new HashMap<>(System.getenv())
        : new HashMap<>();
    env.putAll(shell.env());
    if (entry != null) {
      env.put(entry.environment().getKey(), entry.environment().getValue());
    }
    File dir = shell.dir() == null ? null : new File(shell.dir());
    Process process;
    if (SessionSpawner.available()) {
      // one exec: the shell itself, made a session leader by posix_spawn
      process = SessionSpawner.start(command, env, dir);
    } else {
      List<String> full = new ArrayList<>(ProcessTree.newSessionPrefix());
      full.addAll(command);
      ProcessBuilder builder = new ProcessBuilder(full).directory(dir);
      builder.environment().clear();
      builder.environment().putAll(env);
      process = builder.start();
    }
    running.set(process);
    if (entry != null) {
      try {
        entry.started(process.pid());
      } catch (IOException | RuntimeException e) {
        // not awaited: it must not run on unrecorded (the group goes with the entry's end)
        ProcessGroups.signal(process.pid(), ProcessGroups.Signal.KILL);
        reapAside(process);
        throw e;
      }
    }
    if (context.isCancelled()) {
      terminate(process);
    }
    return process;
  }

  /** Forwards the process's output until both streams end, then its exit code. */
  private static int await(Process process, WorkContext context) throws InterruptedException {
    boolean waited = false;
    try {
      CompletableFuture<Void> stderr = CompletableFuture.runAsync(
          () -> forward(process.getErrorStream(), "stderr", context), PIPES);
      forward(process.getInputStream(), "stdout", context);
      int code = process.waitFor();
      waited = true;
      stderr.join();
      return code;
    } finally {
      if (!waited) {
        reapAside(process);
      }
    }
  }

  /**
   * Waits for a process nobody else will wait for (the handler ended abnormally), so it leaves
   * no zombie: a process started by {@link SessionSpawner} is reaped only by a wait.
   */
  private static void reapAside(Process process) {
    PIPES.execute(() -> {
      try {
        process.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  /** Writes the lines to a session's standard input, framed for its driver, then closes it. */
  private static void feed(OutputStream stdin, List<String> lines) {
    try (OutputStream out = stdin) {
      for (String line : lines) {
        StringBuilder framed = new StringBuilder(line.length() + 8);
        for (String part : line.split("\n", -1)) {
          framed.append('+').append(part).append('\n');
        }
        framed.append(".\n");
        out.write(framed.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    } catch (IOException e) {
      // the session ended (a failing line, exit, a cancel) before reading every line
    }
  }

  /** Sends what the script writes as it is read: the bytes as they are, no line is re-cut. */
  private static void forward(InputStream in, String stream, WorkContext context) {
    byte[] buffer = new byte[CHUNK];
    try (in) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        // a script writing fast fills the pipe: take what is there already into the same piece
        while (n < buffer.length && in.available() > 0) {
          int more = in.read(buffer, n, Math.min(in.available(), buffer.length - n));
          if (more <= 0) {
            break;
          }
          n += more;
        }
        ObjectNode payload = JSON.objectNode();
        payload.put("stream", stream);
        payload.put("data", Arrays.copyOf(buffer, n));
        context.emit(payload);
      }
    } catch (IOException e) {
      // the process's pipe closed under us: it was killed, and its exit code says so
    }
  }

  /**
   * The cancel signal to the script's process group, SIGKILL to it after the grace period.
   * Signalled even when the group's leader has exited: processes it left in its group may
   * still hold its output open.
   */
  private void terminate(Process process) {
    if (process == null) {
      return;
    }
    long group = process.pid();
    ProcessGroups.signal(group, cancelSignal);
    CompletableFuture.delayedExecutor(gracePeriod.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
      // the leader may be gone while members of its group live on
      ProcessGroups.signal(group, ProcessGroups.Signal.KILL);
    });
  }

  /** The parsed input of one piece of shell work. */
  record ShellInput(List<String> script, Map<String, String> env, String dir, boolean inheritEnv,
      String fence, boolean perLine, boolean allowFailure) {
    static ShellInput parse(JsonNode input) {
      if (input == null || !input.isObject() || !input.path("script").isArray()) {
        throw new IllegalArgumentException(
            "shell work needs an object with a \"script\" array of lines, got " + input);
      }
      List<String> script = new ArrayList<>();
      input.get("script").forEach(l -> script.add(l.asText()));
      Map<String, String> env = new LinkedHashMap<>();
      JsonNode e = input.path("env");
      if (e.isObject()) {
        for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> f = it.next();
          env.put(f.getKey(), f.getValue().asText());
        }
      }
      String mode = input.path("shell").asText("session");
      if (!mode.equals("session") && !mode.equals("per-line")) {
        throw new IllegalArgumentException(
            "shell must be \"session\" or \"per-line\", got \"" + mode + "\"");
      }
      JsonNode dir = input.get("dir");
      JsonNode fence = input.get("fence");
      return new ShellInput(script, env, dir == null || dir.isNull() ? null : dir.asText(),
          input.path("inheritEnv").asBoolean(true),
          fence == null || fence.isNull() ? null : fence.asText(), mode.equals("per-line"),
          input.path("allowFailure").asBoolean(false));
    }
  }
}
