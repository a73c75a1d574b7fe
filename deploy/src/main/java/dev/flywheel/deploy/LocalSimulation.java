package dev.flywheel.deploy;

import dev.flywheel.simulator.RunSummary;
import dev.flywheel.simulator.Simulator;
import dev.flywheel.simulator.SimulatorCli;
import dev.flywheel.simulator.SimulatorSettings;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * The behaviour simulator run inside the local runner ({@code ./flywheel local --simulate}): it
 * plays the application and its users against the job, on its own thread, so the loop can be
 * watched learning in one command. Its progress lines interleave with the runner's.
 *
 * <p>Demo defaults (each applies only when the option is not given): the simulator's clock runs
 * {@value #TIME_SCALE} times faster than the wall clock, and the pipeline's attribution window is
 * {@value #ATTRIBUTION_WINDOW} of event time. The simulator caps click delays at 120 s of event
 * time, inside that window, so every click is attributed; a negative is learned when the window of
 * its impression has passed, {@value #ATTRIBUTION_WINDOW} / {@value #TIME_SCALE} ≈ 9 wall seconds
 * after it was shown. The pipeline also crosses the simulator's user segment with the item's
 * category and id ({@value #CROSSES}): the interactions the simulated users' clicks depend on
 * (docs/simulator.md, "Feature crosses"), with AdaGrad's accumulators starting at {@value
 * #ADAGRAD_INITIAL_ACCUMULATOR} so those rare crosses learn at full steps. The learning curve is
 * rewritten every {@value #CURVE_EVERY} under {@code <state-dir>/simulator/}.
 */
public final class LocalSimulation implements AutoCloseable {
  /** Simulated seconds per wall second, unless {@code --time-scale} is given. */
  public static final String TIME_SCALE = "20";

  /** The pipeline's attribution window under {@code --simulate}, unless the job args set one. */
  public static final String ATTRIBUTION_WINDOW = "3m";

  /** How often the learning curve is rewritten, unless {@code --curve-every} is given. */
  public static final String CURVE_EVERY = "30s";

  /** The pipeline's feature crosses under {@code --simulate}, unless the job args set some. */
  public static final String CROSSES = "segment*category,segment*item";

  /**
   * AdaGrad's accumulator start under {@code --simulate}, unless the job args set one: 0, so the
   * rare crosses learn at full steps (the job's default, 0.1, damps them; it suits sparse real logs
   * better, see BENCHMARKS.md §5–6).
   */
  public static final String ADAGRAD_INITIAL_ACCUMULATOR = "0";

  /** The job option that sets AdaGrad's accumulator start. */
  static final String ADAGRAD_INITIAL_ACCUMULATOR_OPTION =
      "--flywheel.model.adagrad-initial-accumulator";

  /** The job option that sets the attribution window. */
  static final String ATTRIBUTION_WINDOW_OPTION = "--flywheel.join.attribution-window";

  /** The job option that sets the feature crosses. */
  static final String CROSSES_OPTION = "--flywheel.features.crosses";

  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  private static final int RUNNING_TIMEOUT_SECONDS = 120;

  private final Simulator simulator;
  private final Producer<String, byte[]> producer;
  private final Consumer<String, byte[]> consumer;
  private final Thread thread;
  private final PrintStream out;
  private volatile RunSummary summary;
  private volatile Throwable failure;

  private LocalSimulation(
      Simulator simulator,
      Producer<String, byte[]> producer,
      Consumer<String, byte[]> consumer,
      PrintStream out) {
    this.simulator = simulator;
    this.producer = producer;
    this.consumer = consumer;
    this.out = out;
    this.thread = new Thread(this::run, "flywheel-simulator");
    this.thread.setDaemon(true);
  }

  /**
   * The simulator's arguments: the runner's defaults for the options {@code userArgs} does not
   * give, then {@code userArgs}.
   *
   * @param bootstrapServers the local broker
   * @param stateDir the runner's state directory (the curve goes to {@code simulator/} in it)
   * @param userArgs from {@code --sim-arg} / {@code --sim-args}
   */
  static List<String> simulatorArgs(String bootstrapServers, Path stateDir, List<String> userArgs) {
    Map<String, String> defaults = new LinkedHashMap<>();
    defaults.put("--bootstrap-servers", bootstrapServers);
    defaults.put("--time-scale", TIME_SCALE);
    defaults.put("--curve-every", CURVE_EVERY);
    defaults.put("--out", stateDir.resolve("simulator").toString());
    List<String> args = new ArrayList<>();
    defaults.forEach(
        (option, value) -> {
          if (!gives(userArgs, option)) {
            args.add(option);
            args.add(value);
          }
        });
    args.addAll(userArgs);
    return args;
  }

  /**
   * The job's arguments under {@code --simulate}: the demo attribution window, the simulator's
   * feature crosses and AdaGrad's accumulator start for them, each unless {@code jobArgs} sets it,
   * then {@code jobArgs}. The identity job takes no such option.
   */
  static List<String> jobArgs(String job, List<String> jobArgs) {
    if (job.equals(IdentityLauncher.NAME)) {
      return jobArgs;
    }
    List<String> args = new ArrayList<>();
    if (!gives(jobArgs, ATTRIBUTION_WINDOW_OPTION)) {
      args.addAll(List.of(ATTRIBUTION_WINDOW_OPTION, ATTRIBUTION_WINDOW));
    }
    if (!gives(jobArgs, CROSSES_OPTION)) {
      args.addAll(List.of(CROSSES_OPTION, CROSSES));
    }
    if (!gives(jobArgs, ADAGRAD_INITIAL_ACCUMULATOR_OPTION)) {
      args.addAll(List.of(ADAGRAD_INITIAL_ACCUMULATOR_OPTION, ADAGRAD_INITIAL_ACCUMULATOR));
    }
    args.addAll(jobArgs);
    return args;
  }

  /** Splits {@code --sim-args "a b c"} on whitespace. */
  static List<String> split(String args) {
    String trimmed = args == null ? "" : args.trim();
    return trimmed.isEmpty() ? List.of() : List.of(trimmed.split("\\s+"));
  }

  private static boolean gives(List<String> args, String option) {
    return args.stream().anyMatch(a -> a.equals(option) || a.startsWith(option + "="));
  }

  /**
   * Waits until the job is RUNNING (at most {@value #RUNNING_TIMEOUT_SECONDS} s), so the first
   * requests do not all time out while the job deploys.
   *
   * @return false if the job ended or the stack closed first (the simulator is then not started)
   */
  static boolean awaitRunning(LocalStack stack, PrintStream out) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(RUNNING_TIMEOUT_SECONDS);
    while (!stack.isClosed()) {
      Optional<JobStatus> status = stack.jobStatus();
      if (status.isPresent() && status.get() == JobStatus.RUNNING) {
        return true;
      }
      if (status.isPresent() && status.get().isGloballyTerminalState()) {
        out.println("Simulator not started: the job is " + status.get());
        return false;
      }
      if (System.nanoTime() > deadline) {
        out.println(
            "The job is not RUNNING after "
                + RUNNING_TIMEOUT_SECONDS
                + " s ("
                + status.map(Enum::name).orElse("no status")
                + "); starting the simulator anyway");
        return true;
      }
      Thread.sleep(250);
    }
    return false;
  }

  /**
   * Parses the simulator's options and starts it on its own thread.
   *
   * @throws picocli.CommandLine.ParameterException naming a bad simulator option
   */
  public static LocalSimulation start(List<String> args, PrintStream out) {
    SimulatorSettings settings = SimulatorCli.parse(args.toArray(String[]::new));
    Producer<String, byte[]> producer =
        Simulator.kafkaProducer(settings.bootstrapServers(), Map.of());
    Consumer<String, byte[]> consumer =
        Simulator.kafkaConsumer(settings.bootstrapServers(), Map.of());
    LocalSimulation sim =
        new LocalSimulation(
            new Simulator(settings, producer, consumer, out), producer, consumer, out);
    out.printf(
        Locale.ROOT,
        "Simulator: %s policy, %.0f requests/s, time scale %s, learning curve in %s%n",
        settings.policy().name().toLowerCase(Locale.ROOT),
        settings.rate(),
        settings.timeScale(),
        settings.outDir());
    sim.thread.start();
    return sim;
  }

  private void run() {
    try {
      summary = simulator.run();
      RunSummary s = summary;
      out.printf(
          Locale.ROOT,
          "Simulator done: %d requests, %s CTR %.2f%% (random %.2f%%, oracle %.2f%% on the same"
              + " requests), fallbacks %d%n",
          s.requests(),
          s.policy(),
          100 * s.ctr(),
          100 * s.randomCtr(),
          100 * s.oracleCtr(),
          s.fallbacks());
    } catch (InterruptedException e) {
      failure = e;
    } catch (RuntimeException e) {
      failure = e;
      out.println("Simulator failed: " + e);
    } finally {
      consumer.close(Duration.ofSeconds(5));
      producer.close(Duration.ofSeconds(5));
    }
  }

  /** Whether the simulator's thread has ended (request limit, duration, failure). */
  public boolean isDone() {
    return !thread.isAlive();
  }

  /** What the run did, once it has ended normally. */
  public RunSummary summary() {
    return summary;
  }

  /** Why the run failed, if it did. */
  public Throwable failure() {
    return failure;
  }

  /**
   * Stops the simulator (pending requests settle, scheduled clicks are dropped, the curve is
   * written) and waits for its thread, at most 30 s.
   */
  @Override
  public void close() {
    simulator.stop();
    try {
      thread.join(STOP_TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      out.println("Simulator did not stop within " + STOP_TIMEOUT.toSeconds() + " s");
    }
  }
}
