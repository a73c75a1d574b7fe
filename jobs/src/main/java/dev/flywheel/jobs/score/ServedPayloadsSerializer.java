package dev.flywheel.jobs.score;

import dev.flywheel.jobs.types.RecordSerializer;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Legacy: reads and discards the scorer's former {@code served-model-payloads} broadcast state, so
 * a savepoint taken before the scorer checkpointed {@link ServedModel}s still restores (Flink
 * restores every operator state it finds, and needs this class, by name, for the state's serializer
 * snapshot). The scorer then clears that state at once, so it is not carried into new checkpoints.
 *
 * <p>Reads the old layout (version 1: {@code int} snapshot length and bytes, {@code int} delta
 * count, each delta as {@code int} length and bytes) and returns the number of payload bytes it
 * skipped instead of the payloads, so a restore does not hold the old payloads in memory. Writes
 * that count back as an empty record of the old layout (snapshot of 0 bytes, no deltas).
 */
public final class ServedPayloadsSerializer extends RecordSerializer<Long> {
  private static final long serialVersionUID = 1L;

  /** The shared instance. */
  public static final ServedPayloadsSerializer INSTANCE = new ServedPayloadsSerializer();

  @Override
  public boolean isImmutableType() {
    return true;
  }

  @Override
  public Long createInstance() {
    return 0L;
  }

  @Override
  public Long copy(Long from) {
    return from;
  }

  @Override
  public void serialize(Long skipped, DataOutputView out) throws IOException {
    out.writeInt(0);
    out.writeInt(0);
  }

  @Override
  public Long deserialize(DataInputView in) throws IOException {
    long skipped = skip(in);
    int n = in.readInt();
    if (n < 0) {
      throw new IOException("served payloads: negative delta count " + n);
    }
    for (int i = 0; i < n; i++) {
      skipped += skip(in);
    }
    return skipped;
  }

  private static int skip(DataInputView in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      throw new IOException("served payloads: negative length " + n);
    }
    in.skipBytesToRead(n);
    return n;
  }

  @Override
  public TypeSerializerSnapshot<Long> snapshotConfiguration() {
    return new Snapshot();
  }

  /** The serializer's snapshot: the class is the whole configuration. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<Long> {
    /** For Flink (reads snapshots reflectively). */
    public Snapshot() {
      super(() -> INSTANCE);
    }
  }
}
