package dev.flywheel.deploy.bench;

import dev.flywheel.deploy.bench.BenchResult.Events;
import dev.flywheel.deploy.bench.BenchResult.Goal;
import dev.flywheel.deploy.bench.BenchResult.JobRun;
import dev.flywheel.deploy.bench.BenchResult.Machine;
import dev.flywheel.deploy.bench.BenchResult.Profile;
import dev.flywheel.deploy.bench.BenchResult.RateResult;
import dev.flywheel.deploy.bench.BenchResult.RateRun;
import dev.flywheel.deploy.bench.BenchResult.Throughput;
import dev.flywheel.deploy.bench.BenchSettings.Phase;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.apache.flink.connector.base.DeliveryGuarantee;

/**
 * The end-to-end benchmark: a broker in a child JVM and a MiniCluster in this one; throughput of
 * the pipeline against the identity job over the same records, then open-loop latency and model
 * freshness at fixed fractions of the pipeline's measured throughput. See docs/bench/pipeline.md.
 */
public final class PipelineBench {
  /** Goal: pipeline throughput as a fraction of the identity job's. */
  public static final double GOAL_THROUGHPUT_FRACTION = 0.5;

  /** Goal: p99 event → prediction latency at half the highest sustainable rate, ms. */
  public static final double GOAL_P99_LATENCY_MS = 100;

  /** Goal: p99 model freshness at half the highest sustainable rate, ms. */
  public static final double GOAL_P99_FRESHNESS_MS = 1000;

  private final BenchSettings settings;
  private final PrintStream out;
  private final List<String> notes = new ArrayList<>();

  public PipelineBench(BenchSettings settings, PrintStream out) {
    this.settings = settings;
    this.out = out;
  }

  /** Runs every phase and returns the result (not yet written). */
  public BenchResult run() throws Exception {
    Instant date = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    double loadStart = ResourceMeter.loadAverage();
    String uptimeStart = uptime();
    Path work = settings.outputDir().resolve("work-" + ProcessHandle.current().pid());
    Events events = null;
    Throughput throughput = null;
    List<RateResult> latency = new ArrayList<>();
    BenchResult.Sustainable sustainable = null;
    Profile profile = null;
    // before the cluster: see JfrProfile for why
    JfrProfile jfr =
        settings.jfr()
            ? JfrProfile.start(settings.outputDir().resolve("pipeline.jfr").toAbsolutePath())
            : null;
    out.println(
        "Starting Kafka (child JVM) and a Flink MiniCluster (parallelism "
            + settings.parallelism()
            + ") ...");
    try (BenchCluster cluster =
        BenchCluster.start(
            work,
            settings.kafkaPort(),
            settings.controllerPort(),
            settings.dashboardPort(),
            settings.kafkaHeap(),
            settings.parallelism(),
            settings.pipelineSettings("localhost:9092", "check").checkpointInterval())) {
      out.printf(
          "  Kafka up in %.1f s at %s%n",
          cluster.brokerStartup().toMillis() / 1000.0, cluster.bootstrapServers());
      if (settings.phases().contains(Phase.THROUGHPUT)) {
        out.println("Throughput: producing the events ...");
        ThroughputBench bench = new ThroughputBench(cluster, settings, out);
        events = bench.produce();
        long expectedPredictions = events.requests() + events.impressions();
        List<JobRun> identity = new ArrayList<>();
        List<JobRun> pipeline = new ArrayList<>();
        for (int w = 1; w <= settings.warmupRuns(); w++) {
          out.printf("  warm-up run %d of each job (not measured):%n", w);
          bench.identity(-w);
          bench.pipeline(-w, expectedPredictions);
        }
        for (int repeat = 1; repeat <= settings.repeats(); repeat++) {
          identity.add(bench.identity(repeat));
          Instant from = Instant.now();
          pipeline.add(bench.pipeline(repeat, expectedPredictions));
          if (jfr != null) {
            jfr.window(from, Instant.now());
          }
        }
        throughput = throughput(identity, pipeline);
        checkComplete(identity);
        checkComplete(pipeline);
        if (jfr != null) {
          profile = jfr.summarise();
        }
      }
      if (settings.phases().contains(Phase.LATENCY)) {
        Path timelines =
            settings
                .outputDir()
                .resolve(
                    "timeline-"
                        + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                            .withZone(ZoneOffset.UTC)
                            .format(date));
        double[] rates;
        double[] fractions;
        if (!settings.absoluteRates().isEmpty()) {
          rates =
              settings.absoluteRates().stream().mapToDouble(Double::doubleValue).sorted().toArray();
          fractions = new double[rates.length];
          java.util.Arrays.fill(fractions, Double.NaN);
        } else {
          double replay = throughput.pipelineRecordsPerSecond().median();
          if (Double.isNaN(replay)) {
            throw new IllegalStateException(
                "no pipeline throughput measured: give --absolute-rates");
          }
          double max = replay;
          if (settings.rateBasis() == BenchSettings.RateBasis.SUSTAINABLE) {
            out.printf(
                "Searching the highest sustainable open-loop rate (at most %d probes of %d s,"
                    + " from the replay rate up, then bisecting) ...%n",
                LatencyBench.SEARCH.budget(), LatencyBench.PROBE_DURATION.toSeconds());
            try (GcPauses gc = GcPauses.start()) {
              sustainable =
                  new LatencyBench(cluster, settings, out, gc, timelines).searchSustainable(replay);
            }
            max = sustainable.rate();
            out.printf(
                "  highest sustainable rate: %,.0f/s (%.0f %% of the replay throughput); %s%n",
                max, 100 * max / replay, BenchReport.searchOutcome(sustainable));
            if (!sustainable.found()) {
              notes.add(
                  "no probe of the sustainable-rate search was sustained: the rates are fractions"
                      + " of its bottom (not probed), "
                      + Math.round(100 * LatencyBench.SEARCH.low())
                      + " % of the replay throughput");
            } else if (!sustainable.bracketed()) {
              notes.add(
                  "every probe of the sustainable-rate search was sustained: its rate is only a"
                      + " lower bound");
            }
          }
          fractions =
              settings.rateFractions().stream().mapToDouble(Double::doubleValue).sorted().toArray();
          rates = new double[fractions.length];
          for (int i = 0; i < rates.length; i++) {
            rates[i] = Math.max(1, Math.round(fractions[i] * max));
          }
        }
        out.println(
            "Latency: open-loop rates " + java.util.Arrays.toString(rates) + " records/s ...");
        List<List<RateRun>> runs;
        try (GcPauses gc = GcPauses.start()) {
          runs = new LatencyBench(cluster, settings, out, gc, timelines).run(rates);
        }
        out.println("  latency timelines (CSV): " + timelines);
        for (int i = 0; i < rates.length; i++) {
          latency.add(rateResult(fractions[i], rates[i], runs.get(i)));
        }
      }
    } finally {
      if (jfr != null) {
        jfr.close();
      }
    }
    notes.addAll(methodNotes());
    Machine machine =
        new Machine(
            Runtime.getRuntime().availableProcessors(),
            cpuModel(),
            System.getProperty("java.version"),
            System.getProperty("os.name") + " " + System.getProperty("os.version"),
            loadStart,
            ResourceMeter.loadAverage(),
            uptimeStart,
            uptime());
    return new BenchResult(
        settings.command(),
        ManagementFactory.getRuntimeMXBean().getInputArguments(),
        date.toString(),
        machine,
        settings.describe(),
        settings.pipelineArgs("<broker>", "<run>", BenchSettings.Topics.of("<events>", "<run>")),
        events,
        throughput,
        sustainable,
        latency,
        goals(throughput, sustainable, latency),
        profile,
        List.copyOf(notes));
  }

