package dev.flywheel.jobs.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.jobs.types.SerializerTypeInfo;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * Every type that crosses an operator boundary is a Flink POJO or has its own serializer, and
 * serializes without Kryo.
 */
class PojoTypesTest {

  private static <T> T roundTrip(Class<T> type, T value) throws Exception {
    TypeInformation<T> info = TypeInformation.of(type);
    assertThat(info)
        .as(type.getSimpleName())
        .isInstanceOfAny(PojoTypeInfo.class, SerializerTypeInfo.class);
    SerializerConfigImpl config = new SerializerConfigImpl();
    config.setGenericTypes(false); // a Kryo fallback anywhere inside would throw here
    TypeSerializer<T> serializer = info.createSerializer(config);
    DataOutputSerializer out = new DataOutputSerializer(256);
    serializer.serialize(value, out);
    T copy = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    assertThat(copy).isEqualTo(value).isNotSameAs(value);
    assertThat(serializer.copy(value)).isEqualTo(value);
    return copy;
  }

  @Test
  void decodedEventsRoundTrip() throws Exception {
    EventDecoder decoder = new EventDecoder(Events.config());
    for (String json : List.of(Events.REQUEST, Events.IMPRESSION, Events.CLICK, Events.EXAMPLE)) {
      Event e = decoder.decode(Events.bytes(json));
      Event copy = roundTrip(Event.class, e);
      assertThat(copy.candidateOffsets).isEqualTo(e.candidateOffsets);
    }
    roundTrip(Event.class, new Event()); // every field null or default
  }

  @Test
  void otherTypesRoundTrip() throws Exception {
    EventDecoder decoder = new EventDecoder(Events.config());
    Event example = decoder.decode(Events.bytes(Events.EXAMPLE));
    roundTrip(LabeledExample.class, LabeledExample.fromExampleEvent(example));
    Event impression = decoder.decode(Events.bytes(Events.IMPRESSION));
    roundTrip(LabeledExample.class, LabeledExample.fromImpression(impression, 0.0, 42L));

    Prediction p = new Prediction();
    p.type = EventType.REQUEST;
    p.model = "ctr";
    p.modelVersion = 3;
    p.requestId = "r-1";
    p.rankedItemIds = new String[] {"b", "a"};
    p.rankedScores = new double[] {0.7, 0.2};
    p.eventTs = Events.TS;
    p.scoredAt = Events.TS + 5;
    roundTrip(Prediction.class, p);

    RawRecord raw = new RawRecord(new byte[] {1, 2, 3}, "events", 1, 7, Events.TS);
    roundTrip(RawRecord.class, raw);
    roundTrip(
        DeadLetter.class,
        DeadLetter.of(raw, new DecodeFailure(DlqReason.MALFORMED_JSON, "bad"), 2));
  }
}
