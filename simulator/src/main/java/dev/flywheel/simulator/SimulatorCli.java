package dev.flywheel.simulator;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The simulator's command line: {@code java -cp … dev.flywheel.simulator.SimulatorCli --help}.
 * Parses the options once into {@link SimulatorSettings}, then either plays against Kafka ({@link
 * Simulator}) or, with {@code --offline}, runs the random and oracle policies without Kafka.
 */
@Command(
    name = "flywheel-simulator",
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Plays the application and its users: sends requests to the events topic, reads the"
          + " pipeline's predictions, shows k items per request (policy model, random or oracle),"
          + " draws clicks from a hidden click model and sends them after their delay. Writes the"
          + " learning curve (CSV + PNG) at the end."
    })
public final class SimulatorCli implements Callable<Integer> {

  @Option(
      names = "--bootstrap-servers",
      defaultValue = "localhost:9092",
      description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
  String bootstrapServers;

  @Option(
      names = "--events-topic",
      defaultValue = "events",
      description = "Topic the events are sent to (default: ${DEFAULT-VALUE}).")
  String eventsTopic;

  @Option(
      names = "--predictions-topic",
      defaultValue = "predictions",
      description = "Topic the predictions are read from (default: ${DEFAULT-VALUE}).")
  String predictionsTopic;

  @Option(
      names = "--model",
      defaultValue = "default",
      description = "Model id stamped on every event (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(
      names = "--run-id",
      description =
          "Prefix of request ids so runs do not collide (default: derived from the start time;"
              + " \"\" for plain r-<n>).")
  String runId;

  @Option(
      names = "--policy",
      defaultValue = "model",
      description = "model, random or oracle (default: ${DEFAULT-VALUE}).")
  SimulatorSettings.PolicyKind policy;

  @Option(
      names = "--rate",
      defaultValue = "200",
      description = "Requests per second (default: ${DEFAULT-VALUE}).")
  double rate;

  @Option(
      names = "--requests",
      defaultValue = "0",
      description =
          "Stop after this many requests, 0 = no limit (default: ${DEFAULT-VALUE}; --offline: 0"
              + " means 100000).")
  long requests;

  @Option(
      names = "--duration",
      defaultValue = "0",
      converter = DurationConverter.class,
      description = "Stop after this long, e.g. 90s, 10m, PT1H; 0 = no limit (default: 0).")
  Duration duration;

  @Option(
      names = {"-k", "--k"},
      defaultValue = "5",
      description = "Items shown per request (default: ${DEFAULT-VALUE}).")
  int k;

  @Option(
      names = "--candidates",
      defaultValue = "20",
      description = "Candidates per request (default: ${DEFAULT-VALUE}).")
  int candidates;

  @Option(
      names = "--epsilon",
      defaultValue = "0.02",
      description =
          "Model policy: exploration probability per position (default: ${DEFAULT-VALUE}).")
  double epsilon;

  @Option(
      names = "--prediction-timeout",
      defaultValue = "2s",
      converter = DurationConverter.class,
      description =
          "How long a request waits for its prediction before a random fallback (default: 2s).")
  Duration predictionTimeout;

  @Option(
      names = "--time-scale",
      defaultValue = "1",
      description =
          "Simulated seconds per wall second: click delays shrink and event times run faster"
              + " (default: ${DEFAULT-VALUE}).")
  double timeScale;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Seeds the world and every draw (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--drift-at",
      defaultValue = "0",
      description = "Request index at which preferences drift, 0 = never (default: 0).")
  long driftAt;

  @Option(
      names = "--drift",
      defaultValue = "both",
      description = "What drifts: swap_segments, rotate_items or both (default: ${DEFAULT-VALUE}).")
  WorldConfig.DriftKind drift;

  @Option(
      names = "--users",
      defaultValue = "10000",
      description = "Users in the world (default: ${DEFAULT-VALUE}).")
  int users;

  @Option(
      names = "--items",
      defaultValue = "1000",
      description = "Items in the catalog (default: ${DEFAULT-VALUE}).")
  int items;

  @Option(
      names = "--segments",
      defaultValue = "8",
      description = "Observable user segments (default: ${DEFAULT-VALUE}).")
  int segments;

  @Option(
      names = "--categories",
      defaultValue = "20",
      description = "Observable item categories (default: ${DEFAULT-VALUE}).")
  int categories;

  @Option(
      names = "--window",
      defaultValue = "1000",
      description = "Requests per learning-curve window (default: ${DEFAULT-VALUE}).")
  int window;

  @Option(
      names = "--progress-every",
      defaultValue = "5s",
      converter = DurationConverter.class,
      description = "Interval of the progress line (default: 5s).")
  Duration progressEvery;

  @Option(
      names = "--curve-every",
      defaultValue = "0",
      converter = DurationConverter.class,
      description = "Also write the curve at this interval during the run; 0 = at the end only.")
  Duration curveEvery;

  @Option(
      names = "--out",
      defaultValue = ".flywheel/simulator",
      description =
          "Directory of learning-curve.csv and learning-curve.png (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(
      names = "--drain-clicks",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "After the last request, wait for the scheduled clicks (at most the max click delay /"
              + " time scale) before stopping (default: true).")
  boolean drainClicks;

  @Option(
      names = "--producer-property",
      paramLabel = "KEY=VALUE",
      description = "Extra Kafka producer config, repeatable (e.g. security.protocol=SSL).")
  Map<String, String> producerProperties = new LinkedHashMap<>();

  @Option(
      names = "--consumer-property",
      paramLabel = "KEY=VALUE",
      description =
          "Extra Kafka consumer config, repeatable; with an exactly-once pipeline:"
              + " isolation.level=read_committed (and a prediction timeout above the checkpoint"
              + " interval).")
  Map<String, String> consumerProperties = new LinkedHashMap<>();

  @Option(
      names = "--offline",
      description =
          "No Kafka: play random and oracle on the same requests, print their CTRs and the"
              + " analytic expectations, write the curve.")
  boolean offline;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help and exit.")
  boolean help;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private final PrintStream stdout;

  /** A CLI printing to {@link System#out}. */
  public SimulatorCli() {
    this(System.out);
  }

  SimulatorCli(PrintStream stdout) {
    this.stdout = stdout;
  }

  /**
   * Entry point. Uses the simulator's own logging config (Kafka client warnings only) unless {@code
   * log4j2.configurationFile} is set; an embedding launcher keeps its own.
   */
  public static void main(String[] args) {
    if (System.getProperty("log4j2.configurationFile") == null) {
      System.setProperty("log4j2.configurationFile", "log4j2-simulator.properties");
    }
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
    System.exit(execute(args));
  }

  /**
   * Runs the command line without exiting (for launchers that embed the simulator).
   *
   * @return the exit code: 0 success, 1 failure, 2 bad options
   */
  public static int execute(String... args) {
    return commandLine(new SimulatorCli()).execute(args);
  }

  /**
   * Parses simulator options into settings without running anything, for launchers that start a
   * {@link Simulator} themselves (on their own thread, stopped with {@link Simulator#stop()}).
   *
   * @throws CommandLine.ParameterException if an option is unknown or invalid (the message names
   *     it)
   */
  public static SimulatorSettings parse(String... args) {
    SimulatorCli cli = new SimulatorCli();
    CommandLine cmd = commandLine(cli);
    cmd.parseArgs(args);
    try {
      return cli.settings();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cmd, e.getMessage(), e);
    }
  }

