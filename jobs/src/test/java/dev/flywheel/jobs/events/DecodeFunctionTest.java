package dev.flywheel.jobs.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
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
    } finally {
      h.close();
    }
  }
}
