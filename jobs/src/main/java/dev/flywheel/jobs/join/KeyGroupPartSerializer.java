package dev.flywheel.jobs.join;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink's serializer of a {@link KeyGroupPart}: {@code int length}, then the part's bytes (the
 * layout of a byte array's serializer). Serializing a part that still points into a {@link
 * FrozenJoin} encodes it there, which is why the label join's checkpoint costs its task thread only
 * the freeze. The type counts as immutable, so the heap state backend never copies a value.
 */
public final class KeyGroupPartSerializer extends TypeSerializerSingleton<KeyGroupPart> {
  private static final long serialVersionUID = 1L;

  /** The shared instance. */
  public static final KeyGroupPartSerializer INSTANCE = new KeyGroupPartSerializer();

  @Override
  public boolean isImmutableType() {
    return true;
  }

  @Override
  public KeyGroupPart createInstance() {
    return KeyGroupPart.of(KeyGroupPart.EMPTY);
  }

  @Override
  public KeyGroupPart copy(KeyGroupPart from) {
    return from;
  }

  @Override
  public KeyGroupPart copy(KeyGroupPart from, KeyGroupPart reuse) {
    return from;
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(KeyGroupPart part, DataOutputView target) throws IOException {
    byte[] bytes = part.bytes();
    target.writeInt(bytes.length);
    target.write(bytes);
  }

  @Override
  public KeyGroupPart deserialize(DataInputView source) throws IOException {
    int length = source.readInt();
    if (length < 0) {
      throw new IOException("join state: negative part length " + length);
    }
    if (length == 0) {
      return KeyGroupPart.of(KeyGroupPart.EMPTY);
    }
    byte[] bytes = new byte[length];
    source.readFully(bytes);
    return KeyGroupPart.of(bytes);
  }

  @Override
  public KeyGroupPart deserialize(KeyGroupPart reuse, DataInputView source) throws IOException {
    return deserialize(source);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    int length = source.readInt();
    byte[] bytes = new byte[length];
    source.readFully(bytes);
    target.writeInt(length);
    // not target.write(source, length): a DataOutputSerializer does not grow for that one
    target.write(bytes);
  }

  @Override
  public TypeSerializerSnapshot<KeyGroupPart> snapshotConfiguration() {
    return new Snapshot();
  }

  /** The serializer's snapshot: no configuration. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<KeyGroupPart> {
    /** For Flink's reflection. */
    public Snapshot() {
      super(() -> INSTANCE);
    }
  }
}
