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
 * Flink's serializer for {@link Prediction}, written by hand instead of the reflective POJO
 * serializer.
 *
 * <p>Layout (version 1): {@code byte} type code (as {@link EventSerializer}), string {@code model},
 * {@code long modelVersion}, strings {@code requestId, impressionId, id, itemId}, {@code double
 * score}, arrays {@code rankedItemIds, rankedScores} ({@link FieldIo}), longs {@code eventTs,
 * scoredAt}. {@link #copy} is deep. Stateless; {@link #INSTANCE} is shared.
 */
public final class PredictionSerializer extends RecordSerializer<Prediction> {
  private static final long serialVersionUID = 1L;

  /** The shared instance. */
  public static final PredictionSerializer INSTANCE = new PredictionSerializer();

  /** The type information {@code TypeInformation.of(Prediction.class)} returns. */
  public static final TypeInformation<Prediction> TYPE_INFO =
      new SerializerTypeInfo<>(Prediction.class, INSTANCE);

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  public Prediction createInstance() {
    return new Prediction();
  }

  @Override
  public Prediction copy(Prediction from) {
    Prediction p = new Prediction();
    p.type = from.type;
    p.model = from.model;
    p.modelVersion = from.modelVersion;
    p.requestId = from.requestId;
    p.impressionId = from.impressionId;
    p.id = from.id;
    p.itemId = from.itemId;
    p.score = from.score;
    p.rankedItemIds = from.rankedItemIds == null ? null : from.rankedItemIds.clone();
    p.rankedScores = from.rankedScores == null ? null : from.rankedScores.clone();
    p.eventTs = from.eventTs;
    p.scoredAt = from.scoredAt;
    return p;
  }

  @Override
  public void serialize(Prediction p, DataOutputView out) throws IOException {
    out.writeByte(EventSerializer.typeCode(p.type));
    FieldIo.writeString(p.model, out);
    out.writeLong(p.modelVersion);
    FieldIo.writeString(p.requestId, out);
    FieldIo.writeString(p.impressionId, out);
    FieldIo.writeString(p.id, out);
    FieldIo.writeString(p.itemId, out);
    out.writeDouble(p.score);
    FieldIo.writeStrings(p.rankedItemIds, out);
    FieldIo.writeDoubles(p.rankedScores, out);
    out.writeLong(p.eventTs);
    out.writeLong(p.scoredAt);
  }

  @Override
  public Prediction deserialize(DataInputView in) throws IOException {
    Prediction p = new Prediction();
    p.type = EventSerializer.typeOf(in.readByte());
    p.model = FieldIo.readString(in);
    p.modelVersion = in.readLong();
    p.requestId = FieldIo.readString(in);
    p.impressionId = FieldIo.readString(in);
    p.id = FieldIo.readString(in);
    p.itemId = FieldIo.readString(in);
    p.score = in.readDouble();
    p.rankedItemIds = FieldIo.readStrings(in);
    p.rankedScores = FieldIo.readDoubles(in);
    p.eventTs = in.readLong();
    p.scoredAt = in.readLong();
    return p;
  }

  @Override
  public TypeSerializerSnapshot<Prediction> snapshotConfiguration() {
    return new Snapshot();
  }

  /** The serializer's snapshot: the class is the whole configuration. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<Prediction> {
    /** For Flink (reads snapshots reflectively). */
    public Snapshot() {
      super(() -> INSTANCE);
    }
  }

  /** Makes {@code TypeInformation.of(Prediction.class)} return {@link #TYPE_INFO}. */
  public static final class Factory extends TypeInfoFactory<Prediction> {
    @Override
    public TypeInformation<Prediction> createTypeInfo(
        Type t, Map<String, TypeInformation<?>> genericParameters) {
      return TYPE_INFO;
    }
  }
}
