package dev.flywheel.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.jobs.config.JobSettings;
import dev.flywheel.jobs.events.Event;
import dev.flywheel.jobs.events.EventDecoder;
import dev.flywheel.jobs.events.EventSerializer;
import dev.flywheel.jobs.events.LabeledExample;
import dev.flywheel.jobs.events.LabeledExampleSerializer;
import dev.flywheel.jobs.events.Prediction;
import dev.flywheel.jobs.join.ImpressionIdSelector;
import dev.flywheel.jobs.join.LabelJoinOperator;
import dev.flywheel.jobs.score.ScorerFunction;
import dev.flywheel.jobs.testing.Fixtures;
import dev.flywheel.jobs.train.TrainerFunction;
import dev.flywheel.jobs.updates.ModelUpdate;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithNonKeyedOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.BroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The job runs with {@code pipeline.object-reuse}: chained operators share record instances. These
 * checks keep that safe (docs/pipeline.md, "Object reuse"): the decoder never hands out an instance
 * or array it later changes, and no function changes the records it is given.
 */
class ObjectReuseSafetyTest {
  private static final JobSettings SETTINGS = Fixtures.settings();
  private static final long TS = 1_732_700_000_000L;

  private static byte[] impressionJson(String id, long ts, String item) {
    return ("{\"v\":1,\"type\":\"impression\",\"ts\":"
            + ts
            + ",\"impressionId\":\""
            + id
            + "\",\"requestId\":\"r-1\",\"itemId\":\""
            + item
            + "\",\"position\":0,\"features\":{\"country\":\"cn\",\"age\":31,\"item\":\""
            + item
            + "\"}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] clickJson(String id, long ts) {
    return ("{\"v\":1,\"type\":\"click\",\"ts\":" + ts + ",\"impressionId\":\"" + id + "\"}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] requestJson(long ts) {
    return ("{\"v\":1,\"type\":\"request\",\"ts\":"
            + ts
            + ",\"requestId\":\"r-9\",\"user\":{\"country\":\"de\"},\"context\":{\"device\":\"ios\"},\"candidates\":["
            + "{\"itemId\":\"a\",\"features\":{\"item\":\"a\"}},{\"itemId\":\"b\"}]}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static Event decode(EventDecoder decoder, byte[] json) {
    Event e = decoder.decode(json);
    assertThat(e)
        .as("decoded %s: %s", new String(json, StandardCharsets.UTF_8), decoder.failure())
        .isNotNull();
    return e;
  }

  @Test
  void theJobConfigurationEnablesObjectReuseUnlessGiven() {
    assertThat(FlywheelJob.flinkConfiguration(SETTINGS).get(PipelineOptions.OBJECT_REUSE)).isTrue();
    JobSettings off = Fixtures.settings("--pipeline.object-reuse", "false");
    assertThat(FlywheelJob.flinkConfiguration(off).get(PipelineOptions.OBJECT_REUSE)).isFalse();
  }

  @Test
  void theDecoderReturnsAFreshEventWithFreshArraysEveryTime() {
    EventDecoder decoder = new EventDecoder(SETTINGS.decoderConfig());
    Event first = decode(decoder, impressionJson("imp-1", TS, "x"));
    Event kept = EventSerializer.INSTANCE.copy(first);
    Event second = decode(decoder, impressionJson("imp-2", TS + 1, "y"));
    Event third = decode(decoder, requestJson(TS + 2));
    assertThat(second).isNotSameAs(first);
    assertThat(second.indices).isNotSameAs(first.indices);
    assertThat(second.values).isNotSameAs(first.values);
    assertThat(second.numeric).isNotSameAs(first.numeric);
    assertThat(third.indices).isNotSameAs(second.indices);
    assertThat(first).as("the first event after two more decodes").isEqualTo(kept);
  }

  @Test
  void theJoinLeavesItsInputsAsItGotThem() throws Exception {
    EventDecoder decoder = new EventDecoder(SETTINGS.decoderConfig());
    List<Event> inputs =
        List.of(
            decode(decoder, impressionJson("imp-1", TS, "x")),
            decode(decoder, impressionJson("imp-2", TS + 10, "y")),
            decode(decoder, clickJson("imp-1", TS + 20)),
            decode(decoder, clickJson("imp-3", TS + 30)));
    List<Event> kept = inputs.stream().map(EventSerializer.INSTANCE::copy).toList();
    try (var h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            LabelJoinOperator.of(SETTINGS), new ImpressionIdSelector(), Types.STRING)) {
      Fixtures.disableGenericTypes(h.getExecutionConfig());
      h.open();
      for (Event e : inputs) {
        h.processElement(e, e.ts);
      }
      h.processWatermark(new Watermark(TS + 3_600_000L)); // every window and wait is over
      assertThat(h.extractOutputValues()).hasSize(2); // imp-1 positive, imp-2 negative
    }
    assertThat(inputs).isEqualTo(kept);
  }

  @Test
  void theTrainerLeavesItsInputsAsItGotThem() throws Exception {
    List<LabeledExample> inputs = Fixtures.examples("default", 10, 7L);
    List<LabeledExample> kept =
        inputs.stream().map(LabeledExampleSerializer.INSTANCE::copy).toList();
    try (var h =
        new KeyedOneInputStreamOperatorTestHarness<String, LabeledExample, ModelUpdate>(
            new KeyedProcessOperator<>(new TrainerFunction(SETTINGS)),
            x -> x.model,
            Types.STRING)) {
      Fixtures.disableGenericTypes(h.getExecutionConfig());
      h.open();
      for (LabeledExample x : inputs) {
        h.processElement(x, x.ts);
      }
      h.setProcessingTime(10_000); // flush the partial batch and publish
      assertThat(h.extractOutputValues()).isNotEmpty();
    }
    assertThat(inputs).isEqualTo(kept);
  }

  @Test
  void theScorerLeavesItsInputsAsItGotThem() throws Exception {
    EventDecoder decoder = new EventDecoder(SETTINGS.decoderConfig());
    List<Event> inputs =
        List.of(
            decode(decoder, requestJson(TS)), decode(decoder, impressionJson("imp-1", TS, "x")));
    List<Event> kept = inputs.stream().map(EventSerializer.INSTANCE::copy).toList();
    List<Prediction> out = new ArrayList<>();
    try (var h =
        new BroadcastOperatorTestHarness<>(
            new CoBroadcastWithNonKeyedOperator<>(
                new ScorerFunction(SETTINGS),
                List.of(ScorerFunction.SERVED, ScorerFunction.PENDING)),
            1,
            1,
            0)) {
      Fixtures.disableGenericTypes(h.getExecutionConfig());
      h.open();
      for (Event e : inputs) {
        h.processElement(e, e.ts);
      }
      out.addAll(h.extractOutputValues());
    }
    assertThat(out).hasSize(2);
    assertThat(inputs).isEqualTo(kept);
  }
}
