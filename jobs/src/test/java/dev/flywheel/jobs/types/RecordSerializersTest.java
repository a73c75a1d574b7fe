package dev.flywheel.jobs.types;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.jobs.events.Event;
import dev.flywheel.jobs.events.EventSerializer;
import dev.flywheel.jobs.events.EventType;
import dev.flywheel.jobs.events.LabeledExample;
import dev.flywheel.jobs.events.LabeledExampleSerializer;
import dev.flywheel.jobs.events.Prediction;
import dev.flywheel.jobs.events.PredictionSerializer;
import dev.flywheel.jobs.join.JoinState;
import dev.flywheel.jobs.join.JoinStateSerializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** The hand-written serializers of the records that cross operators or sit in state. */
class RecordSerializersTest {
  private final Random random = new Random(20261127L);

  @Test
  void typeInformationOfEachRecordIsItsOwnSerializer() {
    SerializerConfigImpl config = new SerializerConfigImpl();
    config.setGenericTypes(false);
    assertThat(TypeInformation.of(Event.class).createSerializer(config))
        .isSameAs(EventSerializer.INSTANCE);
    assertThat(TypeInformation.of(LabeledExample.class).createSerializer(config))
        .isSameAs(LabeledExampleSerializer.INSTANCE);
    assertThat(TypeInformation.of(Prediction.class).createSerializer(config))
        .isSameAs(PredictionSerializer.INSTANCE);
    assertThat(TypeInformation.of(JoinState.class).createSerializer(config))
        .isSameAs(JoinStateSerializer.INSTANCE);
    assertThat(TypeInformation.of(Event.class)).isEqualTo(EventSerializer.TYPE_INFO);
  }

  @Test
  void events() throws Exception {
    List<Event> events = new ArrayList<>();
    events.add(new Event()); // every field null or default
    for (EventType type : EventType.values()) {
      for (int i = 0; i < 5; i++) {
        events.add(randomEvent(type));
      }
    }
    Event empty = randomEvent(EventType.CLICK);
    empty.indices = new int[0];
    empty.values = new double[0];
    empty.numeric = new boolean[0];
    events.add(empty);
    SerializerContract.check(
        EventSerializer.INSTANCE,
        events,
        (a, b) -> {
          assertNotSameArray(a.indices, b.indices);
          assertNotSameArray(a.values, b.values);
          assertNotSameArray(a.numeric, b.numeric);
          assertNotSameArray(a.candidateItemIds, b.candidateItemIds);
          assertNotSameArray(a.candidateOffsets, b.candidateOffsets);
        });
  }

  @Test
  void labeledExamples() throws Exception {
    List<LabeledExample> examples = new ArrayList<>();
    examples.add(new LabeledExample());
    for (int i = 0; i < 10; i++) {
      Event e = randomEvent(EventType.IMPRESSION);
      examples.add(LabeledExample.fromImpression(e, i % 2, e.ts + i));
    }
    SerializerContract.check(
        LabeledExampleSerializer.INSTANCE,
        examples,
        (a, b) -> {
          assertNotSameArray(a.indices, b.indices);
          assertNotSameArray(a.values, b.values);
          assertNotSameArray(a.numeric, b.numeric);
        });
  }

  @Test
  void predictions() throws Exception {
    List<Prediction> predictions = new ArrayList<>();
    predictions.add(new Prediction());
    for (EventType type : List.of(EventType.REQUEST, EventType.IMPRESSION, EventType.EXAMPLE)) {
      Prediction p = new Prediction();
      p.type = type;
      p.model = "ctr";
      p.modelVersion = random.nextInt(1000);
      p.requestId = "r-" + random.nextInt();
      p.impressionId = type == EventType.IMPRESSION ? "i-" + random.nextInt() : null;
      p.id = type == EventType.EXAMPLE ? "e-1" : null;
      p.itemId = "\u00e9t\u00e9-\uD83D\uDE00"; // non-ASCII, a surrogate pair
      p.score = type == EventType.REQUEST ? Double.NaN : random.nextDouble();
      if (type == EventType.REQUEST) {
        p.rankedItemIds = new String[] {"b", null, "a"};
        p.rankedScores = new double[] {0.7, 0.5, 0.2};
      }
      p.eventTs = random.nextLong();
      p.scoredAt = random.nextLong();
      predictions.add(p);
    }
    SerializerContract.check(
        PredictionSerializer.INSTANCE,
        predictions,
        (a, b) -> {
          assertNotSameArray(a.rankedItemIds, b.rankedItemIds);
          assertNotSameArray(a.rankedScores, b.rankedScores);
        });
  }

