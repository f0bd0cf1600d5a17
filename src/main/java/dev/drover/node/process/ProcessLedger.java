package dev.drover.node.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable record of the process groups a JVM runs scripts in, so that no script outlives
 * its owner: {@code <root>/<owner-pid>-<owner-start>/<fence>.<token>}, one file per group,
 * written <em>before</em> the script starts and removed only once its group is confirmed gone.
 *
 * <p>Whoever finds a record of an owner that is dead — the owner's pid gone, or taken by a
 * process with another start time — kills what the record names: the supervisor when one of its
 * worker JVMs dies, any supervisor or {@code drover serve} when it starts. A record names its
 * group by id and the start time of its leader, and every process of the script by a token in
 * its environment ({@value #TOKEN_VARIABLE}): a group is killed whole only while its leader is
 * the recorded process, and a process outside it only when it carries the token, so a reused
 * pid is never hit. The files are not fsynced: they guard against the death of processes, and
 * a machine that loses its page cache has lost those processes too. A record is appended to,
 * never rewritten: its removal stays a metadata change, with no disk write
 * to wait for.
 *
 * <p>A record also names the task attempt it belongs to (its fence): before the next attempt
 * of a task starts, {@link #fence} kills and confirms gone every group recorded for that task,
 * whoever owns it, so a retry never runs beside the attempt before it.
 */
public final class ProcessLedger {
  /** The environment variable every script process carries its record's token in. */
  public static final String TOKEN_VARIABLE = "DROVER_PROCESS_TOKEN";

  private static final Logger LOG = LoggerFactory.getLogger(ProcessLedger.class);
  private static final Map<Path, ProcessLedger> OF_THIS_JVM = new ConcurrentHashMap<>();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static volatile boolean ending;
  private static final String NO_FENCE = "-";

  private final Path root;
  private final Path dir;
  private final Set<Entry> live = ConcurrentHashMap.newKeySet();

  private ProcessLedger(Path root) {
    this.root = root;
    long ticks = ProcStat.self().map(ProcStat::startTicks).orElse(0L);
    this.dir = root.resolve(ProcessHandle.current().pid() + "-" + ticks);
    Runtime.getRuntime().addShutdownHook(new Thread(this::killAll, "drover-process-ledger"));
  }

  /** This JVM's ledger under {@code root} (one per root and JVM). */
  public static ProcessLedger of(Path root) {
    return OF_THIS_JVM.computeIfAbsent(root.toAbsolutePath().normalize(), ProcessLedger::new);
  }

  /** This JVM's ledgers, for a JVM that is about to die: kill every group they hold. */
  public static void killAllOfThisJvm() {
    ending = true;
    OF_THIS_JVM.values().forEach(ProcessLedger::killAll);
  }

  /**
   * Whether {@link #killAllOfThisJvm} was called: the JVM is about to halt, and the scripts it
   * killed ended by its own hand. A worker must not report such an end as the script's result
   * (an exit code 137 a client would take for the script's): its client learns of the loss
   * from the cluster's failure detector instead.
   */
  public static boolean thisJvmIsEnding() {
    return ending;
  }

  /**
   * Records a script about to start, for task attempt {@code fence} (null: none). The script
   * must carry {@link Entry#environment()}, and {@link Entry#started} once it runs.
   */
  public Entry begin(String fence) throws IOException {
    byte[] bytes = new byte[12];
    RANDOM.nextBytes(bytes);
    String token = HexFormat.of().formatHex(bytes);
    Entry entry = new Entry(dir.resolve(fenceName(fence) + "." + token), token, fence);
    if (!Files.isDirectory(dir)) {
      createPrivate(root);
      createPrivate(dir);
    }
    entry.write(StandardOpenOption.CREATE_NEW);
    live.add(entry);
    return entry;
  }

  /**
   * Creates {@code d} readable and writable by this user only where the file system allows: a
   * record tells a sweep what to kill, so nobody else may write one.
   */
  private static void createPrivate(Path d) throws IOException {
    if (Files.isDirectory(d)) {
      return;
    }
    try {
      Files.createDirectories(d, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
          java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
    } catch (UnsupportedOperationException e) {
      Files.createDirectories(d);
    }
  }

  /** One recorded group. */
  public final class Entry {
    private final Path file;
    private final String token;
    private final String fence;
    private volatile long pgid;
    private volatile long startTicks;

    private Entry(Path file, String token, String fence) {
      this.file = file;
      this.token = token;
      this.fence = fence;
    }

    /** The variable and value the script's environment must hold. */
    public Map.Entry<String, String> environment() {
      return Map.entry(TOKEN_VARIABLE, token);
    }

    /** The script started as leader of group {@code pgid}: record it with its start time. */
    public void started(long pgid) throws IOException {
      this.pgid = pgid;
      this.startTicks = ProcStat.read(pgid).map(ProcStat::startTicks).orElse(0L);
      write(StandardOpenOption.APPEND);
    }

    /** The group's id, 0 before it started. */
    public long pgid() {
      return pgid;
    }

    /**
     * The script ended: kills what is left of its group (background processes), confirms the
     * group gone within {@code within} and forgets the record; true when confirmed. An
     * unconfirmed record stays, for {@link #fence} and the sweeps.
     */
    public boolean end(Duration within) {
      boolean gone = true;
      if (pgid > 1 && ProcessGroups.exists(pgid)) {
        ProcessGroups.signal(pgid, ProcessGroups.Signal.KILL);
        gone = ProcessGroups.awaitGone(pgid, within);
      }
      if (gone) {
        live.remove(this);
        delete(file);
      }
      return gone;
    }

    /**
     * Appends the record's line: the first with no group yet ({@code 0 0}), the next once the
     * script started; a reader takes the last. Never truncated and rewritten: ext4 starts
     * writing back a file truncated and rewritten when it is closed, and its removal at the
     * script's end then waits for that disk write (about 2 ms a script on a busy disk).
     */
    private void write(StandardOpenOption how) throws IOException {
      Files.writeString(file, pgid + " " + startTicks + " " + token + " "
          + (fence == null ? NO_FENCE : fence) + "\n", StandardCharsets.UTF_8, how,
          StandardOpenOption.WRITE);
    }
  }

  /** Kills every group of this JVM at once (the JVM is exiting or its parent is gone). */
  public void killAll() {
    for (Entry e : live) {
      if (e.pgid > 1 && ProcessGroups.exists(e.pgid)) {
        ProcessGroups.signal(e.pgid, ProcessGroups.Signal.KILL);
      }
    }
  }

  /**
   * Before an attempt of task {@code fence} starts: every group recorded for that task under this
   * ledger's root, by any owner, is killed and confirmed gone within {@code within}.
   *
   * @return what was found; {@link Outcome#confirmed()} false when something would not die
   */
  public Outcome fence(String fence, Duration within) {
    String prefix = fenceName(fence) + ".";
    List<Record> found = new ArrayList<>();
    for (Path owner : list(root)) {
      for (Path file : list(owner)) {
        if (file.getFileName().toString().startsWith(prefix)) {
          Record.read(file).ifPresent(found::add);
        }
      }
    }
    return kill(found, within);
  }

  /**
   * Kills the groups recorded by owners that are dead, under {@code root}; their records go
   * once the groups are confirmed gone.
   */
  public static Outcome sweepOrphans(Path root, Duration within) {
    List<Record> found = new ArrayList<>();
    List<Path> owners = new ArrayList<>();
    for (Path owner : list(root)) {
      if (!ownerAlive(owner.getFileName().toString())) {
        owners.add(owner);
        for (Path file : list(owner)) {
          Record.read(file).ifPresent(found::add);
        }
      }
    }
    Outcome outcome = kill(found, within);
    for (Path owner : owners) {
      try {
        Files.deleteIfExists(owner);
      } catch (IOException notEmpty) {
        // a record that would not die stays for the next sweep
      }
    }
    return outcome;
  }

  /**
   * What a sweep or fence did.
   *
   * @param records records found
   * @param killed processes signalled
   * @param confirmed every recorded group is gone
   */
  public record Outcome(int records, int killed, boolean confirmed) {}

  private static Outcome kill(List<Record> records, Duration within) {
    int killed = 0;
    boolean confirmed = true;
    for (Record r : records) {
      int n = Reaper.killAndConfirm(r, within);
      if (n < 0) {
        confirmed = false;
        LOG.warn("processes of record {} would not die within {}", r.file(), within);
        continue;
      }
      killed += n;
      if (n > 0) {
        LOG.warn("killed {} process(es) left by a dead owner (group {}, task {})", n, r.pgid(),
            r.fence());
      }
      delete(r.file());
    }
    return new Outcome(records.size(), killed, confirmed);
  }

  private static boolean ownerAlive(String name) {
    int dash = name.indexOf('-');
    if (dash < 0) {
      return false;
    }
    try {
      long pid = Long.parseLong(name.substring(0, dash));
      long ticks = Long.parseLong(name.substring(dash + 1));
      if (pid == ProcessHandle.current().pid()) {
        return true;
      }
      Optional<ProcStat> p = ProcStat.read(pid);
      return p.isPresent() && !p.get().zombie() && p.get().startTicks() == ticks;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static List<Path> list(Path dir) {
    List<Path> paths = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      s.forEach(paths::add);
    } catch (IOException e) {
      // no such directory yet: nothing recorded
    }
    return paths;
  }

  private static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("cannot delete process record {}: {}", file, e.toString());
    }
  }

  private static String fenceName(String fence) {
    if (fence == null) {
      return NO_FENCE;
    }
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256")
          .digest(fence.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A record as read back from its file. */
  record Record(Path file, long pgid, long startTicks, String token, String fence) {
    /**
     * The file's last whole line: the one written when the script started, once it did; the
     * first line when the second is torn.
     */
    static Optional<Record> read(Path file) {
      String text;
      try {
        text = Files.readString(file, StandardCharsets.UTF_8);
      } catch (NoSuchFileException e) {
        return Optional.empty();
      } catch (IOException e) {
        LOG.warn("unreadable process record {}: {}", file, e.toString());
        return Optional.empty();
      }
      String[] lines = text.split("\n");
      for (int i = lines.length - 1; i >= 0; i--) {
        Optional<Record> r = parse(file, lines[i]);
        if (r.isPresent()) {
          return r;
        }
      }
      LOG.warn("unreadable process record {}: {}", file, text);
      return Optional.empty();
    }

    private static Optional<Record> parse(Path file, String line) {
      String[] f = line.trim().split(" ", 4);
      try {
        return f.length < 3 ? Optional.empty() : Optional.of(new Record(file,
            Long.parseLong(f[0]), Long.parseLong(f[1]), f[2], f.length > 3 ? f[3] : NO_FENCE));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }
  }
}
