package dev.flywheel.jobs.train;

import dev.flywheel.model.Model;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The configuration snapshot of {@link ModelSerializer}, written into every checkpoint and
 * savepoint.
 *
 * <p>Version {@value #VERSION}: no payload (the serializer has no parameters; the model format
 * inside each record carries its own version and configuration). A restore from a snapshot of this
 * class is compatible as is; an unknown snapshot version is rejected with a clear error; any other
 * serializer's snapshot is incompatible.
 */
public final class ModelSerializerSnapshot implements TypeSerializerSnapshot<Model> {

  /** The version this class writes. */
  public static final int VERSION = 1;

  /** For Flink, which instantiates snapshots reflectively. */
  public ModelSerializerSnapshot() {}

  @Override
  public int getCurrentVersion() {
    return VERSION;
  }

  @Override
  public void writeSnapshot(DataOutputView out) {}

  @Override
  public void readSnapshot(int readVersion, DataInputView in, ClassLoader classLoader)
      throws IOException {
    if (readVersion != VERSION) {
      throw new IOException(
          "ModelSerializer snapshot version "
              + readVersion
              + " is unknown; this build reads version "
              + VERSION);
    }
  }

  @Override
  public TypeSerializer<Model> restoreSerializer() {
    return ModelSerializer.INSTANCE;
  }

  @Override
  public TypeSerializerSchemaCompatibility<Model> resolveSchemaCompatibility(
      TypeSerializerSnapshot<Model> oldSerializerSnapshot) {
    return oldSerializerSnapshot instanceof ModelSerializerSnapshot
        ? TypeSerializerSchemaCompatibility.compatibleAsIs()
        : TypeSerializerSchemaCompatibility.incompatible();
  }
}
