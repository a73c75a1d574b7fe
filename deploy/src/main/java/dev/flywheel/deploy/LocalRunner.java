package dev.flywheel.deploy;

import dev.flywheel.simulator.SimulatorCli;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.api.common.JobStatus;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./flywheel local}: the whole stack on this machine with no Docker. Starts a Kafka broker
 * (KRaft, child JVM), creates the topics, starts a Flink MiniCluster with its dashboard, submits
 * the job, prints where everything is and then a progress line every few seconds. Ctrl-C cancels
 * the job and stops Flink and Kafka; their state stays in the state directory for the next run.
 */
@Command(
    name = "flywheel local",
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Runs Kafka (KRaft, its own JVM), a Flink MiniCluster with its dashboard and the job on this"
          + " machine, and prints progress until Ctrl-C.",
      "Job options go after '--', e.g. ./flywheel local -- --delivery-guarantee exactly-once"
    })
public final class LocalRunner implements Callable<Integer> {

  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      defaultValue = ".flywheel",
      description = "Where Kafka's data, checkpoints and logs live (default: ${DEFAULT-VALUE}).")
  Path stateDir;

  @Option(
      names = "--kafka-port",
      paramLabel = "PORT",
      defaultValue = "9092",
      description = "Kafka client port (default: ${DEFAULT-VALUE}).")
  int kafkaPort;

  @Option(
      names = "--controller-port",
      paramLabel = "PORT",
      defaultValue = "9093",
      description = "Kafka KRaft controller port (default: ${DEFAULT-VALUE}).")
  int controllerPort;

  @Option(
      names = "--dashboard-port",
      paramLabel = "PORT",
      defaultValue = "8081",
      description = "Flink dashboard and REST port (default: ${DEFAULT-VALUE}).")
  int dashboardPort;

  @Option(
      names = "--parallelism",
      paramLabel = "N",
      defaultValue = "2",
      description = "Job parallelism and task slots (default: ${DEFAULT-VALUE}).")
  int parallelism;

  @Option(
      names = "--partitions",
      paramLabel = "N",
      defaultValue = "2",
      description = "Partitions of the topics created (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(
      names = "--checkpoint-interval",
      paramLabel = "DURATION",
      defaultValue = "10s",
      converter = DurationConverter.class,
      description = "Checkpoint interval (default: ${DEFAULT-VALUE}).")
  Duration checkpointInterval;

  @Option(
      names = "--progress-interval",
      paramLabel = "DURATION",
      defaultValue = "5s",
      converter = DurationConverter.class,
      description = "How often to print a progress line (default: ${DEFAULT-VALUE}).")
  Duration progressInterval;

  @Option(
      names = "--no-restore",
      negatable = false,
      description = "Start the job with fresh state instead of the newest retained checkpoint.")
  boolean noRestore;

  @Option(
      names = "--kafka-heap",
      paramLabel = "SIZE",
      defaultValue = "1g",
      description = "Maximum heap of the Kafka broker's JVM (default: ${DEFAULT-VALUE}).")
  String kafkaHeap;

  @Option(
      names = "--kafka-jvm-option",
      paramLabel = "OPTION",
      description =
          "Extra option of the Kafka broker's JVM, repeatable (e.g."
              + " --kafka-jvm-option=-XX:TieredStopAtLevel=1 starts faster, runs slower).")
  List<String> kafkaJvmOptions = new ArrayList<>();

  @Option(
      names = "--job",
      paramLabel = "NAME",
      defaultValue = PipelineLaunchers.DEFAULT,
      description = "Job to run: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).",
      completionCandidates = JobNames.class)
  String job;

  @Option(
      names = "--simulate",
      negatable = false,
      description =
          "Also run the behaviour simulator against the job once it runs (see docs/simulator.md):"
              + " time scale "
              + LocalSimulation.TIME_SCALE
              + " and an attribution window of "
              + LocalSimulation.ATTRIBUTION_WINDOW
              + " and the feature crosses "
              + LocalSimulation.CROSSES
              + " unless given; the learning curve goes to <state-dir>/simulator/.")
  boolean simulate;

  @Option(
      names = "--sim-arg",
      paramLabel = "ARG",
      description = "One simulator argument, repeatable (e.g. --sim-arg=--rate --sim-arg=300).")
  List<String> simArgList = new ArrayList<>();

  @Option(
      names = "--sim-args",
      paramLabel = "\"ARGS\"",
      description =
          "Simulator arguments in one string, split on spaces (e.g. --sim-args \"--rate 300\").")
  String simArgs;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help; '-- --help' shows the job's options.")
  boolean help;

  @Parameters(
      paramLabel = "JOB_OPTION",
      arity = "0..*",
      description = "Options passed to the job, after '--' (try: -- --help).")
  List<String> jobArgs = new ArrayList<>();

  private final PrintStream out;
  private final CountDownLatch stopped = new CountDownLatch(1);

  /** A runner printing to standard output. */
  public LocalRunner() {
    this(System.out);
  }

  /** A runner printing to {@code out}. */
  LocalRunner(PrintStream out) {
    this.out = out;
  }

  /** The settings the options describe (validated). */
  LocalStack.Settings settings() {
    return new LocalStack.Settings(
        stateDir,
        kafkaPort,
        controllerPort,
        dashboardPort,
        parallelism,
        partitions,
        checkpointInterval,
        progressInterval,
        !noRestore,
        kafkaHeap,
        kafkaJvmOptions,
        job,
        simulate ? LocalSimulation.jobArgs(job, jobArgs) : jobArgs);
  }

  /** The simulator's arguments (runner defaults, then --sim-args, then --sim-arg). */
  List<String> simulatorArgs(LocalStack.Settings settings) {
    List<String> user = new ArrayList<>(LocalSimulation.split(simArgs));
    user.addAll(simArgList);
    return LocalSimulation.simulatorArgs(
        "localhost:" + settings.kafkaPort(), settings.stateDir(), user);
  }

  @Override
  public Integer call() throws Exception {
    LocalStack.Settings settings;
    try {
      settings = settings();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage(), e);
    }
    if (jobArgs.contains("--help") || jobArgs.contains("-h")) {
      out.println(PipelineLaunchers.get(settings.job()).usage());
      return 0;
    }
    if (simulate) {
      SimulatorCli.parse(simulatorArgs(settings).toArray(String[]::new)); // bad options fail early
    }
    LocalStack stack = LocalStack.start(settings, out);
    AtomicReference<LocalSimulation> sim = new AtomicReference<>();
    Thread shutdown =
        new Thread(
            () -> {
              closeSimulation(sim.get());
              stack.close();
              stopped.countDown();
            },
            "flywheel-local-stop");
    Runtime.getRuntime().addShutdownHook(shutdown);
    out.println(stack.summary());
    if (simulate && LocalSimulation.awaitRunning(stack, out)) {
      sim.set(LocalSimulation.start(simulatorArgs(settings), out));
    }
    int exitCode = reportProgress(stack, settings);
    try {
      Runtime.getRuntime().removeShutdownHook(shutdown);
    } catch (IllegalStateException e) {
      return exitCode; // Ctrl-C: the JVM is shutting down and the hook stops the stack
    }
    // The job ended by itself (finished or failed): stop the rest.
    closeSimulation(sim.get());
    stack.close();
    return exitCode;
  }

  private static void closeSimulation(LocalSimulation sim) {
    if (sim != null) {
      sim.close();
    }
  }

  /** Prints a progress line every interval until the job ends or the stack is closed. */
  private int reportProgress(LocalStack stack, LocalStack.Settings settings)
      throws InterruptedException {
    Duration interval = settings.progressInterval();
    ProgressReporter progress = stack.progressReporter();
    Instant start = Instant.now();
    while (!stopped.await(interval.toMillis(), TimeUnit.MILLISECONDS)) {
      String line = progress.nextLine(Duration.between(start, Instant.now()));
      if (stack.isClosed()) {
        break; // Ctrl-C: the shutdown hook is stopping everything
      }
      out.println(line);
      Optional<JobStatus> status = stack.jobStatus();
      if (status.isPresent() && status.get().isGloballyTerminalState()) {
        out.println("The job ended: " + status.get());
        if (status.get() == JobStatus.FAILED) {
          out.println("  cause: " + stack.failureCause().orElse("unknown"));
          out.println(
              "  (if it failed restoring old state, run again with --no-restore; logs in "
                  + settings.stateDir().resolve("logs")
                  + ")");
          return 1;
        }
        return 0;
      }
    }
    return 0;
  }

  /** Names of the jobs, for {@code --help}. */
  static final class JobNames extends ArrayList<String> {
    private static final long serialVersionUID = 1L;

    JobNames() {
      super(PipelineLaunchers.names());
    }
  }

  /**
   * Runs the local stack. The log file is set before anything logs: {@code
   * <state-dir>/logs/flywheel.log}.
   */
  public static void main(String[] args) {
    LocalRunner runner = new LocalRunner();
    CommandLine cli = new CommandLine(runner);
    cli.setExecutionStrategy(
        parseResult -> {
          if (runner.stateDir != null) {
            Path logFile =
                runner.stateDir.toAbsolutePath().normalize().resolve("logs/flywheel.log");
            System.setProperty("flywheel.log.file", logFile.toString());
            // Log4j's own warnings (e.g. about Flink's log message formats) stay off the console.
            System.setProperty("log4j2.statusLoggerLevel", "ERROR");
          }
          return new CommandLine.RunLast().execute(parseResult);
        });
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          System.err.println("flywheel local: " + e.getMessage());
          if (System.getenv("FLYWHEEL_DEBUG") != null) {
            e.printStackTrace();
          } else {
            System.err.println("(set FLYWHEEL_DEBUG=1 for the stack trace)");
          }
          return 1;
        });
    int exitCode = cli.execute(args);
    System.exit(exitCode);
  }
}
