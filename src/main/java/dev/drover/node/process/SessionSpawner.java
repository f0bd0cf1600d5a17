package dev.drover.node.process;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.StringArray;
import com.sun.jna.ptr.IntByReference;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a program as the leader of a new session and process group in one step, with
 * {@code posix_spawn(3)} and {@code POSIX_SPAWN_SETSID} bound through JNA, where the JDK needs
 * a second program ({@code setsid}) exec'd in between: one exec per script instead of two, and
 * the script's exit waited for on the caller's thread rather than handed over from the JDK's
 * reaper thread ({@code bench/run-dag}'s handler floor; {@code SpawnCost} has the breakdown).
 *
 * <p>The child gets the three pipes as the JDK's {@link ProcessBuilder} gives them, no other
 * file descriptor of this JVM ({@code posix_spawn_file_actions_addclosefrom_np}), an empty
 * signal mask and the default action for the signals a script is stopped with (so a JVM
 * started with SIGINT ignored does not pass that on to its scripts). Bound only on Linux with
 * glibc 2.34 or later; elsewhere {@link #available()} is false and callers use {@code setsid}.
 */
public final class SessionSpawner {
  private static final Logger LOG = LoggerFactory.getLogger(SessionSpawner.class);
  private static final int O_CLOEXEC = 0x80000;
  private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
  private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
  private static final short POSIX_SPAWN_SETSID = 0x80;
  private static final int EINTR = 4;
  private static final NativeLong FIONREAD = new NativeLong(0x541B);
  /** Larger than glibc's posix_spawnattr_t (336 bytes), file actions (80) and sigset_t (128). */
  private static final int OPAQUE = 1024;
  private static final int[] DEFAULT_SIGNALS = {1, 2, 3, 13, 15}; // HUP INT QUIT PIPE TERM
  private static final Charset ENCODING =
      Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));

  interface LibC extends Library {
    int pipe2(int[] fds, int flags) throws LastErrorException;

    int close(int fd);

    NativeLong read(int fd, byte[] buffer, NativeLong count) throws LastErrorException;

    NativeLong write(int fd, byte[] buffer, NativeLong count) throws LastErrorException;

    int ioctl(int fd, NativeLong request, IntByReference count) throws LastErrorException;

    int waitpid(int pid, IntByReference status, int options) throws LastErrorException;

    int sigemptyset(Pointer set);

    int sigaddset(Pointer set, int signal);

    int posix_spawn_file_actions_init(Pointer actions);

    int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int to);

    int posix_spawn_file_actions_addclosefrom_np(Pointer actions, int from);

    int posix_spawn_file_actions_addchdir_np(Pointer actions, String dir);

    int posix_spawn_file_actions_destroy(Pointer actions);

    int posix_spawnattr_init(Pointer attributes);

    int posix_spawnattr_setflags(Pointer attributes, short flags);

    int posix_spawnattr_setsigmask(Pointer attributes, Pointer set);

    int posix_spawnattr_setsigdefault(Pointer attributes, Pointer set);

    int posix_spawnattr_destroy(Pointer attributes);

    int posix_spawn(IntByReference pid, String path, Pointer actions, Pointer attributes,
        StringArray argv, StringArray envp);
  }

  private static final LibC LIBC = bind();

  private SessionSpawner() {}

  private static LibC bind() {
    if (!System.getProperty("os.name", "").startsWith("Linux")
        || Boolean.getBoolean("drover.shell.no-posix-spawn")) {
      return null;
    }
    try {
      LibC c = Native.load("c", LibC.class);
      // glibc 2.34+: look every function up now, not at the first script
      com.sun.jna.NativeLibrary libc = com.sun.jna.NativeLibrary.getInstance("c");
      for (String f : List.of("posix_spawn", "posix_spawn_file_actions_addclosefrom_np",
          "posix_spawn_file_actions_addchdir_np", "pipe2", "waitpid")) {
        libc.getFunction(f);
      }
      return c;
    } catch (Throwable e) {
      LOG.info("scripts start through setsid: posix_spawn with POSIX_SPAWN_SETSID is not"
          + " available here ({})", e.toString());
      return null;
    }
  }

  /** Whether {@link #start} can be used here. */
  public static boolean available() {
    return LIBC != null;
  }

  /**
   * Starts {@code command} (its program an absolute path) with exactly {@code environment},
   * in {@code dir} (null: this JVM's), as the leader of a new session: its pid is its process
   * group's id. Its standard streams are pipes, as with {@link ProcessBuilder#start()}.
   *
   * @throws IOException when the program cannot be started, as {@link ProcessBuilder} would
   */
  public static Process start(List<String> command, Map<String, String> environment, File dir)
      throws IOException {
    if (LIBC == null) {
      throw new IllegalStateException("posix_spawn is not available: check available()");
    }
    int[] in = pipe();
    int[] out;
    int[] err;
    try {
      out = pipe();
    } catch (IOException e) {
      closeAll(in);
      throw e;
    }
    try {
      err = pipe();
    } catch (IOException e) {
      closeAll(in, out);
      throw e;
    }
    int pid;
    Memory actions = new Memory(OPAQUE);
    Memory attributes = new Memory(OPAQUE);
    Memory empty = new Memory(OPAQUE);
    Memory defaults = new Memory(OPAQUE);
    LIBC.posix_spawn_file_actions_init(actions);
    LIBC.posix_spawnattr_init(attributes);
    try {
      int prepared = LIBC.posix_spawn_file_actions_adddup2(actions, in[0], 0)
          | LIBC.posix_spawn_file_actions_adddup2(actions, out[1], 1)
          | LIBC.posix_spawn_file_actions_adddup2(actions, err[1], 2)
          | LIBC.posix_spawn_file_actions_addclosefrom_np(actions, 3)
          | (dir == null ? 0 : LIBC.posix_spawn_file_actions_addchdir_np(actions, dir.getPath()));
      if (prepared != 0) {
        closeAll(in, out, err);
        throw new IOException("cannot prepare the start of \"" + command.get(0) + "\"");
      }
      LIBC.sigemptyset(empty);
      LIBC.sigemptyset(defaults);
      for (int s : DEFAULT_SIGNALS) {
        LIBC.sigaddset(defaults, s);
      }
      LIBC.posix_spawnattr_setflags(attributes,
          (short) (POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
      LIBC.posix_spawnattr_setsigmask(attributes, empty);
      LIBC.posix_spawnattr_setsigdefault(attributes, defaults);
      String[] env = environment.entrySet().stream()
          .map(e -> e.getKey() + "=" + e.getValue()).toArray(String[]::new);
      IntByReference started = new IntByReference();
      int error = LIBC.posix_spawn(started, command.get(0), actions, attributes,
          new StringArray(command.toArray(String[]::new), ENCODING.name()),
          new StringArray(env, ENCODING.name()));
      if (error != 0) {
        closeAll(in, out, err);
        throw new IOException("Cannot run program \"" + command.get(0) + "\""
            + (dir == null ? "" : " (in directory \"" + dir + "\")") + ": error=" + error
            + ", " + strerror(error));
      }
      pid = started.getValue();
    } finally {
      LIBC.posix_spawn_file_actions_destroy(actions);
      LIBC.posix_spawnattr_destroy(attributes);
    }
    LIBC.close(in[0]);
    LIBC.close(out[1]);
    LIBC.close(err[1]);
    return new Spawned(pid, new FdOutputStream(in[1]), new FdInputStream(out[0]),
        new FdInputStream(err[0]));
  }

  private static String strerror(int errno) {
    return new LastErrorException(errno).getMessage().replaceFirst("^\\[\\d+\\]\\s*", "");
  }

  private static int[] pipe() throws IOException {
    int[] fds = new int[2];
    try {
      LIBC.pipe2(fds, O_CLOEXEC);
    } catch (LastErrorException e) {
      throw new IOException("cannot create a pipe: " + e.getMessage(), e);
    }
    return fds;
  }

  private static void closeAll(int[]... pairs) {
    for (int[] p : pairs) {
      LIBC.close(p[0]);
      LIBC.close(p[1]);
    }
  }

  /** A started session leader: its exit is waited for with {@code waitpid} by whoever asks. */
  private static final class Spawned extends Process {
    private final int pid;
    private final OutputStream stdin;
    private final InputStream stdout;
    private final InputStream stderr;
    private final Object reaping = new Object();
    private volatile Integer exitCode;

    Spawned(int pid, OutputStream stdin, InputStream stdout, InputStream stderr) {
      this.pid = pid;
      this.stdin = stdin;
      this.stdout = stdout;
      this.stderr = stderr;
    }

    @Override
    public OutputStream getOutputStream() {
      return stdin;
    }

    @Override
    public InputStream getInputStream() {
      return stdout;
    }

    @Override
    public InputStream getErrorStream() {
      return stderr;
    }

    /**
     * Blocks in {@code waitpid} until the process ends; an interrupt is noticed only then
     * (the script is stopped by signalling its group, which ends the wait).
     */
    @Override
    public int waitFor() throws InterruptedException {
      if (exitCode == null) {
        synchronized (reaping) {
          while (exitCode == null) {
            reap(0);
          }
        }
      }
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      return exitCode;
    }

    @Override
    public int exitValue() {
      if (exitCode == null) {
        synchronized (reaping) {
          if (exitCode == null && !reap(1)) { // WNOHANG
            throw new IllegalThreadStateException("process " + pid + " has not exited");
          }
        }
      }
      return exitCode;
    }

    /** One {@code waitpid}; true when the process was reaped (and its exit code is known). */
    private boolean reap(int options) {
      IntByReference status = new IntByReference();
      try {
        if (LIBC.waitpid(pid, status, options) == 0) {
          return false;
        }
      } catch (LastErrorException e) {
        if (e.getErrorCode() == EINTR) {
          return false;
        }
        throw new IllegalStateException("waitpid(" + pid + ") failed", e);
      }
      int s = status.getValue();
      // as the JDK reports it: the exit status, or 128 + the signal that ended the process
      exitCode = (s & 0x7f) == 0 ? (s >> 8) & 0xff : 128 + (s & 0x7f);
      return true;
    }

    @Override
    public void destroy() {
      if (exitCode == null) {
        ProcessGroups.signalProcess(pid, ProcessGroups.Signal.TERM);
      }
    }

    @Override
    public Process destroyForcibly() {
      if (exitCode == null) {
        ProcessGroups.signalProcess(pid, ProcessGroups.Signal.KILL);
      }
      return this;
    }

    @Override
    public long pid() {
      return pid;
    }
  }

  /** Reads a pipe's file descriptor; closes it once. */
  private static final class FdInputStream extends InputStream {
    private final int fd;
    private final AtomicBoolean closed = new AtomicBoolean();

    FdInputStream(int fd) {
      this.fd = fd;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) <= 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (closed.get()) {
        throw new IOException("stream closed");
      }
      byte[] target = off == 0 ? b : new byte[len];
      while (true) {
        try {
          int n = LIBC.read(fd, target, new NativeLong(len)).intValue();
          if (n <= 0) {
            return -1;
          }
          if (target != b) {
            System.arraycopy(target, 0, b, off, n);
          }
          return n;
        } catch (LastErrorException e) {
          if (e.getErrorCode() != EINTR) {
            throw new IOException("read failed: " + e.getMessage(), e);
          }
        }
      }
    }

    @Override
    public int available() throws IOException {
      if (closed.get()) {
        return 0;
      }
      IntByReference n = new IntByReference();
      try {
        LIBC.ioctl(fd, FIONREAD, n);
      } catch (LastErrorException e) {
        return 0;
      }
      return n.getValue();
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        LIBC.close(fd);
      }
    }
  }

  /** Writes a pipe's file descriptor; closes it once. */
  private static final class FdOutputStream extends OutputStream {
    private final int fd;
    private final AtomicBoolean closed = new AtomicBoolean();

    FdOutputStream(int fd) {
      this.fd = fd;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (closed.get()) {
        throw new IOException("stream closed");
      }
      byte[] rest = off == 0 && len == b.length ? b : java.util.Arrays.copyOfRange(b, off,
          off + len);
      int done = 0;
      while (done < rest.length) {
        byte[] chunk = done == 0 ? rest : java.util.Arrays.copyOfRange(rest, done, rest.length);
        try {
          done += LIBC.write(fd, chunk, new NativeLong(chunk.length)).intValue();
        } catch (LastErrorException e) {
          if (e.getErrorCode() != EINTR) {
            throw new IOException("write failed: " + e.getMessage(), e);
          }
        }
      }
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        LIBC.close(fd);
      }
    }
  }
}
