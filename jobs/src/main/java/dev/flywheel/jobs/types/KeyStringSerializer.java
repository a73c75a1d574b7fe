package dev.flywheel.jobs.types;

import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * A serializer for string <em>keys</em> that writes exactly the bytes of Flink's {@link
 * StringSerializer} (a variable-length length plus one, then every char in 7-bit groups), but in
 * one call per string instead of one per byte.
 *
 * <p>Why: a heap keyed state backend writes every key of every state entry and of every timer
 * through the key serializer into the checkpoint stream; Flink's serializer makes one {@code
 * write(int)} call per byte on the view, each a synchronized {@code DataOutputStream.write(int)}
 * plus the wrappers below it, and for the join's impression ids that was 60 % of the checkpoint
 * thread's samples (docs/bench/pipeline.md). Here the view gets one call per string (Flink 2.2's
 * snapshot stream underneath still forwards the bytes one by one: {@code FlinkSnapshotStreamTest}).
 * The bytes being the same, a checkpoint written with {@link StringSerializer} restores with this
 * one and the other way round ({@link Snapshot} declares both compatible as they are). Reading goes
 * through {@link FieldIo#readString}, the job's one reader of that encoding (restores only).
 * Strings are immutable: copies return the same instance.
 */
public final class KeyStringSerializer extends TypeSerializerSingleton<String> {
  private static final long serialVersionUID = 1L;

  /** The shared instance. */
  public static final KeyStringSerializer INSTANCE = new KeyStringSerializer();

  /**
   * The key type to pass to {@code keyBy(selector, type)} instead of {@code Types.STRING}.
   * Partitioning is unchanged: Flink assigns key groups from {@code String.hashCode()}.
   */
  public static final TypeInformation<String> TYPE_INFO =
      SerializerTypeInfo.forKeys(String.class, INSTANCE);

  private static final int HIGH_BIT = 0x80;
  private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[256]);

  private KeyStringSerializer() {}

  @Override
  public boolean isImmutableType() {
    return true;
  }

  @Override
  public String createInstance() {
    return "";
  }

  @Override
  public String copy(String from) {
    return from;
  }

  @Override
  public String copy(String from, String reuse) {
    return from;
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(String s, DataOutputView out) throws IOException {
    if (s == null) {
      out.write(0);
      return;
    }
    int n = s.length();
    byte[] buf = SCRATCH.get();
    if (buf.length < 5 + 3 * n) { // a char takes at most 3 groups of 7 bits, the length 5
      buf = new byte[Math.max(5 + 3 * n, 2 * buf.length)];
      SCRATCH.set(buf);
    }
    int at = 0;
    int length = n + 1; // 0 means null
    while (length >= HIGH_BIT) {
      buf[at++] = (byte) (length | HIGH_BIT);
      length >>>= 7;
    }
    buf[at++] = (byte) length;
    for (int i = 0; i < n; i++) {
      int c = s.charAt(i);
      while (c >= HIGH_BIT) {
        buf[at++] = (byte) (c | HIGH_BIT);
        c >>>= 7;
      }
      buf[at++] = (byte) c;
    }
    out.write(buf, 0, at);
  }

  @Override
  public String deserialize(DataInputView in) throws IOException {
    return FieldIo.readString(in);
  }

  @Override
  public String deserialize(String reuse, DataInputView in) throws IOException {
    return deserialize(in);
  }

  @Override
  public void copy(DataInputView in, DataOutputView out) throws IOException {
    StringValue.copyString(in, out);
  }

  @Override
  public TypeSerializerSnapshot<String> snapshotConfiguration() {
    return new Snapshot();
  }

  /** The snapshot: compatible as is with its own and with {@link StringSerializer}'s. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<String> {
    /** For Flink (reads snapshots reflectively). */
    public Snapshot() {
      super(() -> INSTANCE);
    }

    @Override
    public TypeSerializerSchemaCompatibility<String> resolveSchemaCompatibility(
        TypeSerializerSnapshot<String> oldSnapshot) {
      if (oldSnapshot instanceof StringSerializer.StringSerializerSnapshot) {
        return TypeSerializerSchemaCompatibility.compatibleAsIs(); // the same bytes
      }
      return super.resolveSchemaCompatibility(oldSnapshot);
    }
  }
}
