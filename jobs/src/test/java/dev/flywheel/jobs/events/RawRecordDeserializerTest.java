package dev.flywheel.jobs.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class RawRecordDeserializerTest {

  private static List<RawRecord> deserialize(ConsumerRecord<byte[], byte[]> record) {
    List<RawRecord> out = new ArrayList<>();
    new RawRecordDeserializer()
        .deserialize(
            record,
            new Collector<>() {
              @Override
              public void collect(RawRecord r) {
                out.add(r);
              }

              @Override
              public void close() {}
            });
    return out;
  }

  @Test
  void wrapsBytesAndOriginWithoutParsing() {
    byte[] garbage = {(byte) 0xff, '{', 0};
    List<RawRecord> out = deserialize(new ConsumerRecord<>("events", 3, 77L, null, garbage));
    assertThat(out).hasSize(1);
    RawRecord r = out.get(0);
    assertThat(r.value).isEqualTo(garbage);
    assertThat(r.topic).isEqualTo("events");
    assertThat(r.partition).isEqualTo(3);
    assertThat(r.offset).isEqualTo(77L);
    assertThat(r.timestamp).isEqualTo(ConsumerRecord.NO_TIMESTAMP);
    assertThat(new RawRecordDeserializer().getProducedType()).isInstanceOf(PojoTypeInfo.class);
  }

  @Test
  void aNullValueBecomesAnEmptyRecordThatTheDecoderRejects() {
    List<RawRecord> out = deserialize(new ConsumerRecord<>("events", 0, 1L, null, null));
    assertThat(out.get(0).value).isEmpty();
    EventDecoder decoder = new EventDecoder(Events.config());
    assertThat(decoder.decode(out.get(0).value)).isNull();
    assertThat(decoder.failure().reason()).isEqualTo(DlqReason.MALFORMED_JSON);
  }
}