  static CommandLine commandLine(SimulatorCli cli) {
    CommandLine cmd = new CommandLine(cli);
    cmd.setCaseInsensitiveEnumValuesAllowed(true);
    return cmd;
  }

  /** The settings these options describe, validated. */
  SimulatorSettings settings() {
    WorldConfig d = WorldConfig.defaults();
    WorldConfig world =
        new WorldConfig(
                users,
                items,
                segments,
                categories,
                d.latentDim(),
                d.bias(),
                d.popularityScale(),
                d.groupFactorScale(),
                d.individualFactorScale(),
                d.affinityScale(),
                d.maxPriceSensitivity(),
                d.positionDecay(),
                d.clickDelayMedianSeconds(),
                d.clickDelaySigma(),
                d.maxClickDelaySeconds(),
                driftAt,
                drift,
                seed)
            .validate();
    String id = runId != null ? runId : Long.toString(System.currentTimeMillis() % 46_656_000L, 36);
    return new SimulatorSettings(
            bootstrapServers,
            eventsTopic,
            predictionsTopic,
            model,
            id,
            policy,
            rate,
            requests,
            duration,
            candidates,
            k,
            epsilon,
            predictionTimeout,
            timeScale,
            window,
            progressEvery,
            curveEvery,
            out,
            drainClicks,
            world)
        .validate();
  }

