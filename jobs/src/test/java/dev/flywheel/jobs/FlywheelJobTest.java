package dev.flywheel.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.jobs.config.JobSettings;
import dev.flywheel.jobs.events.DeadLetter;
import dev.flywheel.jobs.events.EventType;
import dev.flywheel.jobs.events.Prediction;
import dev.flywheel.jobs.events.RawRecord;
import dev.flywheel.jobs.testing.CollectingSink;
import dev.flywheel.jobs.testing.Fixtures;
import dev.flywheel.jobs.updates.ModelUpdate;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole pipeline on a MiniCluster at parallelism 2, from in-memory raw records: a synthetic
 * stream whose clicks follow a known logistic model over three categorical features, with requests,
 * impressions, clicks, examples and malformed records mixed in.
 */
class FlywheelJobTest {

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  private static final int EXAMPLES = 6000;
  private static final long T0 = 1_732_700_000_000L;

  /** The synthetic stream and what the test expects of it. */
  private static final class Stream {
    final List<RawRecord> records = new ArrayList<>();
    final Set<String> predictionKeys = new HashSet<>();
    final Set<Long> malformedOffsets = new HashSet<>();
    final Map<String, Double> exampleLabels = new HashMap<>();
    final Map<String, Long> exampleTs = new HashMap<>();

    void add(String json) {
      records.add(
          new RawRecord(
              json.getBytes(StandardCharsets.UTF_8),
              "events",
              0,
              records.size(),
              T0 + records.size()));
    }

    void malformed(String json) {
      malformedOffsets.add((long) records.size());
      add(json);
    }
  }

  private static String features(int[] vs) {
    StringBuilder b = new StringBuilder("{");
    for (int f = 0; f < vs.length; f++) {
      b.append(f == 0 ? "" : ",")
          .append("\"f")
          .append(f)
          .append("\":\"v")
          .append(vs[f])
          .append('"');
    }
    return b.append('}').toString();
  }

  private static Stream syntheticStream() {
    Stream s = new Stream();
    Random random = new Random(20261127);
    for (int i = 0; i < EXAMPLES; i++) {
      long ts = T0 + 10L * i;
      int[] vs = new int[Fixtures.FIELDS];
      for (int f = 0; f < vs.length; f++) {
        vs[f] = random.nextInt(Fixtures.VALUES);
      }
      int label = random.nextDouble() < Fixtures.clickProbability(vs) ? 1 : 0;
      String id = "e" + i;
      s.add(
          "{\"v\":1,\"type\":\"example\",\"ts\":%d,\"id\":\"%s\",\"label\":%d,\"features\":%s}"
              .formatted(ts, id, label, features(vs)));
      s.predictionKeys.add(id);
      s.exampleLabels.put(id, (double) label);
      s.exampleTs.put(id, ts);
      if (i % 10 == 3) {
        String r = "r" + i;
        s.add(
            ("{\"v\":1,\"type\":\"request\",\"ts\":%d,\"requestId\":\"%s\",\"user\":{\"f0\":\"v%d\"},"
                    + "\"context\":{},\"candidates\":[{\"itemId\":\"a\",\"features\":{\"f1\":\"v0\"}},"
                    + "{\"itemId\":\"b\",\"features\":{\"f1\":\"v5\"}}]}")
                .formatted(ts + 1, r, vs[0]));
        s.predictionKeys.add(r);
      }
      if (i % 10 == 6) {
        String imp = "imp" + i;
        s.add(
            ("{\"v\":1,\"type\":\"impression\",\"ts\":%d,\"impressionId\":\"%s\",\"requestId\":\"r\","
                    + "\"itemId\":\"a\",\"position\":0,\"features\":%s}")
                .formatted(ts + 2, imp, features(vs)));
        s.predictionKeys.add(imp);
        if (random.nextDouble() < Fixtures.clickProbability(vs)) {
          s.add(
              "{\"v\":1,\"type\":\"click\",\"ts\":%d,\"impressionId\":\"%s\"}"
                  .formatted(ts + 5, imp));
        }
      }
      if (i % 500 == 250) {
        s.malformed("{\"v\":1,\"type\":\"example\",\"ts\":" + ts + ",\"label\":1,\"features\":{}}");
        s.malformed("not json at all " + i);
        s.malformed("{\"v\":1,\"type\":\"teleport\",\"ts\":" + ts + "}");
      }
    }
    return s;
  }

  /** Slows the stream down so that the trainer publishes many times while the scorer scores. */
  private static final class Throttle implements MapFunction<RawRecord, RawRecord> {
    private static final long serialVersionUID = 1L;
    private long seen;

    @Override
    public RawRecord map(RawRecord r) throws InterruptedException {
      if (++seen % 8 == 0) {
        Thread.sleep(1);
      }
      return r;
    }
  }

  private static double logLoss(List<Prediction> ps, Map<String, Double> labels) {
    double sum = 0;
    for (Prediction p : ps) {
      double y = labels.get(p.id);
      double q = Math.min(Math.max(p.score, 1e-15), 1 - 1e-15);
      sum -= y * Math.log(q) + (1 - y) * Math.log(1 - q);
    }
    return sum / ps.size();
  }

