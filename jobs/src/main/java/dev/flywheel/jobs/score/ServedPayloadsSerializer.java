package dev.flywheel.jobs.score;

import dev.flywheel.jobs.types.RecordSerializer;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink's serializer for {@link ServedPayloads}: an immutable type, so {@link #copy} returns its
 * argument (the broadcast state's copy for an asynchronous checkpoint costs nothing).
 *
 * <p>Layout (version 1): {@code int} snapshot length and its bytes, {@code int} delta count, then
 * each delta as {@code int} length and bytes. Stateless; {@link #INSTANCE} is shared.
 */
public final class ServedPayloadsSerializer extends RecordSerializer<ServedPayloads> {
  private static final long serialVersionUID = 1L;

  /** The shared instance. */
  public static final ServedPayloadsSerializer INSTANCE = new ServedPayloadsSerializer();

  @Override
  public boolean isImmutableType() {
    return true;
  }

  @Override
  public ServedPayloads createInstance() {
    return ServedPayloads.ofSnapshot(new byte[0]);
  }

  @Override
  public ServedPayloads copy(ServedPayloads from) {
    return from;
  }

  @Override
  public void serialize(ServedPayloads p, DataOutputView out) throws IOException {
    writeBytes(p.snapshot(), out);
    out.writeInt(p.deltaCount());
    for (int i = 0; i < p.deltaCount(); i++) {
      writeBytes(p.delta(i), out);
    }
  }

  @Override
  public ServedPayloads deserialize(DataInputView in) throws IOException {
    byte[] snapshot = readBytes(in);
    int n = in.readInt();
    if (n < 0) {
      throw new IOException("served payloads: negative delta count " + n);
    }
    byte[][] deltas = new byte[n][];
    for (int i = 0; i < n; i++) {
      deltas[i] = readBytes(in);
    }
    return new ServedPayloads(snapshot, deltas);
  }

  private static void writeBytes(byte[] b, DataOutputView out) throws IOException {
    out.writeInt(b.length);
    out.write(b);
  }

  private static byte[] readBytes(DataInputView in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      throw new IOException("served payloads: negative length " + n);
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }

  @Override
  public TypeSerializerSnapshot<ServedPayloads> snapshotConfiguration() {
    return new Snapshot();
  }

  /** The serializer's snapshot: the class is the whole configuration. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<ServedPayloads> {
    /** For Flink (reads snapshots reflectively). */
    public Snapshot() {
      super(() -> INSTANCE);
    }
  }
}
