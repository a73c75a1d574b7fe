package dev.flywheel.deploy.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.deploy.bench.BenchResult.Events;
import dev.flywheel.deploy.bench.BenchResult.Goal;
import dev.flywheel.deploy.bench.BenchResult.JobRun;
import dev.flywheel.deploy.bench.BenchResult.Machine;
import dev.flywheel.deploy.bench.BenchResult.Percentiles;
import dev.flywheel.deploy.bench.BenchResult.RateResult;
import dev.flywheel.deploy.bench.BenchResult.RateRun;
import dev.flywheel.deploy.bench.BenchResult.Throughput;
import dev.flywheel.jobs.FlywheelJob;
import dev.flywheel.jobs.config.JobSettings;
import dev.flywheel.jobs.events.Event;
import dev.flywheel.jobs.events.EventDecoder;
import dev.flywheel.jobs.events.EventType;
import dev.flywheel.jobs.events.Prediction;
import dev.flywheel.jobs.events.PredictionJson;
import dev.flywheel.jobs.updates.ModelUpdate;
import dev.flywheel.jobs.updates.ModelUpdateFormat;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The harness's pieces on tiny inputs: no broker, no cluster, no timing. */
class BenchPiecesTest {

  // ---------------------------------------------------------------- histogram

  @Test
  void histogramPercentilesMatchSortedArrayWithinOneBucket() {
    Random random = new Random(42);
    LogHistogram h = new LogHistogram();
    long[] values = new long[20_001];
    for (int i = 0; i < values.length; i++) {
      values[i] = (long) Math.exp(random.nextDouble() * Math.log(50_000_000)); // log-uniform
      h.record(values[i]);
    }
    Arrays.sort(values);
    for (double q : new double[] {0, 0.01, 0.5, 0.9, 0.99, 0.999, 1}) {
      long exact = values[(int) Math.max(0, Math.ceil(q * values.length) - 1)];
      assertThat(h.percentile(q))
          .as("q=%s exact=%d", q, exact)
          .isGreaterThanOrEqualTo(exact)
          .isLessThanOrEqualTo(exact + exact / 64.0);
    }
    assertThat(h.max()).isEqualTo(values[values.length - 1]);
    assertThat(h.min()).isEqualTo(values[0]);
    assertThat(h.count()).isEqualTo(values.length);
    assertThat(h.percentile(1)).isEqualTo(values[values.length - 1]);
  }

  @Test
  void histogramIsExactBelow128AndCountsNegatives() {
    LogHistogram h = new LogHistogram();
    for (long v = 1; v <= 100; v++) {
      h.record(v);
    }
    h.record(-5);
    assertThat(h.negatives()).isEqualTo(1);
    assertThat(h.count()).isEqualTo(101);
    assertThat(h.percentile(0.5)).isEqualTo(50); // rank 51 of 0,1..100
    assertThat(h.percentile(0.99)).isEqualTo(99);
    assertThat(h.min()).isZero();
    assertThat(new LogHistogram().percentile(0.5)).isNaN();
    assertThatThrownBy(() -> h.percentile(1.5)).hasMessageContaining("q must be in [0, 1]");
  }

