package dev.flywheel.deploy.bench;

import dev.flywheel.deploy.DurationConverter;
import dev.flywheel.deploy.IdentityJob;
import dev.flywheel.deploy.bench.BenchSettings.Phase;
import dev.flywheel.deploy.bench.BenchSettings.RateBasis;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.flink.connector.base.DeliveryGuarantee;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./flywheel bench}: the end-to-end benchmark (not part of the test suite). Writes {@code
 * bench-<date>.json} and {@code .md} into the output directory and prints the Markdown.
 */
@Command(
    name = "flywheel bench",
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Measures the pipeline end to end on a local Kafka broker (child JVM) and a Flink"
          + " MiniCluster: throughput against the identity job over the same records, open-loop"
          + " latency at fixed offered rates, model freshness, CPU and heap.",
      "Pipeline options (--flywheel.key value) go after '--'."
    })
public final class BenchMain implements Callable<BenchSettings> {
  @Option(
      names = "--records",
      paramLabel = "N",
      defaultValue = "1000000",
      description = "Events pre-produced for the throughput phase (default: ${DEFAULT-VALUE}).")
  long records;

  @Option(
      names = "--rates",
      paramLabel = "F,F,...",
      split = ",",
      defaultValue = "0.25,0.5,0.75",
      description =
          "Offered rates of the latency phase as fractions of the maximum named by --rate-basis"
              + " (default: ${DEFAULT-VALUE}).")
  List<Double> rates;

  @Option(
      names = "--rate-basis",
      paramLabel = "BASIS",
      defaultValue = "sustainable",
      converter = RateBasisConverter.class,
      description =
          "What --rates are fractions of: sustainable (the highest open-loop rate the pipeline"
              + " keeps up with, searched first in one job: median latency of a probe at most"
              + " 500 ms, every prediction back; at most 6 probes of 15 s, the first at the replay"
              + " rate, then x1.5 while sustained up to 4x it, then bisecting between the highest"
              + " sustained and the lowest failed probe) or replay (the throughput phase's pipeline"
              + " records/s) (default: ${DEFAULT-VALUE}).")
  RateBasis rateBasis;

  @Option(
      names = "--absolute-rates",
      paramLabel = "R,R,...",
      split = ",",
      description = "Offered rates in records/s; replace --rates (needed with --phases latency).")
  List<Double> absoluteRates = new ArrayList<>();

  @Option(
      names = "--duration",
      paramLabel = "DURATION",
      defaultValue = "20s",
      converter = DurationConverter.class,
      description = "Measured time per offered rate (default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(
      names = "--warmup",
      paramLabel = "DURATION",
      defaultValue = "5s",
      converter = DurationConverter.class,
      description =
          "Unmeasured time at each rate before the measured window (default: ${DEFAULT-VALUE}).")
  Duration warmup;

  @Option(
      names = "--drain-timeout",
      paramLabel = "DURATION",
      defaultValue = "30s",
      converter = DurationConverter.class,
      description =
          "Longest wait for a rate's predictions after its last send (default: ${DEFAULT-VALUE}).")
  Duration drainTimeout;

  @Option(
      names = "--repeats",
      paramLabel = "R",
      defaultValue = "3",
      description = "Repeats of every measurement (default: ${DEFAULT-VALUE}).")
  int repeats;

  @Option(
      names = "--warmup-runs",
      paramLabel = "N",
      defaultValue = "2",
      description =
          "Unmeasured runs of the identity job and of the pipeline before the throughput repeats,"
              + " so that no repeat pays for a cold JIT; one run leaves the pipeline's compiler"
              + " busy in the first repeat (default: ${DEFAULT-VALUE}).")
  int warmupRuns;

  @Option(
      names = "--delivery-guarantee",
      paramLabel = "GUARANTEE",
      defaultValue = "at-least-once",
      converter = IdentityJob.DeliveryGuaranteeConverter.class,
      description =
          "Of every Kafka sink, both jobs: at-least-once | exactly-once | none"
              + " (default: ${DEFAULT-VALUE}).")
  DeliveryGuarantee deliveryGuarantee;

  @Option(
      names = "--parallelism",
      paramLabel = "P",
      defaultValue = "2",
      description =
          "Parallelism of both jobs and slots of the MiniCluster (default: ${DEFAULT-VALUE}).")
  int parallelism;

  @Option(
      names = "--partitions",
      paramLabel = "N",
      defaultValue = "2",
      description = "Partitions of the events and output topics (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(
      names = "--output-dir",
      paramLabel = "DIR",
      defaultValue = "deploy/target/bench",
      description = "Where the result files go (default: ${DEFAULT-VALUE}).")
  Path outputDir;

