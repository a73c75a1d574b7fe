package dev.flywheel.jobs.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.jobs.config.JobSettings;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class DecodeFunctionTest {

  private static RawRecord raw(String json, long offset) {
    return new RawRecord(json.getBytes(StandardCharsets.UTF_8), "events", 0, offset, 1000 + offset);
  }

  @Test
  void goodEventsOutBadOnesToTheDeadLetterSideOutput() throws Exception {
    DecodeFunction fn = new DecodeFunction(Events.config(), 16);
    OneInputStreamOperatorTestHarness<RawRecord, Event> h =
        ProcessFunctionTestHarnesses.forProcessFunction(fn);
    try {
      ((SerializerConfigImpl) h.getExecutionConfig().getSerializerConfig()).setGenericTypes(false);
      h.processElement(raw(Events.REQUEST, 0), 1000);
      h.processElement(raw("{\"v\":1,\"type\":\"click\"", 1), 1001);
      h.processElement(raw(Events.IMPRESSION, 2), 1002);
      h.processElement(raw(Events.CLICK, 3), 1003);
      h.processElement(
          raw(
              "{\"v\":1,\"type\":\"click\",\"ts\":1732700000000,\"impressionId\":\"i\",\"value\":NaN}",
              4),
          1004);
      h.processElement(raw(Events.CLICK, 5), 1005);
      h.processElement(raw(Events.EXAMPLE, 6), 1006);
      h.processElement(new RawRecord(new byte[0], "events", 1, 7, -1), 1007);

      List<Event> out = h.extractOutputValues();
      assertThat(out)
          .extracting(e -> e.type)
          .containsExactly(
              EventType.REQUEST,
              EventType.IMPRESSION,
              EventType.CLICK,
              EventType.CLICK,
              EventType.EXAMPLE);

      List<DeadLetter> dead =
          h.getSideOutput(DecodeFunction.DEAD_LETTERS).stream()
              .map(StreamRecord::getValue)
              .collect(Collectors.toList());
      assertThat(dead)
          .extracting(d -> d.reason)
          .containsExactly(
              DlqReason.MALFORMED_JSON, DlqReason.NON_FINITE_NUMBER, DlqReason.MALFORMED_JSON);
      assertThat(dead).extracting(d -> d.offset).containsExactly(1L, 4L, 7L);
      assertThat(dead.get(0).topic).isEqualTo("events");
      assertThat(dead.get(0).timestamp).isEqualTo(1001L);
      assertThat(dead.get(1).originalSize).isGreaterThan(16);
      assertThat(dead.get(1).original).hasSize(16);
      assertThat(dead.get(2).partition).isEqualTo(1);

      assertThat(fn.eventsIn(EventType.REQUEST)).isEqualTo(1);
      assertThat(fn.eventsIn(EventType.IMPRESSION)).isEqualTo(1);
      assertThat(fn.eventsIn(EventType.CLICK)).isEqualTo(2);
      assertThat(fn.eventsIn(EventType.EXAMPLE)).isEqualTo(1);
      assertThat(fn.deadLetters(DlqReason.MALFORMED_JSON)).isEqualTo(2);
      assertThat(fn.deadLetters(DlqReason.NON_FINITE_NUMBER)).isEqualTo(1);
      assertThat(fn.deadLetters(DlqReason.MISSING_FIELD)).isZero();
      assertThat(fn.dlqRecords()).isEqualTo(3);
    } finally {
      h.close();
    }
  }

  @Test
  void modelIdsOutsideTheAllowListAreDeadLetters() throws Exception {
    DecodeFunction fn = new DecodeFunction(Events.config(), 1024, Set.of("default", "ranker"));
    OneInputStreamOperatorTestHarness<RawRecord, Event> h =
        ProcessFunctionTestHarnesses.forProcessFunction(fn);
    try {
      ((SerializerConfigImpl) h.getExecutionConfig().getSerializerConfig()).setGenericTypes(false);
      String rogue =
          "{\"v\":1,\"type\":\"example\",\"ts\":1732700000000,\"model\":\"rogue-42\","
              + "\"id\":\"e1\",\"label\":1,\"features\":{\"a\":\"b\"}}";
      h.processElement(raw(Events.EXAMPLE, 0), 1000); // no "model": the default id
      h.processElement(raw(rogue, 1), 1001);
      h.processElement(raw(rogue.replace("rogue-42", "ranker"), 2), 1002);
      h.processElement(raw(rogue.replace("rogue-42", "Default"), 3), 1003);
      // a click's model is not used (the impression's is): never rejected for it
      h.processElement(raw(Events.CLICK.replace("{", "{\"model\":\"rogue\","), 4), 1004);

      assertThat(h.extractOutputValues())
          .extracting(e -> e.model)
          .containsExactly("default", "ranker", "rogue");
      List<DeadLetter> dead =
          h.getSideOutput(DecodeFunction.DEAD_LETTERS).stream()
              .map(StreamRecord::getValue)
              .collect(Collectors.toList());
      assertThat(dead).extracting(d -> d.offset).containsExactly(1L, 3L);
      assertThat(dead).extracting(d -> d.reason).containsOnly(DlqReason.UNKNOWN_MODEL);
      assertThat(dead.get(0).detail)
          .isEqualTo("model 'rogue-42' is not in flywheel.model.ids (default,ranker)");
      assertThat(new String(dead.get(0).original, StandardCharsets.UTF_8)).isEqualTo(rogue);
      assertThat(fn.deadLetters(DlqReason.UNKNOWN_MODEL)).isEqualTo(2);
      assertThat(fn.dlqRecords()).isEqualTo(2);
      assertThat(fn.eventsIn(EventType.EXAMPLE)).isEqualTo(2);
      assertThat(fn.eventsIn(EventType.CLICK)).isEqualTo(1);
    } finally {
      h.close();
    }
  }

  @Test
  void theJobsDecodeFunctionUsesTheConfiguredAllowList() throws Exception {
    String other =
        "{\"v\":1,\"type\":\"example\",\"ts\":1732700000000,\"model\":\"other\","
            + "\"id\":\"e1\",\"label\":0,\"features\":{}}";
    assertThat(decodedModels(DecodeFunction.of(JobSettings.defaults()), other)).isEmpty();
    assertThat(
            decodedModels(
                DecodeFunction.of(JobSettings.fromArgs("--flywheel.model.ids", "*")), other))
        .containsExactly("other");
  }

  private static List<String> decodedModels(DecodeFunction fn, String json) throws Exception {
    OneInputStreamOperatorTestHarness<RawRecord, Event> h =
        ProcessFunctionTestHarnesses.forProcessFunction(fn);
    try {
      h.processElement(raw(json, 0), 1000);
      return h.extractOutputValues().stream().map(e -> e.model).toList();
    } finally {
      h.close();
    }
  }
}