  private void checkComplete(List<JobRun> runs) {
    for (JobRun run : runs) {
      if (run.outputRecords() != run.expectedOutputRecords()) {
        notes.add(
            String.format(
                "%s repeat %d wrote %d records, expected %d: its figure is suspect",
                run.job(), run.repeat(), run.outputRecords(), run.expectedOutputRecords()));
      }
      if (run.deadLetters() > 0) {
        notes.add(
            run.job()
                + " repeat "
                + run.repeat()
                + " wrote "
                + run.deadLetters()
                + " dead letters");
      }
    }
  }

  static Throughput throughput(List<JobRun> identity, List<JobRun> pipeline) {
    List<Double> ratio = new ArrayList<>();
    List<Double> ratioNet = new ArrayList<>();
    List<Double> ratioSteady = new ArrayList<>();
    for (int i = 0; i < Math.min(identity.size(), pipeline.size()); i++) {
      ratio.add(pipeline.get(i).recordsPerSecond() / identity.get(i).recordsPerSecond());
      ratioNet.add(
          pipeline.get(i).recordsPerSecondNetRuntime()
              / identity.get(i).recordsPerSecondNetRuntime());
      ratioSteady.add(
          pipeline.get(i).recordsPerSecondSteady() / identity.get(i).recordsPerSecondSteady());
    }
    return new Throughput(
        identity,
        pipeline,
        summary(identity, JobRun::recordsPerSecond),
        summary(pipeline, JobRun::recordsPerSecond),
        Summary.of(ratio),
        summary(identity, JobRun::recordsPerSecondNetRuntime),
        summary(pipeline, JobRun::recordsPerSecondNetRuntime),
        Summary.of(ratioNet),
        summary(identity, JobRun::recordsPerSecondSteady),
        summary(pipeline, JobRun::recordsPerSecondSteady),
        Summary.of(ratioSteady));
  }

