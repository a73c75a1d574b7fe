package dev.flywheel.deploy.bench;

import dev.flywheel.jobs.config.JobSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.connector.base.DeliveryGuarantee;

/**
 * The harness's settings, validated once; errors name the option.
 *
 * @param records events pre-produced for the throughput phase
 * @param rateFractions offered rates of the latency phase as fractions of the measured pipeline
 *     throughput
 * @param absoluteRates offered rates in records/s; when non-empty they replace {@code
 *     rateFractions}
 * @param rateBasis what {@code rateFractions} are fractions of
 * @param duration measured time per offered rate
 * @param warmup unmeasured time at each rate before the measured window
 * @param drainTimeout how long to wait after a rate's last send for its predictions
 * @param repeats how often each measurement is repeated
 * @param deliveryGuarantee of every Kafka sink (both jobs)
 * @param parallelism of the jobs and slots of the MiniCluster
 * @param partitions of the events and output topics
 * @param outputDir where result files go
 * @param kafkaPort broker client port, 0 for a free one
 * @param controllerPort KRaft controller port, 0 for a free one
 * @param dashboardPort Flink REST/dashboard port, 0 for a free one
 * @param kafkaHeap the broker JVM's {@code -Xmx}
 * @param seed of the synthetic events
 * @param phases which phases run
 * @param jfr whether to profile one extra pipeline run with JFR
 * @param warmupRuns unmeasured runs of each job before the throughput repeats (JIT warm-up)
 * @param jobArgs extra pipeline options ({@code --flywheel.key value}), applied last
 * @param command the command line as typed, for the result file
 */
