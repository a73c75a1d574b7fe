package dev.flywheel.jobs.events;

import static dev.flywheel.jobs.events.Events.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputViewStreamWrapper;
import org.junit.jupiter.api.Test;

/**
 * {@link EventSerializer}'s path for Flink's buffers writes exactly the bytes of its general path
 * (the layout of version 1, which the join's state embeds too), for every kind of string.
 */
class EventSerializerBytesTest {

  private static List<Event> events() {
    EventDecoder decoder = new EventDecoder(Events.config());
    List<Event> events = new ArrayList<>();
    for (String json : List.of(Events.REQUEST, Events.IMPRESSION, Events.CLICK, Events.EXAMPLE)) {
      events.add(decoder.decode(bytes(json)));
    }
    // strings the fast path leaves to StringValue: non-ASCII, surrogates, 127 chars and more
    List<String> ids =
        List.of(
            "",
            "a",
            "\u007f",
            "\u0080",
            "caf\u00e9",
            "\u65e5\u672c",
            "\ud83d\ude00x",
            "x".repeat(126),
            "x".repeat(127),
            "x".repeat(300),
            "y".repeat(125) + "\u00e9");
    for (String id : ids) {
      Event e = new Event();
      e.type = EventType.IMPRESSION;
      e.ts = Events.TS;
      e.model = id;
      e.requestId = id;
      e.impressionId = "imp-" + id;
      e.itemId = id.isEmpty() ? null : id;
      e.position = 3;
      e.propensity = Double.longBitsToDouble(0x7ff8000000000123L); // a NaN, not the canonical one
      e.indices = new int[] {1, -2, Integer.MAX_VALUE};
      e.values = new double[] {1.0, -0.0, Double.longBitsToDouble(0x7ff8000000000456L)};
      e.numeric = new boolean[] {false, true, true};
      e.sharedCount = 1;
      e.candidateItemIds = new String[] {id, null, "c"};
      e.candidateOffsets = new int[] {1, 2, 3, 3};
      events.add(e);
    }
    events.add(new Event()); // every field null or default
    Event empty = new Event();
    empty.type = EventType.REQUEST;
    empty.indices = new int[0];
    empty.values = new double[0];
    empty.numeric = new boolean[0];
    empty.candidateItemIds = new String[0];
    empty.candidateOffsets = new int[0];
    events.add(empty);
    return events;
  }

  @Test
  void bufferPathWritesTheGeneralPathsBytes() throws Exception {
    for (Event e : events()) {
      DataOutputSerializer fast = new DataOutputSerializer(16);
      EventSerializer.INSTANCE.serialize(e, fast);
      DataOutputSerializer general = new DataOutputSerializer(16);
      EventSerializer.serializeToView(e, general);
      ByteArrayOutputStream stream = new ByteArrayOutputStream();
      int[] writes = new int[1];
      OutputStream counting =
          new FilterOutputStream(stream) {
            @Override
            public void write(int b) throws IOException {
              writes[0]++;
              stream.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
              writes[0]++;
              stream.write(b, off, len);
            }
          };
      EventSerializer.INSTANCE.serialize(e, new DataOutputViewStreamWrapper(counting));

      assertThat(fast.getCopyOfBuffer()).as("bytes of %s", e).isEqualTo(general.getCopyOfBuffer());
      assertThat(stream.toByteArray())
          .as("stream bytes of %s", e)
          .isEqualTo(fast.getCopyOfBuffer());
      assertThat(writes[0]).as("writes to a stream for %s (one bulk write)", e).isEqualTo(1);
      Event back =
          EventSerializer.INSTANCE.deserialize(new DataInputDeserializer(fast.getCopyOfBuffer()));
      assertThat(back).as("round trip of %s", e).isEqualTo(e);
    }
  }
}