  static RateResult rateResult(double fraction, double rate, List<RateRun> runs) {
    return new RateResult(
        fraction,
        rate,
        runs,
        summary(runs, r -> r.appendLatencyMs().p50()),
        summary(runs, r -> r.appendLatencyMs().p99()),
        summary(runs, r -> r.appendLatencyMs().p999()),
        summary(runs, r -> r.appendLatencyMs().max()),
        summary(runs, r -> r.freshnessMs().p50()),
        summary(runs, r -> r.freshnessMs().p99()),
        summary(runs, r -> r.freshnessUnknown()),
        summary(runs, r -> r.expectedPredictions() - r.receivedPredictions()),
        summary(runs, r -> r.usage().harnessCores()),
        summary(runs, r -> r.usage().brokerCores()),
        summary(runs, r -> r.producerLagMicros().p99() / 1000),
        summary(runs, r -> r.gcPauses().count()),
        summary(runs, r -> r.gcPauses().totalMillis()),
        summary(runs, r -> r.gcPauses().maxMillis()));
  }

  private static <T> Summary summary(List<T> runs, ToDoubleFunction<T> f) {
    return Summary.of(runs.stream().map(r -> f.applyAsDouble(r)).toList());
  }

  /** The goals against the medians; the latency goals at the rate nearest to half the maximum. */
  static List<Goal> goals(
      Throughput throughput, BenchResult.Sustainable sustainable, List<RateResult> latency) {
    List<Goal> goals = new ArrayList<>();
    if (throughput != null) {
      double ratio = throughput.pipelineToIdentitySteady().median();
      goals.add(
          new Goal(
              "pipeline throughput / identity throughput (steady: middle 80 % of the outputs)",
              ">= 50 %",
              100 * ratio,
              "%",
              Double.isNaN(ratio) ? null : ratio >= GOAL_THROUGHPUT_FRACTION));
    }
    RateResult half = null;
    for (RateResult r : latency) {
      if (!Double.isNaN(r.fractionOfMax())
          && (half == null
              || Math.abs(r.fractionOfMax() - 0.5) < Math.abs(half.fractionOfMax() - 0.5))) {
        half = r;
      }
    }
    if (half != null) {
      String at =
          String.format(
              java.util.Locale.ROOT,
              " at %.0f %% of %s (%,.0f/s)",
              100 * half.fractionOfMax(),
              sustainable != null ? "the highest sustainable rate" : "the replay throughput",
              half.offeredRate());
      double p99 = half.latencyP99Ms().median();
      double fresh = half.freshnessP99Ms().median();
      goals.add(
          new Goal(
              "p99 event → prediction latency" + at,
              "<= 100 ms",
              p99,
              "ms",
              Double.isNaN(p99) ? null : p99 <= GOAL_P99_LATENCY_MS));
      goals.add(
          new Goal(
              "p99 model freshness" + at,
              "<= 1000 ms",
              fresh,
              "ms",
              Double.isNaN(fresh) ? null : fresh <= GOAL_P99_FRESHNESS_MS));
    }
    return goals;
  }

  private List<String> methodNotes() {
    List<String> n = new ArrayList<>();
    n.add(
        "Throughput, steady (the goal's figure): 80 % of the input records / (append time of the"
            + " output at 90 % − that of the output at 10 %), the job's start (deployment, first"
            + " models) and end left out; for the pipeline the outputs are its predictions, one per"
            + " request and impression, spread evenly over the input. First → last output: input"
            + " records / (last − first output record's broker append time). The third figure"
            + " divides by Flink's net runtime of the job (deployment and end of input included)."
            + " Both jobs read the same pre-produced records with a bounded"
            + " Kafka source and write topics with message.timestamp.type=LogAppendTime.");
    n.add(
        "Latency: open-loop producer; each event's ts is its intended send time; latency ="
            + " prediction append time (LogAppendTime) − ts, so time spent behind schedule counts."
            + " Requests and impressions get predictions; only events whose intended time lies"
            + " after the warm-up count.");
    n.add(
        "Freshness: prediction scoredAt − newestEventTime of the model version that scored it,"
            + " read from the model-updates records' headers (one model id). A positive example's"
            + " event time is its click's ts (= the click's intended send time).");
    if (settings.deliveryGuarantee() == DeliveryGuarantee.EXACTLY_ONCE) {
      n.add(
          "Exactly-once: latency is measured at append; a read_committed consumer sees a"
              + " prediction only when the checkpoint commits its transaction (up to one"
              + " checkpoint interval later).");
    }
    n.add(
        "The harness's producer and consumers run in the same JVM as the MiniCluster (their CPU"
            + " counts as harness CPU); the broker has its own JVM.");
    return n;
  }

  static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      // not Linux
    }
    return System.getProperty("os.arch");
  }

  static String uptime() {
    try {
      Process p = new ProcessBuilder("uptime").redirectErrorStream(true).start();
      String text = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor();
      return text;
    } catch (IOException e) {
      return "(uptime not available)";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(interrupted)";
    }
  }
}
