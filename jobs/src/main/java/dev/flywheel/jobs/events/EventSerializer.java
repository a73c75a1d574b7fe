package dev.flywheel.jobs.events;

import dev.flywheel.jobs.types.FieldIo;
import dev.flywheel.jobs.types.RecordSerializer;
import dev.flywheel.jobs.types.SerializerTypeInfo;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * Flink's serializer for {@link Event}, written by hand: the POJO serializer it replaces spent its
 * time in reflective field access (copies between chained operators, records between tasks, the
 * join's state).
 *
 * <p>Layout (version 1): {@code byte} type code ({@link #typeCode}, 0 for null), {@code long ts},
 * strings {@code model, requestId, impressionId, id, itemId}, {@code int position}, doubles {@code
 * propensity, label, value}, arrays {@code indices, values, numeric}, {@code int sharedCount},
 * arrays {@code candidateItemIds, candidateOffsets} ({@link FieldIo} encodings). A change of layout
 * needs a new snapshot version.
 *
 * <p>Into Flink's {@link DataOutputSerializer} (records sent between tasks), the same bytes are
 * written through the concrete class: {@link StringValue#writeString}, which every string in a job
 * goes through, makes one call per char on a {@code DataOutput} that has seen many classes
 * (megamorphic, not inlined); here a string of ASCII chars shorter than 127 is a length byte and
 * one inlined store per char. Other strings take {@link FieldIo}'s path. Into any other output (a
 * checkpoint stream) the event is first written into a per-thread buffer that way, then copied in
 * one call.
 *
 * <p>{@link #copy} is deep: arrays are copied too. Stateless; {@link #INSTANCE} is shared.
 */
public final class EventSerializer extends RecordSerializer<Event> {
  private static final long serialVersionUID = 1L;

  /** The shared instance. */
  public static final EventSerializer INSTANCE = new EventSerializer();

  /** The type information {@code TypeInformation.of(Event.class)} returns. */
  public static final TypeInformation<Event> TYPE_INFO =
      new SerializerTypeInfo<>(Event.class, INSTANCE);

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  public Event createInstance() {
    return new Event();
  }

  @Override
  public Event copy(Event from) {
    Event e = new Event();
    e.type = from.type;
    e.ts = from.ts;
    e.model = from.model;
    e.requestId = from.requestId;
    e.impressionId = from.impressionId;
    e.id = from.id;
    e.itemId = from.itemId;
    e.position = from.position;
    e.propensity = from.propensity;
    e.label = from.label;
    e.value = from.value;
    e.indices = from.indices == null ? null : from.indices.clone();
    e.values = from.values == null ? null : from.values.clone();
    e.numeric = from.numeric == null ? null : from.numeric.clone();
    e.sharedCount = from.sharedCount;
    e.candidateItemIds = from.candidateItemIds == null ? null : from.candidateItemIds.clone();
    e.candidateOffsets = from.candidateOffsets == null ? null : from.candidateOffsets.clone();
    return e;
  }

  @Override
  public void serialize(Event e, DataOutputView out) throws IOException {
    if (out instanceof DataOutputSerializer buffer) {
      serializeToBuffer(e, buffer);
    } else {
      // A checkpoint stream (the join's held impressions): one bulk write instead of a call per
      // byte through the stream wrappers (DataOutputStream → ForwardingOutputStream → the
      // checkpoint stream), which was ~9 % of a pipeline profile's samples.
      DataOutputSerializer scratch = SCRATCH.get();
      scratch.clear();
      serializeToBuffer(e, scratch);
      out.write(scratch.getSharedBuffer(), 0, scratch.length());
    }
  }

  /**
   * Per thread (the task thread, checkpoints' asynchronous threads): the serializer stays
   * stateless.
   */
  private static final ThreadLocal<DataOutputSerializer> SCRATCH =
      ThreadLocal.withInitial(() -> new DataOutputSerializer(512));

  /** {@link #serialize} through the concrete buffer class; the same bytes. */
  static void serializeToBuffer(Event e, DataOutputSerializer out) throws IOException {
    out.writeByte(typeCode(e.type));
    out.writeLong(e.ts);
    writeString(e.model, out);
    writeString(e.requestId, out);
    writeString(e.impressionId, out);
    writeString(e.id, out);
    writeString(e.itemId, out);
    out.writeInt(e.position);
    out.writeDouble(e.propensity);
    out.writeDouble(e.label);
    out.writeDouble(e.value);
    int[] indices = e.indices;
    if (indices == null) {
      out.writeInt(-1);
    } else {
      out.writeInt(indices.length);
      for (int v : indices) {
        out.writeInt(v);
      }
    }
    double[] values = e.values;
    if (values == null) {
      out.writeInt(-1);
    } else {
      out.writeInt(values.length);
      for (double v : values) {
        out.writeLong(Double.doubleToRawLongBits(v)); // as FieldIo.writeDoubles
      }
    }
    boolean[] numeric = e.numeric;
    if (numeric == null) {
      out.writeInt(-1);
    } else {
      out.writeInt(numeric.length);
      for (boolean v : numeric) {
        out.writeBoolean(v);
      }
    }
    out.writeInt(e.sharedCount);
    String[] items = e.candidateItemIds;
    if (items == null) {
      out.writeInt(-1);
    } else {
      out.writeInt(items.length);
      for (String item : items) {
        writeString(item, out);
      }
    }
    int[] offsets = e.candidateOffsets;
    if (offsets == null) {
      out.writeInt(-1);
    } else {
      out.writeInt(offsets.length);
      for (int v : offsets) {
        out.writeInt(v);
      }
    }
  }

  /**
   * {@link StringValue#writeString}'s encoding of {@code s}: for null a 0 byte; for an ASCII string
   * shorter than 127 chars its length + 1 in one byte, then one byte per char; anything else
   * through {@link StringValue} itself.
   */
  private static void writeString(String s, DataOutputSerializer out) throws IOException {
    if (s == null) {
      out.write(0);
      return;
    }
    int n = s.length();
    if (n < 127) {
      int i = 0;
      while (i < n && s.charAt(i) < 0x80) {
        i++;
      }
      if (i == n) {
        out.write(n + 1);
        for (int k = 0; k < n; k++) {
          out.write(s.charAt(k));
        }
        return;
      }
    }
    StringValue.writeString(s, out);
  }

  /** {@link #serialize} to any output, through {@link FieldIo}. */
  static void serializeToView(Event e, DataOutputView out) throws IOException {
    out.writeByte(typeCode(e.type));
    out.writeLong(e.ts);
    FieldIo.writeString(e.model, out);
    FieldIo.writeString(e.requestId, out);
    FieldIo.writeString(e.impressionId, out);
    FieldIo.writeString(e.id, out);
    FieldIo.writeString(e.itemId, out);
    out.writeInt(e.position);
    out.writeDouble(e.propensity);
    out.writeDouble(e.label);
    out.writeDouble(e.value);
    FieldIo.writeInts(e.indices, out);
    FieldIo.writeDoubles(e.values, out);
    FieldIo.writeBooleans(e.numeric, out);
    out.writeInt(e.sharedCount);
    FieldIo.writeStrings(e.candidateItemIds, out);
    FieldIo.writeInts(e.candidateOffsets, out);
  }

  @Override
  public Event deserialize(DataInputView in) throws IOException {
    Event e = new Event();
    e.type = typeOf(in.readByte());
    e.ts = in.readLong();
    e.model = FieldIo.readString(in);
    e.requestId = FieldIo.readString(in);
    e.impressionId = FieldIo.readString(in);
    e.id = FieldIo.readString(in);
    e.itemId = FieldIo.readString(in);
    e.position = in.readInt();
    e.propensity = in.readDouble();
    e.label = in.readDouble();
    e.value = in.readDouble();
    e.indices = FieldIo.readInts(in);
    e.values = FieldIo.readDoubles(in);
    e.numeric = FieldIo.readBooleans(in);
    e.sharedCount = in.readInt();
    e.candidateItemIds = FieldIo.readStrings(in);
    e.candidateOffsets = FieldIo.readInts(in);
    return e;
  }

  @Override
  public TypeSerializerSnapshot<Event> snapshotConfiguration() {
    return new Snapshot();
  }

  /** Stable wire code of an event type (never its ordinal); 0 for null. */
  static int typeCode(EventType type) {
    if (type == null) {
      return 0;
    }
    return switch (type) {
      case REQUEST -> 1;
      case IMPRESSION -> 2;
      case CLICK -> 3;
      case EXAMPLE -> 4;
    };
  }

  /** The event type of wire code {@code code}. */
  static EventType typeOf(int code) throws IOException {
    return switch (code) {
      case 0 -> null;
      case 1 -> EventType.REQUEST;
      case 2 -> EventType.IMPRESSION;
      case 3 -> EventType.CLICK;
      case 4 -> EventType.EXAMPLE;
      default -> throw new IOException("corrupt record: event type code " + code);
    };
  }

  /** The serializer's snapshot: the class is the whole configuration. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<Event> {
    /** For Flink (reads snapshots reflectively). */
    public Snapshot() {
      super(() -> INSTANCE);
    }
  }

  /** Makes {@code TypeInformation.of(Event.class)} return {@link #TYPE_INFO}. */
  public static final class Factory extends TypeInfoFactory<Event> {
    @Override
    public TypeInformation<Event> createTypeInfo(
        Type t, Map<String, TypeInformation<?>> genericParameters) {
      return TYPE_INFO;
    }
  }
}
