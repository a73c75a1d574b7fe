package dev.flywheel.deploy;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;

/**
 * The whole stack on one machine: a {@link LocalKafka} broker, the topics, a Flink MiniCluster with
 * its web dashboard, and one job submitted to it. {@link #start} brings it up in that order and
 * {@link #close} takes it down in reverse (job cancelled, MiniCluster closed, broker stopped).
 *
 * <p>Layout of the state directory: {@code kafka/} (the broker's config, data and {@code
 * broker.log}), {@code flink/checkpoints/} (retained on cancellation; the next start restores the
 * newest unless told not to, and removes the other jobs' folders), {@code flink/tmp/}, {@code
 * flink/web-<pid>/}, {@code logs/}.
 */
public final class LocalStack implements AutoCloseable {
  private static final Duration FLINK_TIMEOUT = Duration.ofSeconds(60);

  private final Settings settings;
  private final PrintStream out;
  private final LocalKafka kafka;
  private final MiniCluster flink;
  private final URI restAddress;
  private final JobID jobId;
  private final PipelineLauncher launcher;
  private final Optional<Path> restoredFrom;
  private volatile boolean closed;

  /**
   * Settings of the stack, validated once; errors name the runner's option.
   *
   * @param stateDir where the broker's data, checkpoints and logs live
   * @param kafkaPort the broker's client port
   * @param controllerPort the broker's KRaft controller port
   * @param dashboardPort Flink's REST and web dashboard port
   * @param parallelism of the job, and the MiniCluster's slot count
   * @param partitions of the topics the launcher creates
   * @param checkpointInterval of the job
   * @param progressInterval of the progress line
   * @param restore restore the newest retained checkpoint in the state directory, if any
   * @param kafkaHeap the broker JVM's {@code -Xmx}
   * @param kafkaJvmOptions extra options of the broker's JVM
   * @param job the launcher's name (see {@link PipelineLaunchers})
   * @param jobArgs passed to the launcher
   */
  public record Settings(
      Path stateDir,
      int kafkaPort,
      int controllerPort,
      int dashboardPort,
      int parallelism,
      int partitions,
      Duration checkpointInterval,
      Duration progressInterval,
      boolean restore,
      String kafkaHeap,
      List<String> kafkaJvmOptions,
      String job,
      List<String> jobArgs) {

    /** Validates and copies. */
    public Settings {
      stateDir = stateDir.toAbsolutePath().normalize();
      checkPort("--kafka-port", kafkaPort);
      checkPort("--controller-port", controllerPort);
      checkPort("--dashboard-port", dashboardPort);
      if (kafkaPort == controllerPort
          || kafkaPort == dashboardPort
          || controllerPort == dashboardPort) {
        throw new IllegalArgumentException(
            "--kafka-port, --controller-port and --dashboard-port must differ, got "
                + kafkaPort
                + ", "
                + controllerPort
                + ", "
                + dashboardPort);
      }
      if (parallelism < 1) {
        throw new IllegalArgumentException("--parallelism must be >= 1, got " + parallelism);
      }
      if (partitions < 1) {
        throw new IllegalArgumentException("--partitions must be >= 1, got " + partitions);
      }
      if (checkpointInterval.compareTo(Duration.ofMillis(100)) < 0) {
        throw new IllegalArgumentException(
            "--checkpoint-interval must be >= 100ms, got " + checkpointInterval);
      }
      if (progressInterval.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException(
            "--progress-interval must be >= 1s, got " + progressInterval);
      }
      kafkaJvmOptions = List.copyOf(kafkaJvmOptions);
      jobArgs = List.copyOf(jobArgs);
    }

    private static void checkPort(String option, int port) {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException(option + " must be in 1..65535, got " + port);
      }
    }
  }

  private LocalStack(
      Settings settings,
      PrintStream out,
      LocalKafka kafka,
      MiniCluster flink,
      URI restAddress,
      JobID jobId,
      PipelineLauncher launcher,
      Optional<Path> restoredFrom) {
    this.settings = settings;
    this.out = out;
    this.kafka = kafka;
    this.flink = flink;
    this.restAddress = restAddress;
    this.jobId = jobId;
    this.launcher = launcher;
    this.restoredFrom = restoredFrom;
  }

  /**
   * Starts the broker, creates the topics, starts the MiniCluster and submits the job, reporting
   * each step on {@code out}. Whatever was started is stopped again if a later step fails.
   */
  public static LocalStack start(Settings settings, PrintStream out) throws Exception {
    Path state = settings.stateDir();
    PipelineLauncher launcher = PipelineLaunchers.get(settings.job());
    String bootstrap = "localhost:" + settings.kafkaPort();
    PipelineLauncher.Context context =
        new PipelineLauncher.Context(
            bootstrap, settings.parallelism(), settings.partitions(), state, settings.jobArgs());

    // Build the job graph first: a bad job option fails before anything starts.
    Path checkpoints = state.resolve("flink").resolve("checkpoints");
    Optional<Path> newest = newestCheckpoint(checkpoints);
    Optional<Path> restoreFrom = settings.restore() ? newest : Optional.empty();
    Configuration conf = flinkConfiguration(settings);
    Configuration jobConf = new Configuration(conf);
    restoreFrom.ifPresent(
        path -> {
          jobConf.set(StateRecoveryOptions.SAVEPOINT_PATH, path.toUri().toString());
          jobConf.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true);
        });
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(jobConf);
    env.setParallelism(settings.parallelism());
    launcher.build(env, context);
    StreamGraph graph = env.getStreamGraph();
    graph.setJobName("flywheel local: " + launcher.name());

    Files.createDirectories(state);
    checkPortFree("--dashboard-port", settings.dashboardPort());
    List<Path> pruned = pruneCheckpoints(checkpoints, newest);
    out.println("Flywheel local mode; state directory: " + state);
    if (!pruned.isEmpty()) {
      out.println(
          "  removed "
              + pruned.size()
              + " older checkpoint folder(s); kept "
              + newest.map(p -> p.getParent().toString()).orElse("none"));
    }
    out.println("Starting Kafka (KRaft, child JVM) on " + bootstrap + " ...");
    LocalKafka kafka =
        LocalKafka.builder(state.resolve("kafka"))
            .port(settings.kafkaPort())
            .controllerPort(settings.controllerPort())
            .maxHeap(settings.kafkaHeap())
            .jvmOptions(settings.kafkaJvmOptions())
            .shutdownHook(false)
            .start();
    MiniCluster flink = null;
    try {
      out.printf(
          "  Kafka up in %.1f s (%s storage), pid %d, log %s%n",
          kafka.startupTime().toMillis() / 1000.0,
          kafka.formattedStorage() ? "new" : "existing",
          kafka.process().pid(),
          kafka.logFile());
      List<TopicSpec> topics = launcher.topics(context);
      List<String> created = kafka.createTopics(topics);
      out.println("  topics: " + describe(topics, created));

      out.println("Starting Flink (MiniCluster, parallelism " + settings.parallelism() + ") ...");
      Instant flinkStart = Instant.now();
      flink =
          new MiniCluster(
              new MiniClusterConfiguration.Builder()
                  .setConfiguration(conf)
                  .setNumTaskManagers(1)
                  .setNumSlotsPerTaskManager(settings.parallelism())
                  .build());
      flink.start();
      URI rest = flink.getRestAddress().get(FLINK_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      JobID jobId =
          flink
              .submitJob(graph.getJobGraph())
              .get(FLINK_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
              .getJobID();
      out.printf(
          "  Flink up in %.1f s; job '%s' submitted%s%n",
          Duration.between(flinkStart, Instant.now()).toMillis() / 1000.0,
          launcher.name(),
          restoreFrom.map(p -> ", restored from " + p).orElse(" (fresh state)"));
      return new LocalStack(settings, out, kafka, flink, rest, jobId, launcher, restoreFrom);
    } catch (Exception | Error e) {
      if (flink != null) {
        closeQuietly(flink);
      }
      kafka.close();
      throw e;
    }
  }

  /** Where everything is, for the user. */
  public String summary() {
    return String.join(
        "\n",
        "Flywheel is running:",
        "  Kafka bootstrap servers  " + kafka.bootstrapServers(),
        "  topics                   " + topicNames(),
        "  Flink dashboard          " + dashboardUrl(),
        "  job                      " + launcher.name() + " (" + jobId + ")",
        "  state directory          " + settings.stateDir(),
        "  logs                     "
            + kafka.logFile()
            + ", "
            + settings.stateDir().resolve("logs").resolve("flywheel.log"),
        "Press Ctrl-C to stop everything.");
  }

  private String topicNames() {
    return launcher.topics(context()).stream()
        .map(TopicSpec::name)
        .collect(Collectors.joining(", "));
  }

  private PipelineLauncher.Context context() {
    return new PipelineLauncher.Context(
        kafka.bootstrapServers(),
        settings.parallelism(),
        settings.partitions(),
        settings.stateDir(),
        settings.jobArgs());
  }

  /** The dashboard's URL, e.g. {@code http://localhost:8081}. */
  public String dashboardUrl() {
    return "http://localhost:" + restAddress.getPort();
  }

  /** The broker. */
  public LocalKafka kafka() {
    return kafka;
  }

  /** The submitted job's id. */
  public JobID jobId() {
    return jobId;
  }

  /** The launcher that built the job. */
  public PipelineLauncher launcher() {
    return launcher;
  }

  /** The checkpoint the job was restored from, if any. */
  public Optional<Path> restoredFrom() {
    return restoredFrom;
  }

  /** A progress reporter reading the job's metrics through the REST API. */
  public ProgressReporter progressReporter() {
    return new ProgressReporter(
        new FlinkRestClient(URI.create(dashboardUrl()), Duration.ofSeconds(5)),
        jobId.toHexString(),
        launcher.progressMetrics());
  }

  /** The job's status, or empty if the MiniCluster does not answer. */
  public Optional<JobStatus> jobStatus() {
    try {
      return Optional.of(flink.getJobStatus(jobId).get(10, TimeUnit.SECONDS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (ExecutionException | TimeoutException | IllegalStateException e) {
      // IllegalStateException: the MiniCluster is already shut down.
      return Optional.empty();
    }
  }

  /** Why the job failed, if it did (the root of its exception chain, one line). */
  public Optional<String> failureCause() {
    try {
      JobResult result = flink.requestJobResult(jobId).get(10, TimeUnit.SECONDS);
      return result
          .getSerializedThrowable()
          .map(
              t -> {
                Throwable cause = t.deserializeError(LocalStack.class.getClassLoader());
                while (cause.getCause() != null && cause.getCause() != cause) {
                  cause = cause.getCause();
                }
                return cause.toString();
              });
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (ExecutionException | TimeoutException e) {
      return Optional.empty();
    }
  }

  /** Whether {@link #close()} has run. */
  public boolean isClosed() {
    return closed;
  }

  /** Cancels the job, closes the MiniCluster and stops the broker. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    Instant begin = Instant.now();
    out.println("Stopping: cancelling the job ...");
    try {
      JobStatus status = flink.getJobStatus(jobId).get(10, TimeUnit.SECONDS);
      if (!status.isGloballyTerminalState()) {
        flink.cancelJob(jobId).get(FLINK_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        flink.requestJobResult(jobId).get(FLINK_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      out.println("  could not cancel the job cleanly: " + e);
    }
    out.println("Stopping: Flink ...");
    closeQuietly(flink);
    deleteQuietly(webDir(settings));
    out.println("Stopping: Kafka ...");
    kafka.close();
    out.printf(
        "Stopped in %.1f s; state kept in %s%n",
        Duration.between(begin, Instant.now()).toMillis() / 1000.0, settings.stateDir());
  }

  private static void closeQuietly(MiniCluster flink) {
    try {
      flink.closeAsync().get(FLINK_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      System.err.println("flywheel: could not close the Flink MiniCluster: " + e);
    }
  }

  /** The Flink configuration of the MiniCluster and the job. */
  static Configuration flinkConfiguration(Settings settings) throws IOException {
    Path flinkDir = settings.stateDir().resolve("flink");
    Path tmp = Files.createDirectories(flinkDir.resolve("tmp"));
    // Every MiniCluster deletes its web folder on shutdown: one per JVM (BUILD-NOTES trap 9).
    Path web = webDir(settings);
    Path logFile = settings.stateDir().resolve("logs").resolve("flywheel.log");
    Configuration conf = new Configuration();
    conf.set(RestOptions.ADDRESS, "localhost");
    conf.set(RestOptions.BIND_ADDRESS, "localhost");
    conf.set(RestOptions.PORT, settings.dashboardPort());
    conf.set(RestOptions.BIND_PORT, Integer.toString(settings.dashboardPort()));
    conf.set(WebOptions.TMP_DIR, web.toString());
    conf.set(WebOptions.LOG_PATH, logFile.toString());
    conf.set(CoreOptions.TMP_DIRS, tmp.toString());
    conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    conf.set(
        CheckpointingOptions.CHECKPOINTS_DIRECTORY,
        flinkDir.resolve("checkpoints").toUri().toString());
    conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, settings.checkpointInterval());
    conf.set(
        CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
        ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    // A failing job should fail visibly rather than restart forever.
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(5));
    // The REST API serves metrics cached up to this long; the progress line reads them.
    conf.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofSeconds(1));
    return conf;
  }

  private static Path webDir(Settings settings) {
    return settings.stateDir().resolve("flink").resolve("web-" + ProcessHandle.current().pid());
  }

  private static void deleteQuietly(Path dir) {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Only a leftover temp folder.
    }
  }

  /** The newest {@code chk-N/_metadata} under {@code checkpoints} (one folder per job id). */
  static Optional<Path> newestCheckpoint(Path checkpoints) {
    if (!Files.isDirectory(checkpoints)) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.find(checkpoints, 3, (p, attrs) -> isMetadata(p))) {
      return files
          .max(
              (a, b) -> {
                try {
                  return Files.getLastModifiedTime(a).compareTo(Files.getLastModifiedTime(b));
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              })
          .map(Path::getParent);
    } catch (IOException e) {
      throw new UncheckedIOException("could not list checkpoints in " + checkpoints, e);
    }
  }

  /**
   * Deletes every job folder under {@code checkpoints} except the one holding {@code keep} (the
   * newest retained checkpoint), so retained checkpoints do not pile up run after run. Runs before
   * the job starts, when no job writes there; the kept folder is what a restore needs (the new job
   * does not claim it, and the next start picks whichever of the two is newer).
   *
   * @return the folders removed
   */
  static List<Path> pruneCheckpoints(Path checkpoints, Optional<Path> keep) {
    if (!Files.isDirectory(checkpoints)) {
      return List.of();
    }
    Path keepJob = keep.map(Path::getParent).map(Path::toAbsolutePath).orElse(null);
    List<Path> removed = new ArrayList<>();
    try (Stream<Path> jobs = Files.list(checkpoints)) {
      for (Path job : jobs.filter(Files::isDirectory).toList()) {
        if (!job.toAbsolutePath().equals(keepJob)) {
          deleteRecursively(job);
          removed.add(job);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not prune checkpoints in " + checkpoints, e);
    }
    return removed;
  }

  private static void deleteRecursively(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static boolean isMetadata(Path p) {
    return p.getFileName().toString().equals("_metadata")
        && p.getParent() != null
        && p.getParent().getFileName().toString().startsWith("chk-");
  }

  private static String describe(List<TopicSpec> topics, List<String> created) {
    return topics.stream()
        .map(
            t ->
                t.name()
                    + " ("
                    + t.partitions()
                    + (t.configs().isEmpty() ? "" : ", " + t.configs())
                    + (created.contains(t.name()) ? ", created" : ", existing")
                    + ")")
        .collect(Collectors.joining(", "));
  }

  private static void checkPortFree(String option, int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName("localhost"), port));
    } catch (IOException e) {
      throw new IllegalStateException(
          option + " " + port + " is in use (choose another port): " + e.getMessage(), e);
    }
  }
}
