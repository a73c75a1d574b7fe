package dev.flywheel.jobs.train;

import dev.flywheel.model.Model;
import dev.flywheel.model.io.ModelCodec;
import dev.flywheel.model.io.ModelFormatException;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink's serializer for a {@link Model} in state: a length-prefixed model-core snapshot ({@link
 * ModelCodec#writeSnapshot}), so Flink state, model updates and model files share one versioned,
 * checksummed format and Kryo is never involved.
 *
 * <p>Record layout: {@code int length}, then {@code length} bytes of the model format. The model
 * format carries its own version; a snapshot written by an older model-core is read by the codec
 * (or rejected by it with a {@link ModelFormatException}, surfaced as an {@link IOException}). The
 * touched-row set of a model is not part of a snapshot (see {@link Model}), so a restored model
 * starts a fresh delta.
 *
 * <p>Stateless: one instance may be shared.
 */
public final class ModelSerializer extends TypeSerializer<Model> {
  private static final long serialVersionUID = 1L;

  /** The shared instance. */
  public static final ModelSerializer INSTANCE = new ModelSerializer();

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  public TypeSerializer<Model> duplicate() {
    return this;
  }

  /** There is no meaningful empty model without a configuration: returns {@code null}. */
  @Override
  public Model createInstance() {
    return null;
  }

  @Override
  public Model copy(Model from) {
    return from.copy();
  }

  @Override
  public Model copy(Model from, Model reuse) {
    return from.copy();
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(Model model, DataOutputView target) throws IOException {
    long size = ModelCodec.snapshotSize(model.config());
    if (size > Integer.MAX_VALUE - 8) {
      throw new IOException("model state: a snapshot of " + size + " bytes does not fit an array");
    }
    target.writeInt((int) size);
    // streamed: a checkpoint allocates no array of the model's size (68 MiB by default)
    ModelCodec.writeSnapshot(model, target);
  }

  @Override
  public Model deserialize(DataInputView source) throws IOException {
    int length = source.readInt();
    if (length < 0) {
      throw new IOException("model state: negative length " + length);
    }
    byte[] bytes = new byte[length];
    source.readFully(bytes);
    try {
      return ModelCodec.readSnapshot(bytes);
    } catch (ModelFormatException e) {
      throw new IOException("model state: " + e.getMessage(), e);
    }
  }

  @Override
  public Model deserialize(Model reuse, DataInputView source) throws IOException {
    return deserialize(source);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    int length = source.readInt();
    if (length < 0) {
      throw new IOException("model state: negative length " + length);
    }
    byte[] bytes = new byte[length];
    source.readFully(bytes);
    target.writeInt(length);
    target.write(bytes);
  }

  @Override
  public boolean equals(Object obj) {
    return obj instanceof ModelSerializer;
  }

  @Override
  public int hashCode() {
    return ModelSerializer.class.hashCode();
  }

  @Override
  public TypeSerializerSnapshot<Model> snapshotConfiguration() {
    return new ModelSerializerSnapshot();
  }
}