  @Test
  void joinStates() throws Exception {
    List<JoinState> states = new ArrayList<>();
    states.add(new JoinState());
    for (int phase = 1; phase <= 4; phase++) {
      JoinState s = new JoinState();
      s.phase = phase;
      s.impression =
          phase == JoinState.WAITING_FOR_CLICK
              ? JoinStateSerializer.encode(randomEvent(EventType.IMPRESSION))
              : null;
      s.click = phase == JoinState.WAITING_FOR_IMPRESSION ? randomEvent(EventType.CLICK) : null;
      s.impressionTs = random.nextLong();
      s.timer = random.nextLong();
      states.add(s);
    }
    SerializerContract.check(
        JoinStateSerializer.INSTANCE,
        states,
        (a, b) -> {
          // the held impression's bytes are immutable and shared; the click is copied
          if (a.click != null) {
            assertThat(b.click).isNotSameAs(a.click);
          }
        });
  }

  @Test
  void corruptInputFailsWithAnIoException() throws Exception {
    DataOutputSerializer out = new DataOutputSerializer(16);
    out.writeByte(9); // no event type has code 9
    assertThatThrownBy(
            () ->
                EventSerializer.INSTANCE.deserialize(
                    new DataInputDeserializer(out.getCopyOfBuffer())))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("event type code 9");
  }

  private Event randomEvent(EventType type) {
    Event e = new Event();
    e.type = type;
    e.ts = 1_732_700_000_000L + random.nextInt(1_000_000);
    e.model = random.nextBoolean() ? "default" : "ctr";
    e.requestId = type == EventType.CLICK ? null : "r-" + random.nextInt(1000);
    e.impressionId =
        type == EventType.IMPRESSION || type == EventType.CLICK ? "imp-" + random.nextInt() : null;
    e.id = type == EventType.EXAMPLE ? "e-" + random.nextInt() : null;
    e.itemId = type == EventType.IMPRESSION ? "item-\u00fc" + random.nextInt(50) : null;
    e.position = type == EventType.IMPRESSION ? random.nextInt(10) : Event.NO_POSITION;
    e.propensity = type == EventType.IMPRESSION ? random.nextDouble() : Double.NaN;
    e.label = type == EventType.EXAMPLE ? random.nextInt(2) : Double.NaN;
    e.value = type == EventType.CLICK ? random.nextDouble() * 10 : Double.NaN;
    if (type == EventType.CLICK) {
      return e;
    }
    int candidates = type == EventType.REQUEST ? 1 + random.nextInt(4) : 0;
    int shared = 1 + random.nextInt(8);
    int n = shared;
    if (candidates > 0) {
      e.candidateItemIds = new String[candidates];
      e.candidateOffsets = new int[candidates + 1];
      e.candidateOffsets[0] = shared;
      for (int k = 0; k < candidates; k++) {
        e.candidateItemIds[k] = "i-" + k;
        n += 1 + random.nextInt(3);
        e.candidateOffsets[k + 1] = n;
      }
    }
    e.sharedCount = shared;
    e.indices = new int[n];
    e.values = new double[n];
    e.numeric = new boolean[n];
    for (int s = 0; s < n; s++) {
      e.indices[s] = random.nextInt(1 << 18);
      e.numeric[s] = random.nextInt(4) == 0;
      e.values[s] = e.numeric[s] ? random.nextGaussian() * 100 : 1.0;
    }
    return e;
  }

  private static void assertNotSameArray(Object a, Object b) {
    if (a != null) {
      assertThat(b).as("copied array").isNotSameAs(a);
    }
  }
}