  @Option(
      names = "--kafka-port",
      paramLabel = "PORT",
      defaultValue = "0",
      description = "Broker client port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int kafkaPort;

  @Option(
      names = "--controller-port",
      paramLabel = "PORT",
      defaultValue = "0",
      description = "Broker KRaft controller port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int controllerPort;

  @Option(
      names = "--dashboard-port",
      paramLabel = "PORT",
      defaultValue = "0",
      description = "Flink REST/dashboard port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int dashboardPort;

  @Option(
      names = "--kafka-heap",
      paramLabel = "SIZE",
      defaultValue = "1g",
      description = "The broker JVM's -Xmx (default: ${DEFAULT-VALUE}).")
  String kafkaHeap;

  @Option(
      names = "--seed",
      paramLabel = "N",
      defaultValue = "20261127",
      description = "Seed of the synthetic events (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--phases",
      paramLabel = "PHASE,...",
      split = ",",
      defaultValue = "throughput,latency",
      converter = PhaseConverter.class,
      description = "Which phases run: throughput, latency (default: ${DEFAULT-VALUE}).")
  List<Phase> phases;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help.")
  boolean help;

  @Option(
      names = "--jfr",
      description =
          "Record JFR execution samples (every 10 ms) from the start; those of the measured"
              + " pipeline repeats (top frames, tasks) go into the report.")
  boolean jfr;

  @Parameters(
      paramLabel = "PIPELINE-OPTION",
      arity = "0..*",
      description =
          "After '--': pipeline options, e.g. -- --flywheel.trainer.publish-interval 500ms")
  List<String> jobArgs = new ArrayList<>();

  private String[] args = new String[0];

  @Override
  public BenchSettings call() {
    return new BenchSettings(
            records,
            rates,
            absoluteRates,
            rateBasis,
            duration,
            warmup,
            drainTimeout,
            repeats,
            warmupRuns,
            deliveryGuarantee,
            parallelism,
            partitions,
            outputDir.toAbsolutePath().normalize(),
            kafkaPort,
            controllerPort,
            dashboardPort,
            kafkaHeap,
            seed,
            phases.isEmpty() ? EnumSet.noneOf(Phase.class) : EnumSet.copyOf(phases),
            jfr,
            jobArgs,
            ("./flywheel bench " + String.join(" ", args)).trim())
        .validated();
  }

  /**
   * Parses {@code args} into settings.
   *
   * @throws CommandLine.ParameterException naming the bad option
   */
  public static BenchSettings parse(String... args) {
    BenchMain main = new BenchMain();
    main.args = args.clone();
    CommandLine cli = new CommandLine(main);
    cli.parseArgs(args);
    try {
      return main.call();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cli, e.getMessage(), e);
    }
  }

  /** Parses an enum constant by its name in any case; the error lists the names in lower case. */
  abstract static class AnyCaseEnumConverter<E extends Enum<E>>
      implements CommandLine.ITypeConverter<E> {
    private final Class<E> type;

    AnyCaseEnumConverter(Class<E> type) {
      this.type = type;
    }

    @Override
    public E convert(String value) {
      try {
        return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        List<String> names = new ArrayList<>();
        for (E c : type.getEnumConstants()) {
          names.add(c.name().toLowerCase(Locale.ROOT));
        }
        throw new CommandLine.TypeConversionException(
            "expected " + String.join(" or ", names) + ", got '" + value + "'");
      }
    }
  }

  /** Parses {@code sustainable} or {@code replay}, any case. */
  public static final class RateBasisConverter extends AnyCaseEnumConverter<RateBasis> {
    public RateBasisConverter() {
      super(RateBasis.class);
    }
  }

  /** Parses {@code throughput} or {@code latency}, any case. */
  public static final class PhaseConverter extends AnyCaseEnumConverter<Phase> {
    public PhaseConverter() {
      super(Phase.class);
    }
  }

  /**
   * Runs the benchmark; exit code 0 when it completed (goals met or not), 1 when it failed, 2 on a
   * usage error.
   */
  public static void main(String[] args) throws Exception {
    CommandLine cli = new CommandLine(new BenchMain());
    BenchSettings settings;
    String stamp =
        ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    try {
      cli.parseArgs(args);
      if (cli.isUsageHelpRequested()) {
        cli.usage(System.out);
        return;
      }
      // Before anything logs (checking the pipeline options already loads Flink's classes).
      Path outputDir = ((BenchMain) cli.getCommand()).outputDir.toAbsolutePath().normalize();
      System.setProperty(
          "flywheel.log.file", outputDir.resolve("bench-" + stamp + ".log").toString());
      settings = parse(args);
    } catch (CommandLine.ParameterException e) {
      System.err.println("flywheel bench: " + e.getMessage());
      e.getCommandLine().usage(System.err);
      System.exit(2);
      return;
    }
    System.out.println("Flink's and the harness's log: " + System.getProperty("flywheel.log.file"));
    BenchResult result;
    try {
      result = new PipelineBench(settings, System.out).run();
    } catch (Exception e) {
      System.err.println("flywheel bench: the run failed: " + e);
      e.printStackTrace();
      System.exit(1); // Flink and Kafka client threads may linger
      return;
    }
    List<Path> files = BenchReport.write(result, settings.outputDir(), "bench-" + stamp);
    System.out.println();
    System.out.print(BenchReport.markdown(result));
    System.out.println("Results: " + files.get(0) + " and " + files.get(1));
    System.exit(0); // Flink and Kafka client threads may linger
  }
}