public record BenchSettings(
    long records,
    List<Double> rateFractions,
    List<Double> absoluteRates,
    RateBasis rateBasis,
    Duration duration,
    Duration warmup,
    Duration drainTimeout,
    int repeats,
    int warmupRuns,
    DeliveryGuarantee deliveryGuarantee,
    int parallelism,
    int partitions,
    Path outputDir,
    int kafkaPort,
    int controllerPort,
    int dashboardPort,
    String kafkaHeap,
    long seed,
    Set<Phase> phases,
    boolean jfr,
    List<String> jobArgs,
    String command) {

  /** The parts of a run. */
  public enum Phase {
    /** Identity vs pipeline over the same pre-produced records. */
    THROUGHPUT,
    /** Open-loop latency and model freshness at fixed offered rates. */
    LATENCY
  }

  /** What the latency phase's rate fractions are fractions of. */
  public enum RateBasis {
    /**
     * The highest open-loop rate the pipeline keeps up with, searched in one job before the latency
     * runs ({@link LatencyBench#searchSustainable}): the "highest sustainable rate".
     */
    SUSTAINABLE,
    /** The pipeline's records/s in the throughput phase (pre-produced input, no producer). */
    REPLAY
  }

  /**
   * Options the harness gives the pipeline before the user's: a short attribution window so that
   * impressions become (negative) examples within a run and the trainer sees the full example
   * stream, as it would at steady state.
   */
  public static final List<String> DEFAULT_JOB_ARGS =
      List.of("--flywheel.join.attribution-window", "5s");

  /** Validates and copies. */
  public BenchSettings {
    if (warmupRuns < 0) {
      throw new IllegalArgumentException("--warmup-runs must be >= 0, got " + warmupRuns);
    }
    if (records < 1) {
      throw new IllegalArgumentException("--records must be >= 1, got " + records);
    }
    rateFractions = List.copyOf(rateFractions);
    absoluteRates = List.copyOf(absoluteRates);
    for (double f : rateFractions) {
      if (!(f > 0 && f <= 10)) {
        throw new IllegalArgumentException("--rates must be fractions in (0, 10], got " + f);
      }
    }
    for (double r : absoluteRates) {
      if (!(r >= 1 && r <= 10_000_000)) {
        throw new IllegalArgumentException(
            "--absolute-rates must be in [1, 1e7] records/s, got " + r);
      }
    }
    if (rateFractions.isEmpty() && absoluteRates.isEmpty()) {
      throw new IllegalArgumentException("--rates or --absolute-rates must name at least one rate");
    }
    requirePositive("--duration", duration);
    if (warmup.isNegative()) {
      throw new IllegalArgumentException("--warmup must be >= 0, got " + warmup);
    }
    requirePositive("--drain-timeout", drainTimeout);
    if (repeats < 1 || repeats > 100) {
      throw new IllegalArgumentException("--repeats must be in [1, 100], got " + repeats);
    }
    if (parallelism < 1 || parallelism > 64) {
      throw new IllegalArgumentException("--parallelism must be in [1, 64], got " + parallelism);
    }
    if (partitions < 1 || partitions > 64) {
      throw new IllegalArgumentException("--partitions must be in [1, 64], got " + partitions);
    }
    checkPort("--kafka-port", kafkaPort);
    checkPort("--controller-port", controllerPort);
    checkPort("--dashboard-port", dashboardPort);
    phases = Set.copyOf(phases);
    if (phases.isEmpty()) {
      throw new IllegalArgumentException("--phases must name at least one phase");
    }
    if (phases.contains(Phase.LATENCY)
        && !phases.contains(Phase.THROUGHPUT)
        && absoluteRates.isEmpty()) {
      throw new IllegalArgumentException(
          "--phases latency without throughput needs --absolute-rates (no measured maximum)");
    }
    jobArgs = List.copyOf(jobArgs);
  }

  /**
   * Checks the pipeline options by parsing them once, so a bad one fails before a broker starts.
   *
   * @return this
   * @throws IllegalArgumentException naming the bad option
   */
  public BenchSettings validated() {
    pipelineSettings("localhost:9092", "check");
    return this;
  }

  private static void requirePositive(String option, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(option + " must be > 0, got " + d);
    }
  }

  private static void checkPort(String option, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          option + " must be in 0..65535 (0: any free), got " + port);
    }
  }

  /** Topic names of one job run, all derived from a tag. */
  public record Topics(String events, String predictions, String modelUpdates, String dlq) {
    static Topics of(String events, String tag) {
      return new Topics(
          events, "bench-predictions-" + tag, "bench-model-updates-" + tag, "bench-dlq-" + tag);
    }
  }

  /** The pipeline's arguments for one run: harness-set options, then the user's. */
  public List<String> pipelineArgs(String bootstrapServers, String tag, Topics topics) {
    List<String> args = new ArrayList<>();
    Map<String, String> set = new LinkedHashMap<>();
    set.put("flywheel.kafka.bootstrap-servers", bootstrapServers);
    set.put("flywheel.topic.events", topics.events());
    set.put("flywheel.topic.predictions", topics.predictions());
    set.put("flywheel.topic.model-updates", topics.modelUpdates());
    set.put("flywheel.topic.dlq", topics.dlq());
    set.put("flywheel.kafka.group-id", "bench-" + tag);
    set.put("flywheel.kafka.transactional-id-prefix", "bench-" + tag);
    set.put("flywheel.kafka.starting-offsets", "EARLIEST");
    set.put("flywheel.kafka.delivery-guarantee", deliveryGuarantee.name());
    set.put("flywheel.parallelism", Integer.toString(parallelism));
    set.forEach(
        (k, v) -> {
          args.add("--" + k);
          args.add(v);
        });
    args.addAll(DEFAULT_JOB_ARGS);
    args.addAll(jobArgs);
    return args;
  }

  /** The pipeline's settings for one run. */
  public JobSettings pipelineSettings(String bootstrapServers, String tag) {
    Topics topics = Topics.of("bench-events", tag);
    return pipelineSettings(bootstrapServers, tag, topics);
  }

  /** The pipeline's settings for one run on {@code topics}, reading the events topic forever. */
  public JobSettings pipelineSettings(String bootstrapServers, String tag, Topics topics) {
    return pipelineSettings(bootstrapServers, tag, topics, false);
  }

  /**
   * The pipeline's settings for one run on {@code topics}; {@code bounded} stops the source at the
   * end offsets the events topic had when the job started ({@code flywheel.kafka.bounded}).
   */
  public JobSettings pipelineSettings(
      String bootstrapServers, String tag, Topics topics, boolean bounded) {
    List<String> args = new ArrayList<>(pipelineArgs(bootstrapServers, tag, topics));
    if (bounded) {
      args.add("--flywheel.kafka.bounded");
      args.add("true");
    }
    try {
      return JobSettings.fromArgs(args.toArray(new String[0]));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("pipeline option (after --): " + e.getMessage(), e);
    }
  }

  /** The settings as a map, for the result file. */
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("records", records);
    m.put("rates", rateFractions);
    m.put("absoluteRates", absoluteRates);
    m.put("rateBasis", rateBasis.name());
    m.put("durationPerRate", duration.toString());
    m.put("warmupPerRate", warmup.toString());
    m.put("drainTimeout", drainTimeout.toString());
    m.put("repeats", repeats);
    m.put("warmupRuns", warmupRuns);
    m.put("deliveryGuarantee", deliveryGuarantee.name());
    m.put("parallelism", parallelism);
    m.put("partitions", partitions);
    m.put("kafkaHeap", kafkaHeap);
    m.put("seed", seed);
    m.put("phases", phases.stream().map(Enum::name).sorted().toList());
    m.put("jfr", jfr);
    return m;
  }
}
