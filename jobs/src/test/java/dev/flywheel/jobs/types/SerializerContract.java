package dev.flywheel.jobs.types;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.BiConsumer;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.util.InstantiationUtil;

/**
 * The checks Flink's {@code SerializerTestBase} makes, for the job's hand-written serializers:
 * round trip of single records and of a sequence, deep copies, copy with a reuse instance, the
 * serialized-form copy, duplicate, Java serialization of the serializer, and the snapshot written,
 * read back, restored and judged compatible as is.
 */
public final class SerializerContract {
  private SerializerContract() {}

  /**
   * Checks {@code serializer} on {@code records} (which should include every null and empty case).
   *
   * @param notShared asserts that a copy shares no mutable part (arrays) with its original
   */
  public static <T> void check(
      TypeSerializer<T> serializer, List<T> records, BiConsumer<T, T> notShared) throws Exception {
    DataOutputSerializer all = new DataOutputSerializer(256);
    for (T r : records) {
      DataOutputSerializer out = new DataOutputSerializer(64);
      serializer.serialize(r, out);
      byte[] bytes = out.getCopyOfBuffer();
      T back = serializer.deserialize(new DataInputDeserializer(bytes));
      assertThat(back).as("round trip of %s", r).isEqualTo(r).isNotSameAs(r);
      T reused =
          serializer.deserialize(serializer.createInstance(), new DataInputDeserializer(bytes));
      assertThat(reused).as("round trip with reuse of %s", r).isEqualTo(r);

      T copy = serializer.copy(r);
      assertThat(copy).as("copy of %s", r).isEqualTo(r);
      if (!serializer.isImmutableType()) {
        assertThat(copy).as("copy of a mutable %s", r).isNotSameAs(r);
        notShared.accept(r, copy);
      }
      assertThat(serializer.copy(r, serializer.createInstance())).isEqualTo(r);

      DataOutputSerializer copied = new DataOutputSerializer(64);
      serializer.copy(new DataInputDeserializer(bytes), copied);
      assertThat(copied.getCopyOfBuffer()).as("serialized copy of %s", r).isEqualTo(bytes);

      serializer.serialize(r, all);
    }
    DataInputDeserializer in = new DataInputDeserializer(all.getCopyOfBuffer());
    for (T r : records) {
      assertThat(serializer.deserialize(in)).as("in sequence: %s", r).isEqualTo(r);
    }
    assertThat(in.available()).as("bytes left after the sequence").isZero();

    assertThat(serializer.duplicate()).isEqualTo(serializer);
    assertThat(InstantiationUtil.clone(serializer)).isEqualTo(serializer);

    TypeSerializerSnapshot<T> snapshot = serializer.snapshotConfiguration();
    DataOutputSerializer snapOut = new DataOutputSerializer(64);
    TypeSerializerSnapshot.writeVersionedSnapshot(snapOut, snapshot);
    TypeSerializerSnapshot<T> read =
        TypeSerializerSnapshot.readVersionedSnapshot(
            new DataInputDeserializer(snapOut.getCopyOfBuffer()),
            SerializerContract.class.getClassLoader());
    assertThat(read.restoreSerializer()).isEqualTo(serializer);
    TypeSerializerSchemaCompatibility<T> compatibility =
        serializer.snapshotConfiguration().resolveSchemaCompatibility(read);
    assertThat(compatibility.isCompatibleAsIs()).as("compatible with its own snapshot").isTrue();
  }
}
