package dev.flywheel.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.jobs.config.JobSettings;
import dev.flywheel.jobs.events.DeadLetter;
import dev.flywheel.jobs.events.DecodeFunction;
import dev.flywheel.jobs.events.DlqReason;
import dev.flywheel.jobs.events.Event;
import dev.flywheel.jobs.events.EventType;
import dev.flywheel.jobs.events.EventWatermarks;
import dev.flywheel.jobs.events.LabeledExample;
import dev.flywheel.jobs.events.RawRecord;
import dev.flywheel.jobs.join.ImpressionIdSelector;
import dev.flywheel.jobs.join.LabelJoinOperator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Decode and label join in a real job (MiniCluster, parallelism 2, generic types disabled): the
 * types cross a network shuffle with their POJO serializers, bad records reach the DLQ side output,
 * and every impression gets exactly one label.
 */
class DecodeAndJoinPipelineTest {
  private static final int IMPRESSIONS = 2_000;
  private static final long BASE = 1_732_700_000_000L;

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  private static boolean positive(int i) {
    return i % 3 == 0 || i % 10 == 1; // i % 10 == 1: the click arrives before the impression
  }

  private static boolean lateClick(int i) {
    return i % 50 == 2 && !positive(i);
  }

  private record Timed(long ts, String json) {}

  private static List<RawRecord> records() {
    List<Timed> events = new ArrayList<>();
    for (int i = 0; i < IMPRESSIONS; i++) {
      long t = BASE + i * 100L;
      events.add(
          new Timed(
              t,
              "{\"v\":1,\"type\":\"impression\",\"ts\":"
                  + t
                  + ",\"impressionId\":\"imp-"
                  + i
                  + "\",\"requestId\":\"r-"
                  + i
                  + "\",\"itemId\":\"item-"
                  + (i % 17)
                  + "\",\"position\":0,\"features\":{\"item\":\"item-"
                  + (i % 17)
                  + "\",\"n\":"
                  + i
                  + "}}"));
      if (i % 3 == 0) {
        events.add(new Timed(t + 2_000, click(i, t + 2_000)));
      } else if (i % 10 == 1) {
        events.add(new Timed(t - 50, click(i, t - 50)));
      } else if (lateClick(i)) {
        events.add(new Timed(t + 30_000, click(i, t + 30_000)));
      }
      if (i % 100 == 7) {
        events.add(new Timed(t, "{\"v\":1,\"type\":\"impression\",\"ts\":" + t));
      }
    }
    events.sort(Comparator.comparingLong(Timed::ts));
    List<RawRecord> records = new ArrayList<>();
    for (Timed e : events) {
      records.add(
          new RawRecord(
              e.json().getBytes(StandardCharsets.UTF_8), "events", 0, records.size(), e.ts()));
    }
    return records;
  }

  private static String click(int i, long ts) {
    return "{\"v\":1,\"type\":\"click\",\"ts\":" + ts + ",\"impressionId\":\"imp-" + i + "\"}";
  }

  @Test
  void everyImpressionIsLabelledOnceAndBadRecordsReachTheDlq() throws Exception {
    JobSettings settings =
        JobSettings.fromArgs(
            "--flywheel.watermark.out-of-orderness", "0 ms",
            "--flywheel.watermark.idleness", "0 ms",
            "--flywheel.join.attribution-window", "10 s",
            "--flywheel.join.click-wait", "1 s",
            "--flywheel.join.late-click-allowance", "60 s");
    Configuration config = new Configuration();
    config.setString("pipeline.generic-types", "false");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    env.setParallelism(2);

    // decode in one ordered chain, so watermarks follow the (sorted) input exactly
    SingleOutputStreamOperator<Event> events =
        env.fromData(records(), TypeInformation.of(RawRecord.class))
            .setParallelism(1)
            .process(DecodeFunction.of(settings))
            .setParallelism(1);
    DataStream<DeadLetter> deadLetters = events.getSideOutput(DecodeFunction.DEAD_LETTERS);
    SingleOutputStreamOperator<LabeledExample> examples =
        events
            .assignTimestampsAndWatermarks(EventWatermarks.strategy(settings))
            .setParallelism(1)
            .filter(e -> e.type == EventType.IMPRESSION || e.type == EventType.CLICK)
            .setParallelism(1)
            .keyBy(new ImpressionIdSelector())
            .transform(
                "label join",
                TypeInformation.of(LabeledExample.class),
                LabelJoinOperator.of(settings))
            .uid("label-join");
    DataStream<Event> late = examples.getSideOutput(LabelJoinOperator.LATE_CLICKS);

    CloseableIterator<LabeledExample> exampleIt = examples.collectAsync();
    CloseableIterator<DeadLetter> deadIt = deadLetters.collectAsync();
    CloseableIterator<Event> lateIt = late.collectAsync();
    env.execute("decode-and-join");

    Map<String, Double> labels = new HashMap<>();
    exampleIt.forEachRemaining(
        x -> assertThat(labels.put(x.id, x.label)).as("second label for %s", x.id).isNull());
    List<DeadLetter> dead = new ArrayList<>();
    deadIt.forEachRemaining(dead::add);
    List<String> lateIds = new ArrayList<>();
    lateIt.forEachRemaining(e -> lateIds.add(e.impressionId));

    assertThat(labels).hasSize(IMPRESSIONS);
    int expectedLate = 0;
    for (int i = 0; i < IMPRESSIONS; i++) {
      assertThat(labels.get("imp-" + i)).as("label of imp-%s", i).isEqualTo(positive(i) ? 1 : 0);
      expectedLate += lateClick(i) ? 1 : 0;
    }
    assertThat(lateIds).hasSize(expectedLate);
    assertThat(dead).hasSize(IMPRESSIONS / 100);
    assertThat(dead).allSatisfy(d -> assertThat(d.reason).isEqualTo(DlqReason.MALFORMED_JSON));
  }
}
