package dev.flywheel.jobs.score;

import dev.flywheel.jobs.train.ModelSerializer;
import dev.flywheel.jobs.types.RecordSerializer;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink's serializer for {@link ServedModel}: an immutable type, so {@link #copy} returns its
 * argument and a checkpoint's synchronous phase copies nothing but references.
 *
 * <p>Layout (version 1): the model id ({@code writeUTF}), then the model as {@link ModelSerializer}
 * writes it (an {@code int} length and model-core's snapshot, streamed: no array of the model's
 * size is allocated to write it). Stateless; {@link #INSTANCE} is shared.
 */
public final class ServedModelSerializer extends RecordSerializer<ServedModel> {
  private static final long serialVersionUID = 1L;

  /** The shared instance. */
  public static final ServedModelSerializer INSTANCE = new ServedModelSerializer();

  @Override
  public boolean isImmutableType() {
    return true;
  }

  /** There is no meaningful empty served model: returns {@code null}. */
  @Override
  public ServedModel createInstance() {
    return null;
  }

  @Override
  public ServedModel copy(ServedModel from) {
    return from;
  }

  @Override
  public void serialize(ServedModel s, DataOutputView out) throws IOException {
    out.writeUTF(s.modelId());
    ModelSerializer.INSTANCE.serialize(s.model(), out);
  }

  @Override
  public ServedModel deserialize(DataInputView in) throws IOException {
    String id = in.readUTF();
    return new ServedModel(id, ModelSerializer.INSTANCE.deserialize(in));
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    target.writeUTF(source.readUTF());
    ModelSerializer.INSTANCE.copy(source, target);
  }

  @Override
  public TypeSerializerSnapshot<ServedModel> snapshotConfiguration() {
    return new Snapshot();
  }

  /** The serializer's snapshot: the class is the whole configuration. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<ServedModel> {
    /** For Flink (reads snapshots reflectively). */
    public Snapshot() {
      super(() -> INSTANCE);
    }
  }
}