  private static double baseRateLogLoss(List<Prediction> ps, Map<String, Double> labels) {
    double rate = ps.stream().mapToDouble(p -> labels.get(p.id)).average().orElseThrow();
    return -(rate * Math.log(rate) + (1 - rate) * Math.log(1 - rate));
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void scoresEveryEventWithEverFresherModelsAndLearnsTheClickModel() throws Exception {
    JobSettings settings =
        Fixtures.settings(
            "--flywheel.trainer.batch-size", "16",
            "--flywheel.trainer.max-wait", "50ms",
            "--flywheel.trainer.publish-interval", "100ms",
            "--flywheel.trainer.full-snapshot-every", "5",
            "--flywheel.model.hash-bits", "12",
            "--flywheel.model.learning-rate", "0.1",
            "--flywheel.join.attribution-window", "1s",
            "--flywheel.join.click-wait", "1s",
            "--flywheel.join.late-click-allowance", "0s",
            "--flywheel.watermark.out-of-orderness", "100ms",
            "--flywheel.parallelism", "2");
    Stream stream = syntheticStream();

    Configuration conf = FlywheelJob.flinkConfiguration(settings);
    conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(500));
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    assertThat(env.getConfig().getSerializerConfig().hasGenericTypesDisabled()).isTrue();
    DataStream<RawRecord> raw =
        env.fromData(stream.records, TypeInformation.of(RawRecord.class))
            .map(new Throttle())
            .returns(TypeInformation.of(RawRecord.class))
            .name("throttle");
    FlywheelJob.Outputs out = FlywheelJob.build(raw, settings);
    CollectingSink<Prediction> predictions = new CollectingSink<>();
    CollectingSink<ModelUpdate> updates = new CollectingSink<>();
    CollectingSink<DeadLetter> deadLetters = new CollectingSink<>();
    out.predictions().sinkTo(predictions);
    out.modelUpdates().sinkTo(updates);
    out.deadLetters().sinkTo(deadLetters);
    long started = System.nanoTime();
    env.execute("flywheel-minicluster-test");
    long elapsedMs = (System.nanoTime() - started) / 1_000_000;

    List<Prediction> ps = predictions.values();
    List<DeadLetter> dlq = deadLetters.values();
    List<ModelUpdate> us = updates.values();

    // every request, impression and example is answered exactly once, and nothing else
    assertThat(ps).extracting(Prediction::key).doesNotHaveDuplicates();
    assertThat(ps.stream().map(Prediction::key).collect(Collectors.toSet()))
        .isEqualTo(stream.predictionKeys);
    assertThat(dlq.stream().map(d -> d.offset).collect(Collectors.toSet()))
        .isEqualTo(stream.malformedOffsets);
    assertThat(us).isNotEmpty();

    // model versions grow as the stream goes on, on every scorer subtask
    List<Prediction> examples =
        ps.stream()
            .filter(p -> p.type == EventType.EXAMPLE)
            .sorted(Comparator.comparingLong(p -> stream.exampleTs.get(p.id)))
            .toList();
    int third = examples.size() / 3;
    List<Prediction> first = examples.subList(0, third);
    List<Prediction> last = examples.subList(examples.size() - third, examples.size());
    long maxFirst = first.stream().mapToLong(p -> p.modelVersion).max().orElseThrow();
    long minLast = last.stream().mapToLong(p -> p.modelVersion).min().orElseThrow();
    long staleLast = last.stream().filter(p -> p.modelVersion <= maxFirst).count();
    assertThat(staleLast)
        .as("predictions of the last third made with a model no newer than the first third's")
        .isLessThan(third / 20);
    assertThat(minLast)
        .as("no prediction of the last third comes from the blank model")
        .isPositive();
    assertThat(us.stream().mapToLong(u -> u.version).max().orElseThrow())
        .as("the trainer published many versions")
        .isGreaterThan(100);

    // the served model learnt the click model: later predictions beat earlier ones and the base
    // rate
    double firstLoss = logLoss(first, stream.exampleLabels);
    double lastLoss = logLoss(last, stream.exampleLabels);
    double baseRate = baseRateLogLoss(last, stream.exampleLabels);
    System.out.printf(
        "FlywheelJobTest: %d records in %d ms; %d predictions, %d dead letters, %d update chunks,"
            + " newest version %d; last third: %d stale, min version %d (first third max %d);"
            + " log loss first %.4f last %.4f base rate %.4f%n",
        stream.records.size(),
        elapsedMs,
        ps.size(),
        dlq.size(),
        us.size(),
        us.stream().mapToLong(u -> u.version).max().orElseThrow(),
        staleLast,
        minLast,
        maxFirst,
        firstLoss,
        lastLoss,
        baseRate);
    assertThat(lastLoss).as("log loss of the last third vs the first").isLessThan(firstLoss - 0.02);
    assertThat(lastLoss)
        .as("log loss of the last third vs its base rate")
        .isLessThan(baseRate - 0.02);
  }
}
