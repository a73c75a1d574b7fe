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
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink's serializer for {@link LabeledExample} (records from the join to the trainer, the
 * trainer's pending list state), written by hand instead of the reflective POJO serializer.
 *
 * <p>Layout (version 1): strings {@code model, id}, {@code long ts}, arrays {@code indices, values,
 * numeric} ({@link FieldIo}), doubles {@code label, weight}. {@link #copy} is deep. Stateless;
 * {@link #INSTANCE} is shared.
 */
public final class LabeledExampleSerializer extends RecordSerializer<LabeledExample> {
  private static final long serialVersionUID = 1L;

  /** The shared instance. */
  public static final LabeledExampleSerializer INSTANCE = new LabeledExampleSerializer();

  /** The type information {@code TypeInformation.of(LabeledExample.class)} returns. */
  public static final TypeInformation<LabeledExample> TYPE_INFO =
      new SerializerTypeInfo<>(LabeledExample.class, INSTANCE);

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  public LabeledExample createInstance() {
    return new LabeledExample();
  }

  @Override
  public LabeledExample copy(LabeledExample from) {
    return new LabeledExample(
        from.model,
        from.id,
        from.ts,
        from.indices == null ? null : from.indices.clone(),
        from.values == null ? null : from.values.clone(),
        from.numeric == null ? null : from.numeric.clone(),
        from.label,
        from.weight);
  }

  @Override
  public void serialize(LabeledExample x, DataOutputView out) throws IOException {
    FieldIo.writeString(x.model, out);
    FieldIo.writeString(x.id, out);
    out.writeLong(x.ts);
    FieldIo.writeInts(x.indices, out);
    FieldIo.writeDoubles(x.values, out);
    FieldIo.writeBooleans(x.numeric, out);
    out.writeDouble(x.label);
    out.writeDouble(x.weight);
  }

  @Override
  public LabeledExample deserialize(DataInputView in) throws IOException {
    LabeledExample x = new LabeledExample();
    x.model = FieldIo.readString(in);
    x.id = FieldIo.readString(in);
    x.ts = in.readLong();
    x.indices = FieldIo.readInts(in);
    x.values = FieldIo.readDoubles(in);
    x.numeric = FieldIo.readBooleans(in);
    x.label = in.readDouble();
    x.weight = in.readDouble();
    return x;
  }

  @Override
  public TypeSerializerSnapshot<LabeledExample> snapshotConfiguration() {
    return new Snapshot();
  }

  /** The serializer's snapshot: the class is the whole configuration. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<LabeledExample> {
    /** For Flink (reads snapshots reflectively). */
    public Snapshot() {
      super(() -> INSTANCE);
    }
  }

  /** Makes {@code TypeInformation.of(LabeledExample.class)} return {@link #TYPE_INFO}. */
  public static final class Factory extends TypeInfoFactory<LabeledExample> {
    @Override
    public TypeInformation<LabeledExample> createTypeInfo(
        Type t, Map<String, TypeInformation<?>> genericParameters) {
      return TYPE_INFO;
    }
  }
}