  @Override
  public Integer call() throws Exception {
    SimulatorSettings s;
    try {
      s = settings();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    if (offline) {
      return runOffline(s);
    }
    try (Producer<String, byte[]> producer =
            Simulator.kafkaProducer(s.bootstrapServers(), producerProperties);
        Consumer<String, byte[]> consumer =
            s.policy() == SimulatorSettings.PolicyKind.MODEL
                ? Simulator.kafkaConsumer(s.bootstrapServers(), consumerProperties)
                : null) {
      Simulator sim = new Simulator(s, producer, consumer, stdout);
      CountDownLatch finished = new CountDownLatch(1);
      Thread hook =
          new Thread(
              () -> {
                sim.stop();
                try {
                  finished.await(15, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "simulator-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        printSummary(s, sim.run());
      } finally {
        finished.countDown();
      }
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the JVM is already exiting: the hook is running
      }
      return 0;
    }
  }

  private int runOffline(SimulatorSettings s) throws IOException {
    long n = s.requests() > 0 ? s.requests() : 100_000;
    World world = new World(s.world());
    CurveRecorder random =
        OfflineRun.run(world, new RandomPolicy(world), n, s.candidates(), s.k(), s.window());
    CurveRecorder oracle =
        OfflineRun.run(world, new OraclePolicy(world), n, s.candidates(), s.k(), s.window());
    double expRandom = 0;
    double expOracle = 0;
    for (long i = 0; i < n; i++) {
      Request r = world.request(i, s.candidates());
      expRandom += OfflineRun.randomExpectation(world, r, s.k())[0];
      expOracle += OfflineRun.oracleExpectation(world, r, s.k())[0];
    }
    long impressions = n * s.k();
    stdout.printf(
        Locale.ROOT,
        "offline, seed %d, %d requests, %d candidates, k %d, drift at %d:%n"
            + "  random CTR %.4f%% (expected %.4f%%)%n"
            + "  oracle CTR %.4f%% (expected %.4f%%)%n",
        s.world().seed(),
        n,
        s.candidates(),
        s.k(),
        s.world().driftAtRequest(),
        100 * random.ctr(),
        100 * expRandom / impressions,
        100 * oracle.ctr(),
        100 * expOracle / impressions);
    if (s.outDir() != null) {
      Path[] files =
          new LearningCurve(null, random, oracle, s.world().driftAtRequest()).write(s.outDir());
      stdout.println("  wrote " + files[0] + " and " + files[1]);
    }
    return 0;
  }

  private void printSummary(SimulatorSettings s, RunSummary r) {
    stdout.printf(
        Locale.ROOT,
        "done: %d requests, %d impressions, %d clicks (%d dropped at the end), %s CTR %.3f%%,"
            + " random %.3f%%, oracle %.3f%% on the same requests; fallbacks %d, late predictions"
            + " %d, malformed %d, model version %d, send errors %d%n",
        r.requests(),
        r.impressions(),
        r.clicks(),
        r.clicksDropped(),
        r.policy(),
        100 * r.ctr(),
        100 * r.randomCtr(),
        100 * r.oracleCtr(),
        r.fallbacks(),
        r.latePredictions(),
        r.malformedPredictions(),
        r.modelVersion(),
        r.sendErrors());
    if (s.outDir() != null) {
      stdout.println(
          "learning curve: "
              + s.outDir().resolve(LearningCurve.CSV)
              + ", "
              + s.outDir().resolve(LearningCurve.PNG));
    }
  }

  /**
   * Reads durations as {@code 500ms}, {@code 90s}, {@code 10m}, {@code 1h}, ISO-8601 or seconds.
   */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      String v = value.trim().toLowerCase(Locale.ROOT);
      try {
        if (v.startsWith("pt") || v.startsWith("p")) {
          return Duration.parse(value.trim().toUpperCase(Locale.ROOT));
        }
        if (v.endsWith("ms")) {
          return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2).trim()));
        }
        char unit = v.charAt(v.length() - 1);
        String num = Character.isDigit(unit) ? v : v.substring(0, v.length() - 1).trim();
        double amount = Double.parseDouble(num);
        double seconds =
            switch (unit) {
              case 's' -> amount;
              case 'm' -> amount * 60;
              case 'h' -> amount * 3600;
              default -> {
                if (!Character.isDigit(unit) && unit != '.') {
                  throw new NumberFormatException("unknown unit " + unit);
                }
                yield amount;
              }
            };
        if (!(seconds >= 0) || Double.isInfinite(seconds)) {
          throw new NumberFormatException("negative or infinite");
        }
        return Duration.ofNanos(Math.round(seconds * 1e9));
      } catch (RuntimeException e) {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is not a duration (e.g. 500ms, 90s, 10m, 1h, PT1H)");
      }
    }
  }
}
