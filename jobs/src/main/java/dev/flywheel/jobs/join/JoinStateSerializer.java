package dev.flywheel.jobs.join;

import dev.flywheel.jobs.events.Event;
import dev.flywheel.jobs.events.EventSerializer;
import dev.flywheel.jobs.types.RecordSerializer;
import dev.flywheel.jobs.types.SerializerTypeInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink's serializer for the join's per-key {@link JoinState}, written by hand instead of the
 * reflective POJO serializer (the heap backend copies state entries it hands out while an
 * asynchronous checkpoint holds them).
 *
 * <p>Layout (version 1): {@code int phase}, the impression and the click (each a presence byte then
 * {@link EventSerializer}'s layout), {@code long impressionTs}, {@code long timer}. The held
 * impression is kept in memory as exactly those bytes ({@link #encode}), so it is written in one
 * call and {@link #copy} shares it (it is never modified); the click is copied deeply. Reading
 * decodes the impression and encodes it again, which also checks it. Stateless; {@link #INSTANCE}
 * is shared.
 */
public final class JoinStateSerializer extends RecordSerializer<JoinState> {
  private static final long serialVersionUID = 1L;

  /** The shared instance. */
  public static final JoinStateSerializer INSTANCE = new JoinStateSerializer();

  /** The type information {@code TypeInformation.of(JoinState.class)} returns. */
  public static final TypeInformation<JoinState> TYPE_INFO =
      new SerializerTypeInfo<>(JoinState.class, INSTANCE);

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  public JoinState createInstance() {
    return new JoinState();
  }

  @Override
  public JoinState copy(JoinState from) {
    JoinState s = new JoinState();
    s.phase = from.phase;
    s.impression = from.impression; // immutable bytes
    s.click = from.click == null ? null : EventSerializer.INSTANCE.copy(from.click);
    s.impressionTs = from.impressionTs;
    s.timer = from.timer;
    return s;
  }

  @Override
  public void serialize(JoinState s, DataOutputView out) throws IOException {
    out.writeInt(s.phase);
    out.writeBoolean(s.impression != null);
    if (s.impression != null) {
      out.write(s.impression);
    }
    writeEvent(s.click, out);
    out.writeLong(s.impressionTs);
    out.writeLong(s.timer);
  }

  @Override
  public JoinState deserialize(DataInputView in) throws IOException {
    JoinState s = new JoinState();
    s.phase = in.readInt();
    Event impression = readEvent(in);
    s.impression = impression == null ? null : encode(impression);
    s.click = readEvent(in);
    s.impressionTs = in.readLong();
    s.timer = in.readLong();
    return s;
  }

  /** {@code event} in {@link EventSerializer}'s layout, as a new array. */
  public static byte[] encode(Event event) {
    return encode(event, new DataOutputSerializer(256));
  }

  /** {@code event} in {@link EventSerializer}'s layout, written through {@code scratch}. */
  static byte[] encode(Event event, DataOutputSerializer scratch) {
    scratch.clear();
    try {
      EventSerializer.INSTANCE.serialize(event, scratch);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode an event in memory", e); // never
    }
    return scratch.getCopyOfBuffer();
  }

  /** The event {@link #encode} wrote, read through {@code scratch}. */
  static Event decode(byte[] bytes, DataInputDeserializer scratch) {
    scratch.setBuffer(bytes);
    try {
      return EventSerializer.INSTANCE.deserialize(scratch);
    } catch (IOException e) {
      throw new UncheckedIOException("held impression bytes are corrupt", e);
    }
  }

  private static void writeEvent(Event e, DataOutputView out) throws IOException {
    out.writeBoolean(e != null);
    if (e != null) {
      EventSerializer.INSTANCE.serialize(e, out);
    }
  }

  private static Event readEvent(DataInputView in) throws IOException {
    return in.readBoolean() ? EventSerializer.INSTANCE.deserialize(in) : null;
  }

  @Override
  public TypeSerializerSnapshot<JoinState> snapshotConfiguration() {
    return new Snapshot();
  }

  /** The serializer's snapshot: the class is the whole configuration. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<JoinState> {
    /** For Flink (reads snapshots reflectively). */
    public Snapshot() {
      super(() -> INSTANCE);
    }
  }

  /** Makes {@code TypeInformation.of(JoinState.class)} return {@link #TYPE_INFO}. */
  public static final class Factory extends TypeInfoFactory<JoinState> {
    @Override
    public TypeInformation<JoinState> createTypeInfo(
        Type t, Map<String, TypeInformation<?>> genericParameters) {
      return TYPE_INFO;
    }
  }
}