  @Test
  void histogramBucketsCoverEveryValueOnce() {
    Random random = new Random(7);
    for (int i = 0; i < 100_000; i++) {
      long v = (random.nextLong() >>> 1) >>> random.nextInt(63);
      int index = LogHistogram.index(v);
      assertThat(LogHistogram.upperBound(index)).as("v=%d", v).isGreaterThanOrEqualTo(v);
      if (index > 0) {
        assertThat(LogHistogram.upperBound(index - 1)).as("v=%d", v).isLessThan(v);
      }
    }
    assertThat(LogHistogram.upperBound(LogHistogram.index(Long.MAX_VALUE)))
        .isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void histogramsAdd() {
    LogHistogram a = new LogHistogram();
    LogHistogram b = new LogHistogram();
    a.record(10);
    b.record(1000);
    b.record(20);
    a.add(b);
    assertThat(a.count()).isEqualTo(3);
    assertThat(a.max()).isEqualTo(1000);
    assertThat(a.percentile(0.5)).isEqualTo(20);
    assertThat(a.mean()).isEqualTo(1030 / 3.0);
  }

  // ---------------------------------------------------------------- open-loop schedule

  @Test
  void scheduleSpacesIntendedTimesEvenlyFromTheStart() {
    OpenLoopSchedule s = new OpenLoopSchedule(5_000, 1_000_000, 1000, 10);
    assertThat(s.intendedNanos(0)).isEqualTo(5_000);
    assertThat(s.intendedNanos(3)).isEqualTo(5_000 + 3_000_000);
    assertThat(s.intendedEpochMillis(0)).isEqualTo(1_000_000);
    assertThat(s.intendedEpochMillis(7)).isEqualTo(1_000_007);
    assertThat(s.endNanos()).isEqualTo(5_000 + 10_000_000);
    OpenLoopSchedule third = new OpenLoopSchedule(0, 0, 3, 3);
    assertThat(third.intendedNanos(1)).isEqualTo(333_333_333);
    assertThat(third.intendedEpochMillis(2)).isEqualTo(666);
    assertThat(OpenLoopSchedule.slotsFor(1000, 20_000_000_000L)).isEqualTo(20_000);
    assertThat(OpenLoopSchedule.slotsFor(2.5, 1_000_000_000L)).isEqualTo(2);
  }

  @Test
  void slotsBecomeDueAtTheirIntendedTimeWhetherOrNotEarlierOnesWereSent() {
    OpenLoopSchedule s = new OpenLoopSchedule(1_000, 0, 1000, 5);
    assertThat(s.dueAt(999)).isZero();
    assertThat(s.dueAt(1_000)).isEqualTo(1);
    assertThat(s.dueAt(1_000 + 999_999)).isEqualTo(1);
    assertThat(s.dueAt(1_000 + 1_000_000)).isEqualTo(2);
    // A producer that stalled for 3.5 ms finds 4 slots due at once, not one.
    assertThat(s.dueAt(1_000 + 3_500_000)).isEqualTo(4);
    assertThat(s.dueAt(Long.MAX_VALUE / 2)).isEqualTo(5);
    Random random = new Random(3);
    OpenLoopSchedule odd = new OpenLoopSchedule(0, 0, 7_777.7, 100_000);
    for (int i = 0; i < 10_000; i++) {
      long now = (long) (random.nextDouble() * odd.endNanos());
      long due = odd.dueAt(now);
      assertThat(odd.intendedNanos(due - 1)).isLessThanOrEqualTo(now);
      if (due < odd.slots()) {
        assertThat(odd.intendedNanos(due)).isGreaterThan(now);
      }
    }
    assertThatThrownBy(() -> new OpenLoopSchedule(0, 0, 0, 1)).hasMessageContaining("rate");
  }

  // ---------------------------------------------------------------- synthetic events

  @Test
  void syntheticEventsFollowTheContractAndTheSeed() {
    EventDecoder decoder = new EventDecoder(JobSettings.defaults().decoderConfig());
    SyntheticEvents a = new SyntheticEvents(11);
    SyntheticEvents b = new SyntheticEvents(11);
    Set<String> impressions = new HashSet<>();
    Map<SyntheticEvents.Type, Integer> counts = new java.util.EnumMap<>(SyntheticEvents.Type.class);
    long bytes = 0;
    int n = 20_000;
    for (int i = 0; i < n; i++) {
      long ts = 1_764_000_000_000L + i;
      SyntheticEvents.Record r = a.next(ts);
      assertThat(b.next(ts).value()).isEqualTo(r.value());
      Event e = decoder.decode(r.value());
      assertThat(e)
          .as("%s: %s", new String(r.value(), StandardCharsets.UTF_8), decoder.failure())
          .isNotNull();
      assertThat(e.ts).isEqualTo(ts);
      counts.merge(r.type(), 1, Integer::sum);
      bytes += r.value().length;
      switch (r.type()) {
        case REQUEST -> assertThat(e.type).isEqualTo(EventType.REQUEST);
        case IMPRESSION -> impressions.add(e.impressionId);
        case CLICK ->
            assertThat(impressions).as("click after its impression").contains(e.impressionId);
      }
    }
    assertThat(counts.get(SyntheticEvents.Type.IMPRESSION))
        .isBetween(
            2 * counts.get(SyntheticEvents.Type.REQUEST) - 2,
            2 * counts.get(SyntheticEvents.Type.REQUEST));
    double ctr =
        (double) counts.get(SyntheticEvents.Type.CLICK)
            / counts.get(SyntheticEvents.Type.IMPRESSION);
    assertThat(ctr).isBetween(0.05, 0.4);
    assertThat(bytes / (double) n).isBetween(150.0, 260.0);
    assertThat(new SyntheticEvents(12).next(1_764_000_000_000L).value())
        .isNotEqualTo(new SyntheticEvents(11).next(1_764_000_000_000L).value());
  }

  // ---------------------------------------------------------------- predictions and freshness

  @Test
  void readsTheFieldsOfAPredictionTheJobWrites() throws Exception {
    Prediction p = new Prediction();
    p.type = EventType.REQUEST;
    p.model = "default";
    p.modelVersion = 17;
    p.requestId = "r1";
    p.rankedItemIds = new String[] {"i2", "i1"};
    p.rankedScores = new double[] {0.5, 0.25};
    p.eventTs = 1_764_000_000_123L;
    p.scoredAt = 1_764_000_000_456L;
    LatencyBench.PredictionFields f = LatencyBench.parsePrediction(PredictionJson.encode(p));
    assertThat(f)
        .isEqualTo(new LatencyBench.PredictionFields(17, 1_764_000_000_123L, 1_764_000_000_456L));
  }

  @Test
  void freshnessJoinsPredictionVersionsWithTheirNewestExampleTime() {
    LatencyBench.Window w = new LatencyBench.Window(1000, 2000);
    assertThat(w.contains(999)).isFalse();
    assertThat(w.contains(2000)).isTrue();
    w.add(1000, 1010, 1020, 3, 1500); // version 3, scored at 1500
    w.add(1100, 1150, 1160, 4, 1700);
    w.add(1200, 1201, 1202, 0, 1300); // never published: unknown
    w.add(1300, 1301, 1302, 5, 1800); // not read yet: unknown and unread
    LogHistogram fresh = new LogHistogram();
    long[] counts = LatencyBench.freshness(w, Map.of(3L, 1200L, 4L, 1650L, 0L, 0L), fresh);
    assertThat(counts).containsExactly(2, 1);
    assertThat(fresh.count()).isEqualTo(2);
    assertThat(fresh.min()).isEqualTo(50); // 1700 - 1650
    assertThat(fresh.max()).isEqualTo(300); // 1500 - 1200
    assertThat(w.received()).isEqualTo(4);
    assertThat(w.append.max()).isEqualTo(50);
  }

  // ---------------------------------------------------------------- options

  @Test
  void optionsHaveDefaultsPassJobOptionsThroughAndNameBadOnes() {
    BenchSettings s =
        BenchMain.parse("--records", "1000", "--", "--flywheel.trainer.batch-size", "32");
    assertThat(s.records()).isEqualTo(1000);
    assertThat(s.rateFractions()).containsExactly(0.25, 0.5, 0.75);
    assertThat(s.repeats()).isEqualTo(3);
    assertThat(s.warmupRuns()).isEqualTo(2);
    assertThat(BenchMain.parse("--warmup-runs", "0").warmupRuns()).isZero();
    assertThat(s.describe()).containsEntry("warmupRuns", 2);
    assertThat(s.rateBasis()).isEqualTo(BenchSettings.RateBasis.SUSTAINABLE);
    assertThat(BenchMain.parse("--rate-basis", "Replay").rateBasis())
        .isEqualTo(BenchSettings.RateBasis.REPLAY);
    assertThatThrownBy(() -> BenchMain.parse("--rate-basis", "max"))
        .hasMessageContaining("expected sustainable or replay, got 'max'");
    assertThatThrownBy(() -> BenchMain.parse("--phases", "thruput"))
        .hasMessageContaining("expected throughput or latency, got 'thruput'");
    assertThat(s.phases())
        .containsExactlyInAnyOrder(BenchSettings.Phase.THROUGHPUT, BenchSettings.Phase.LATENCY);
    assertThat(s.command())
        .isEqualTo("./flywheel bench --records 1000 -- --flywheel.trainer.batch-size 32");
    JobSettings job = s.pipelineSettings("localhost:1234", "t");
    assertThat(job.batchSize()).isEqualTo(32);
    assertThat(job.attributionWindow()).hasSeconds(5);
    assertThat(job.predictionsTopic()).isEqualTo("bench-predictions-t");
    assertThat(job.bootstrapServers()).isEqualTo("localhost:1234");

    assertThatThrownBy(() -> BenchMain.parse("--warmup-runs", "-1"))
        .hasMessageContaining("--warmup-runs");
    assertThatThrownBy(() -> BenchMain.parse("--repeats", "0"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("--repeats");
    assertThatThrownBy(() -> BenchMain.parse("--phases", "latency"))
        .hasMessageContaining("--absolute-rates");
    assertThatThrownBy(() -> BenchMain.parse("--", "--flywheel.trainer.batch-size", "0"))
        .hasMessageContaining("flywheel.trainer.batch-size");
  }

  @Test
  void theIdentityJobRunsWithThePipelinesObjectReuseAndBufferTimeout() {
    BenchSettings s = BenchMain.parse("--records", "1000");
    Configuration pipeline =
        FlywheelJob.flinkConfiguration(s.pipelineSettings("localhost:1234", "t"));
    Configuration identity = ThroughputBench.identityConfiguration();
    assertThat(pipeline.get(PipelineOptions.OBJECT_REUSE)).isTrue();
    assertThat(identity.get(PipelineOptions.OBJECT_REUSE))
        .isEqualTo(pipeline.get(PipelineOptions.OBJECT_REUSE));
    assertThat(identity.get(ExecutionOptions.BUFFER_TIMEOUT))
        .isEqualTo(pipeline.get(ExecutionOptions.BUFFER_TIMEOUT));
  }

  // ---------------------------------------------------------------- result file

  @Test
  void theThroughputGoalIsJudgedOnTheSteadyRatio() {
    ResourceMeter.Usage usage =
        new ResourceMeter.Usage(1000, 1500, 300, 100 << 20, 200 << 20, 1 << 30, 1.5, 2.5);
    // first → last output: 40 %; steady: 55 %
    List<JobRun> identity =
        List.of(
            new JobRun(1, "identity", 1000, 1000, 1000, 0, 0, 250_000, 0, 200_000, 4, 4, 4, usage));
    List<JobRun> pipeline =
        List.of(
            new JobRun(1, "pipeline", 1000, 600, 600, 0, 5, 100_000, 0, 110_000, 7, 10, 10, usage));
    Throughput t = PipelineBench.throughput(identity, pipeline);
    Goal goal = PipelineBench.goals(t, null, List.of()).get(0);
    assertThat(goal.measured()).isCloseTo(55, within(1e-9));
    assertThat(goal.met()).isTrue();
    assertThat(goal.goal()).contains("steady");
  }

  @Test
  void aScanKeepsTheAppendTimesOfItsTenthAndNinetiethPercentiles() {
    long[] ts = new long[1024];
    for (int i = 0; i < 101; i++) {
      ts[i] = 1_000 + 100 - i; // out of order, as partitions interleave
    }
    BenchCluster.TopicScan scan = BenchCluster.TopicScan.of(ts, 101);
    assertThat(scan.records()).isEqualTo(101);
    assertThat(scan.firstTimestamp()).isEqualTo(1_000);
    assertThat(scan.lastTimestamp()).isEqualTo(1_100);
    assertThat(scan.steadyFromTimestamp()).isEqualTo(1_010);
    assertThat(scan.steadyToTimestamp()).isEqualTo(1_090);
    assertThat(BenchCluster.TopicScan.of(ts, 0).steadyFromTimestamp()).isEqualTo(-1);
  }

  @Test
  void resultFileHasTheFiguresAndTheConditions() throws Exception {
    ResourceMeter.Usage usage =
        new ResourceMeter.Usage(1000, 1500, 300, 100 << 20, 200 << 20, 1 << 30, 1.5, 2.5);
    List<JobRun> identity =
        List.of(
            new JobRun(
                1, "identity", 1000, 1000, 1000, 0, 0, 400_000, 300_000, 500_000, 2, 2, 3, usage),
            new JobRun(
                2, "identity", 1000, 1000, 1000, 0, 0, 200_000, 100_000, 250_000, 4, 5, 10, usage));
    List<JobRun> pipeline =
        List.of(
            new JobRun(
                1, "pipeline", 1000, 600, 600, 0, 5, 100_000, 50_000, 100_000, 8, 10, 20, usage),
            new JobRun(
                2, "pipeline", 1000, 600, 600, 0, 5, 100_000, 50_000, 100_000, 8, 10, 20, usage));
    Throughput t = PipelineBench.throughput(identity, pipeline);
    assertThat(t.pipelineToIdentity()).isEqualTo(new Summary(0.375, 0.25, 0.5, 2));
    assertThat(t.pipelineToIdentitySteady().median()).isCloseTo(0.3, within(1e-12));
    assertThat(t.pipelineToIdentitySteady().min()).isCloseTo(0.2, within(1e-12));
    assertThat(t.pipelineToIdentitySteady().max()).isCloseTo(0.4, within(1e-12));
    Percentiles lat = new Percentiles(10, 20, 90, 120, 130);
    Percentiles fresh = new Percentiles(10, 400, 1200, 1300, 1400);
    List<RateResult> latency = new ArrayList<>();
    for (double f : new double[] {0.25, 0.5, 0.75}) {
      RateRun run =
          new RateRun(
              1,
              f * 200_000,
              f * 200_000,
              100,
              60,
              60,
              lat,
              lat,
              lat,
              fresh,
              0,
              usage,
              new GcPauses.Summary(3, 120, 70),
              "repeat1-rate1.csv");
      latency.add(PipelineBench.rateResult(f, f * 200_000, List.of(run)));
    }
    BenchResult.Sustainable sustainable =
        new BenchResult.Sustainable(
            300_000,
            200_000,
            true,
            true,
            240_000d,
            List.of(
                new BenchResult.Probe(180_000, 0.6, 40, 300, 5, 0, true),
                new BenchResult.Probe(240_000, 0.8, 2_600, 4_400, 1_600, 0, false),
                new BenchResult.Probe(200_000, 0.667, 90, 900, 20, 0, true)));
    List<Goal> goals = PipelineBench.goals(t, sustainable, latency);
    assertThat(goals).extracting(Goal::met).containsExactly(false, true, false);
    assertThat(goals.get(1).goal()).contains("50 % of the highest sustainable rate");
    assertThat(PipelineBench.goals(t, null, latency).get(1).goal())
        .contains("50 % of the replay throughput");
    BenchResult result =
        new BenchResult(
            "./flywheel bench --records 1000",
            List.of("-Xmx2g"),
            "2026-11-27T18:05:00Z",
            new Machine(2, "Test CPU", "17", "Linux", 1.0, 2.0, "up", "up"),
            Map.of("repeats", 2),
            List.of("--flywheel.parallelism", "2"),
            new Events("bench-events", 2, 1000, 200_000, 200, 300, 600, 100, 50_000),
            t,
            sustainable,
            latency,
            goals,
            null,
            List.of("a note"));

    JsonNode json = new ObjectMapper().readTree(BenchReport.json(result));
    assertThat(json.path("command").asText()).isEqualTo("./flywheel bench --records 1000");
    assertThat(json.path("machine").path("nproc").asInt()).isEqualTo(2);
    assertThat(json.path("machine").path("cpuModel").asText()).isEqualTo("Test CPU");
    assertThat(json.path("throughput").path("pipelineToIdentity").path("median").asDouble())
        .isEqualTo(0.375);
    assertThat(
            json.path("throughput")
                .path("identity")
                .get(1)
                .path("usage")
                .path("brokerCpuMillis")
                .asLong())
        .isEqualTo(300);
    assertThat(json.path("latency").get(1).path("latencyP99Ms").path("median").asDouble())
        .isEqualTo(90);
    assertThat(
            json.path("latency")
                .get(1)
                .path("runs")
                .get(0)
                .path("freshnessMs")
                .path("p99")
                .asDouble())
        .isEqualTo(1200);
    assertThat(json.path("goals").get(0).path("met").asBoolean(true)).isFalse();

    String md = BenchReport.markdown(result);
    assertThat(md)
        .contains("Command: `./flywheel bench --records 1000`")
        .contains("2 CPUs (`nproc`), Test CPU")
        .contains("Harness JVM options: `-Xmx2g`.")
        .contains("| pipeline / identity | 30 % [20–40 %] | 38 % [25–50 %]")
        .contains(
            "| 100,000 | 50 % | 20 [20–20] | 90 [90–90] | 120 [120–120] | 130 [130–130] | 400 [400–400] | 1,200 [1,200–1,200] |")
        .contains(
            "| p99 model freshness at 50 % of the highest sustainable rate (100,000/s) | <= 1000 ms |"
                + " 1,200.00 ms | **no** |")
        .contains(
            "### Highest sustainable open-loop rate: 200,000/s (67 % of the replay throughput,"
                + " 300,000/s); bracketed: 240,000/s (80 % of replay) was not sustained")
        .contains(
            "The first probe is at 100 % of the replay throughput; while they are sustained, each"
                + " next one is × 1.5, up to 400 %; after the first that is not, they bisect between"
                + " the highest sustained and the lowest failed probe (from 20 % if none was"
                + " sustained); 6 probes at most.")
        .contains("| 240,000 | 80 % | 2,600 | 4,400 | 1,600 | 0 | no |")
        .contains("* a note");
  }

  @Test
  void aProbeIsSustainedWithAMedianWithin500MsAndNothingMissing() {
    ResourceMeter.Usage usage = new ResourceMeter.Usage(1, 1, 1, 1, 1, 1, 1, 1);
    GcPauses.Summary gc = new GcPauses.Summary(0, 0, 0);
    Percentiles none = new Percentiles(0, 0, 0, 0, 0);
    java.util.function.BiFunction<Double, Long, RateRun> run =
        (p50, received) ->
            new RateRun(
                0,
                1000,
                1000,
                100,
                60,
                received,
                new Percentiles(60, p50, 900, 900, 900),
                none,
                none,
                none,
                0,
                usage,
                gc,
                "t.csv");
    assertThat(LatencyBench.sustained(run.apply(120.0, 60L))).isTrue();
    assertThat(LatencyBench.sustained(run.apply(500.0, 60L))).isTrue();
    assertThat(LatencyBench.sustained(run.apply(501.0, 60L))).as("a growing backlog").isFalse();
    assertThat(LatencyBench.sustained(run.apply(20.0, 59L))).as("a prediction missing").isFalse();
  }

  @Test
  void summaryIsMedianAndRangeWithoutNaN() {
    assertThat(Summary.of(List.of(3.0, 1.0, 2.0))).isEqualTo(new Summary(2, 1, 3, 3));
    assertThat(Summary.of(List.of(4.0, 1.0, Double.NaN, 2.0, 3.0)))
        .isEqualTo(new Summary(2.5, 1, 4, 4));
    assertThat(Summary.of(List.of(Double.NaN)).n()).isZero();
  }

  // ---------------------------------------------------------------- latency diagnostics

  @Test
  void updateHeaderDeserializerReadsVersionAndNewestWithoutThePayload() {
    ModelUpdate u = new ModelUpdate();
    u.modelId = "ctr-é";
    u.kind = ModelUpdate.Kind.DELTA;
    u.version = 41;
    u.baseVersion = 40;
    u.newestEventTime = 1_732_700_000_123L;
    u.publishedAt = 1_732_700_000_456L;
    u.chunkIndex = 0;
    u.chunkCount = 1;
    u.bytes = new byte[] {1, 2, 3, 4, 5};
    u.totalLength = u.bytes.length;
    byte[] record = ModelUpdateFormat.write(u);
    // as Kafka hands it over: a view into a larger fetch buffer, not at position 0
    byte[] fetched = new byte[record.length + 20];
    System.arraycopy(record, 0, fetched, 7, record.length);
    ByteBuffer view = ByteBuffer.wrap(fetched, 7, record.length).slice();
    LatencyBench.UpdateHeaderDeserializer d = new LatencyBench.UpdateHeaderDeserializer();

    assertThat(d.deserialize("t", null, view)).containsExactly(41L, 1_732_700_000_123L);
    assertThat(view.position()).as("the fetch buffer is not consumed").isZero();
    assertThat(d.deserialize("t", record)).containsExactly(41L, 1_732_700_000_123L);
    assertThat(d.deserialize("t", "not a chunk".getBytes(StandardCharsets.UTF_8))).isNull();
    byte[] wrongMagic = record.clone();
    wrongMagic[0] ^= 1;
    assertThat(d.deserialize("t", wrongMagic)).isNull();
    assertThat(d.deserialize("t", Arrays.copyOf(record, 30))).isNull();
    assertThat(d.deserialize("t", (byte[]) null)).isNull();
  }

  @Test
  void timelineBucketsLatencyGcPausesUpdatesAndCheckpointsPerHundredMilliseconds() {
    LatencyBench.Window w = new LatencyBench.Window(10_000, 10_299);
    w.add(10_000, 10_020, 10_030, 1, 10_010); // bucket 0, latency 20
    w.add(10_050, 10_110, 10_120, 1, 10_060); // bucket 0, latency 60
    w.add(10_250, 10_255, 10_260, 1, 10_251); // bucket 2, latency 5
    List<GcPauses.Pause> pauses =
        List.of(new GcPauses.Pause(10_040, 35), new GcPauses.Pause(10_070, 10));

    List<long[]> updates =
        List.of(new long[] {9_990, 7}, new long[] {10_110, 500}, new long[] {10_190, 24});
    // one checkpoint from before the window into bucket 0, one still in progress from bucket 2
    List<long[]> checkpoints = List.of(new long[] {9_000, 10_050}, new long[] {10_210, -1});

    String csv = LatencyBench.timelineCsv(w, pauses, updates, checkpoints);

    assertThat(csv.split("\n"))
        .containsExactly(
            "ms_from_window_start,epoch_ms,predictions,max_latency_ms,gc_pauses,gc_pause_ms,"
                + "model_update_bytes,checkpointing",
            "0,10000,2,60,2,45,0,1",
            "100,10100,0,0,0,0,524,0",
            "200,10200,1,5,0,0,0,1");
  }

  @Test
  void gcPausesSelectsAWindowAndSummarises() {
    try (GcPauses gc = new GcPauses()) {
      gc.add(new GcPauses.Pause(1_000, 12));
      gc.add(new GcPauses.Pause(2_000, 80));
      gc.add(new GcPauses.Pause(3_001, 40));

      List<GcPauses.Pause> in = gc.between(1_000, 3_000);

      assertThat(in).extracting(GcPauses.Pause::startMillis).containsExactly(1_000L, 2_000L);
      assertThat(GcPauses.summarise(in)).isEqualTo(new GcPauses.Summary(2, 92, 80));
      assertThat(GcPauses.summarise(List.of())).isEqualTo(new GcPauses.Summary(0, 0, 0));
    }
  }

  @Test
  void gcPausesSkipsTheBeansOfConcurrentCycles() {
    assertThat(GcPauses.isConcurrentCycle("G1 Concurrent GC")).isTrue();
    assertThat(GcPauses.isConcurrentCycle("ZGC Cycles")).isTrue();
    assertThat(GcPauses.isConcurrentCycle("Shenandoah Cycles")).isTrue();
    assertThat(GcPauses.isConcurrentCycle("G1 Young Generation")).isFalse();
    assertThat(GcPauses.isConcurrentCycle("G1 Old Generation")).isFalse();
    assertThat(GcPauses.isConcurrentCycle("ZGC Pauses")).isFalse();
    assertThat(GcPauses.isConcurrentCycle("Shenandoah Pauses")).isFalse();
  }

  @Test
  void gcPausesHearsThisJvmsCollections() throws InterruptedException {
    long from = System.currentTimeMillis() - 1;
    try (GcPauses gc = GcPauses.start()) {
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (gc.between(from, Long.MAX_VALUE).isEmpty() && System.nanoTime() < deadline) {
        System.gc(); // a full, stop-the-world collection
        Thread.sleep(50);
      }
      assertThat(gc.between(from, Long.MAX_VALUE))
          .as("a collection notification within 10 s of System.gc()")
          .isNotEmpty()
          .allSatisfy(p -> assertThat(p.durationMillis()).isNotNegative());
    }
  }
}
