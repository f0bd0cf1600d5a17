package dev.drover.node;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a supervisor keeps its pool of one kind of worker: the pool criteria, the JVMs it forks,
 * how it watches them and how it restarts them. Read from {@code drover.node.pool} (see
 * {@code reference.conf}) with {@link #fromConfig}, then adjusted with {@link #toBuilder()}.
 *
 * <p>Pool size: the supervisor keeps {@code min(max, max(min, busy) + warm)} workers, where busy
 * counts the leased ones. So {@code min} workers always run, {@code warm} idle spares stand beside
 * them (or beside the busy ones once more than {@code min} are busy), and idle extras beyond that
 * are retired after {@code retireIdleAfter}.
 *
 * @param kind the kind of worker, e.g. {@code shell}; a supervisor supervises one kind
 * @param handlerClass the {@link WorkerHandler} class the worker loads; null for built-in kinds
 * @param min workers always kept running
 * @param warm idle spares kept beside the busy or minimum workers
 * @param max the most workers ever running
 * @param maxLeasesPerClient leases one client may hold at once, 0 for no limit
 * @param workerJvmOptions options for each forked worker JVM, before the main class
 * @param heartbeatInterval how often a slot pings its worker
 * @param heartbeatTimeout a worker silent this long is considered hung and replaced
 * @param registrationTimeout a forked worker must register within this time
 * @param requestTimeout how long a worker request waits for an idle worker
 * @param leaseIdleTimeout a lease with no work running ends after this long
 * @param recycleAfterLeases replace the worker's JVM after this many leases, 0 for never
 * @param retireIdleAfter idle workers above the target are stopped after this long
 * @param restartMinBackoff first delay before a failed slot forks again
 * @param restartMaxBackoff the longest such delay
 * @param restartRandomFactor jitter added to the delay, 0.2 = up to 20 %
 * @param maxRestarts restarts of one slot allowed within {@code restartWindow}
 * @param restartWindow the window restarts are counted in
 * @param workerLogMaxBytes a worker's log file is rotated at this size
 * @param workerLogMaxFiles rotated files kept per worker, the current one included
 * @param cancelGracePeriod after SIGTERM, a cancelled process gets this long before SIGKILL; a
 *     handler that has not returned this long (plus {@link #STOP_MARGIN}) after its work was
 *     cancelled or timed out gets its worker replaced
 * @param workTimeout work submitted without a timeout of its own is cancelled after this long;
 *     zero for never
 * @param cancelSignal the signal a cancelled script's process group gets first (e.g. INT, TERM)
 * @param transitionLogSize transitions each actor keeps
 * @param dataDir where worker logs go
 */
public record PoolSettings(
    String kind,
    String handlerClass,
    int min,
    int warm,
    int max,
    int maxLeasesPerClient,
    List<String> workerJvmOptions,
    Duration heartbeatInterval,
    Duration heartbeatTimeout,
    Duration registrationTimeout,
    Duration requestTimeout,
    Duration leaseIdleTimeout,
    int recycleAfterLeases,
    Duration retireIdleAfter,
    Duration restartMinBackoff,
    Duration restartMaxBackoff,
    double restartRandomFactor,
    int maxRestarts,
    Duration restartWindow,
    long workerLogMaxBytes,
    int workerLogMaxFiles,
    Duration cancelGracePeriod,
    Duration workTimeout,
    String cancelSignal,
    int transitionLogSize,
    Path dataDir) {

  /** The kind whose handler is built in: runs script lines, see {@code ShellHandler}. */
  public static final String SHELL = "shell";

  /**
   * What a handler gets beyond {@code cancel-grace-period} to return after its work was
   * cancelled: the shell handler's own SIGKILL comes at the grace period, and its last output
   * then still has to be read.
   */
  public static final Duration STOP_MARGIN = Duration.ofSeconds(2);

  public PoolSettings {
    Objects.requireNonNull(kind, "kind");
    if (kind.isBlank() || !kind.matches("[A-Za-z0-9_-]+")) {
      throw new IllegalArgumentException(
          "worker kind must be letters, digits, '-' or '_', got '" + kind + "'");
    }
    if (min < 0 || warm < 0 || max < 1) {
      throw new IllegalArgumentException(
          "pool of kind '" + kind + "' needs min >= 0, warm >= 0 and max >= 1, got min=" + min
              + " warm=" + warm + " max=" + max);
    }
    if (min > max) {
      throw new IllegalArgumentException(
          "pool of kind '" + kind + "' has min " + min + " above max " + max);
    }
    if (maxLeasesPerClient < 0 || recycleAfterLeases < 0 || maxRestarts < 0) {
      throw new IllegalArgumentException(
          "pool of kind '" + kind + "': max-leases-per-client, recycle-after-leases and "
              + "restart.max-restarts must not be negative");
    }
    if (heartbeatTimeout.compareTo(heartbeatInterval) <= 0) {
      throw new IllegalArgumentException(
          "pool of kind '" + kind + "': heartbeat-timeout " + heartbeatTimeout
              + " must be longer than heartbeat-interval " + heartbeatInterval);
    }
    if (handlerClass == null && !SHELL.equals(kind)) {
      throw new IllegalArgumentException(
          "pool of kind '" + kind + "' needs a handler class (only 'shell' has a built-in one)");
    }
    workerJvmOptions = List.copyOf(workerJvmOptions);
    dev.drover.node.process.ProcessGroups.Signal.parse(cancelSignal);
  }

  /** Reads {@code drover.node.pool} and {@code drover.data-dir} for a pool of {@code kind}. */
  public static PoolSettings fromConfig(Config root, String kind, String handlerClass) {
    Config c = root.getConfig("drover.node.pool");
    return new PoolSettings(
        kind,
        handlerClass,
        c.getInt("min"),
        c.getInt("warm"),
        c.getInt("max"),
        c.getInt("max-leases-per-client"),
        c.getStringList("worker-jvm-options"),
        c.getDuration("heartbeat-interval"),
        c.getDuration("heartbeat-timeout"),
        c.getDuration("registration-timeout"),
        c.getDuration("request-timeout"),
        c.getDuration("lease-idle-timeout"),
        c.getInt("recycle-after-leases"),
        c.getDuration("retire-idle-after"),
        c.getDuration("restart.min-backoff"),
        c.getDuration("restart.max-backoff"),
        c.getDouble("restart.random-factor"),
        c.getInt("restart.max-restarts"),
        c.getDuration("restart.within"),
        c.getBytes("worker-log.max-file-size"),
        c.getInt("worker-log.max-files"),
        c.getDuration("cancel-grace-period"),
        c.getDuration("work-timeout"),
        c.getString("cancel-signal"),
        root.getInt("drover.node.transition-log-size"),
        Path.of(root.getString("drover.data-dir")));
  }

  /** The number of workers to keep when {@code busy} of them are leased. */
  public int targetSize(int busy) {
    return Math.min(max, Math.max(min, busy) + warm);
  }

  /** Where the logs of worker {@code slot} go. */
  public Path workerLogDir() {
    return dataDir.resolve("workers").resolve(kind);
  }

  /** Where the JVMs of this pool record the process groups of their scripts. */
  public Path processDir() {
    return dataDir.resolve("processes").toAbsolutePath().normalize();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Changes some settings of a copy; the record's constructor validates the result. */
  public static final class Builder {
    private String kind;
    private String handlerClass;
    private int min;
    private int warm;
    private int max;
    private int maxLeasesPerClient;
    private List<String> workerJvmOptions;
    private Duration heartbeatInterval;
    private Duration heartbeatTimeout;
    private Duration registrationTimeout;
    private Duration requestTimeout;
    private Duration leaseIdleTimeout;
    private int recycleAfterLeases;
    private Duration retireIdleAfter;
    private Duration restartMinBackoff;
    private Duration restartMaxBackoff;
    private double restartRandomFactor;
    private int maxRestarts;
    private Duration restartWindow;
    private long workerLogMaxBytes;
    private int workerLogMaxFiles;
    private Duration cancelGracePeriod;
    private Duration workTimeout;
    private String cancelSignal;
    private int transitionLogSize;
    private Path dataDir;

    private Builder(PoolSettings s) {
      kind = s.kind;
      handlerClass = s.handlerClass;
      min = s.min;
      warm = s.warm;
      max = s.max;
      maxLeasesPerClient = s.maxLeasesPerClient;
      workerJvmOptions = s.workerJvmOptions;
      heartbeatInterval = s.heartbeatInterval;
      heartbeatTimeout = s.heartbeatTimeout;
      registrationTimeout = s.registrationTimeout;
      requestTimeout = s.requestTimeout;
      leaseIdleTimeout = s.leaseIdleTimeout;
      recycleAfterLeases = s.recycleAfterLeases;
      retireIdleAfter = s.retireIdleAfter;
      restartMinBackoff = s.restartMinBackoff;
      restartMaxBackoff = s.restartMaxBackoff;
      restartRandomFactor = s.restartRandomFactor;
      maxRestarts = s.maxRestarts;
      restartWindow = s.restartWindow;
      workerLogMaxBytes = s.workerLogMaxBytes;
      workerLogMaxFiles = s.workerLogMaxFiles;
      cancelGracePeriod = s.cancelGracePeriod;
      workTimeout = s.workTimeout;
      cancelSignal = s.cancelSignal;
      transitionLogSize = s.transitionLogSize;
      dataDir = s.dataDir;
    }

    public Builder kind(String kind, String handlerClass) {
      this.kind = kind;
      this.handlerClass = handlerClass;
      return this;
    }

    /** Sets the pool criteria. */
    public Builder pool(int min, int warm, int max) {
      this.min = min;
      this.warm = warm;
      this.max = max;
      return this;
    }

    public Builder maxLeasesPerClient(int n) {
      this.maxLeasesPerClient = n;
      return this;
    }

    public Builder workerJvmOptions(List<String> options) {
      this.workerJvmOptions = options;
      return this;
    }

    public Builder heartbeat(Duration interval, Duration timeout) {
      this.heartbeatInterval = interval;
      this.heartbeatTimeout = timeout;
      return this;
    }

    public Builder registrationTimeout(Duration d) {
      this.registrationTimeout = d;
      return this;
    }

    public Builder requestTimeout(Duration d) {
      this.requestTimeout = d;
      return this;
    }

    public Builder leaseIdleTimeout(Duration d) {
      this.leaseIdleTimeout = d;
      return this;
    }

    public Builder recycleAfterLeases(int n) {
      this.recycleAfterLeases = n;
      return this;
    }

    public Builder retireIdleAfter(Duration d) {
      this.retireIdleAfter = d;
      return this;
    }

    /** Sets the restart backoff and the restart intensity limit. */
    public Builder restarts(
        Duration minBackoff, Duration maxBackoff, double randomFactor, int max, Duration within) {
      this.restartMinBackoff = minBackoff;
      this.restartMaxBackoff = maxBackoff;
      this.restartRandomFactor = randomFactor;
      this.maxRestarts = max;
      this.restartWindow = within;
      return this;
    }

    public Builder workerLogs(long maxBytes, int maxFiles) {
      this.workerLogMaxBytes = maxBytes;
      this.workerLogMaxFiles = maxFiles;
      return this;
    }

    public Builder cancelGracePeriod(Duration d) {
      this.cancelGracePeriod = d;
      return this;
    }

    /** Work submitted without a timeout is cancelled after {@code d}; zero for never. */
    public Builder workTimeout(Duration d) {
      this.workTimeout = d;
      return this;
    }

    /** The signal a cancelled script's process group gets before SIGKILL, e.g. "INT". */
    public Builder cancelSignal(String signal) {
      this.cancelSignal = signal;
      return this;
    }

    public Builder transitionLogSize(int n) {
      this.transitionLogSize = n;
      return this;
    }

    public Builder dataDir(Path dir) {
      this.dataDir = dir;
      return this;
    }

    public PoolSettings build() {
      return new PoolSettings(kind, handlerClass, min, warm, max, maxLeasesPerClient,
          workerJvmOptions, heartbeatInterval, heartbeatTimeout, registrationTimeout,
          requestTimeout, leaseIdleTimeout, recycleAfterLeases, retireIdleAfter,
          restartMinBackoff, restartMaxBackoff, restartRandomFactor, maxRestarts, restartWindow,
          workerLogMaxBytes, workerLogMaxFiles, cancelGracePeriod, workTimeout, cancelSignal,
          transitionLogSize, dataDir);
    }
  }
}
