package dev.flywheel.jobs.types;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.typeutils.base.IntSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class KeyStringSerializerTest {

  private static List<String> samples() {
    List<String> strings = new ArrayList<>();
    strings.add("");
    strings.add("imp-123e4567-e89b-12d3-a456-426614174000");
    strings.add("é中\uD83D\uDE00\u007f\u0080\u3fff\u4000\uffff"); // 1, 2 and 3 groups of 7 bits
    strings.add("x".repeat(127));
    strings.add("y".repeat(128)); // the length takes two bytes
    strings.add("z".repeat(20_000));
    Random random = new Random(5);
    for (int i = 0; i < 500; i++) {
      char[] chars = new char[random.nextInt(60)];
      for (int k = 0; k < chars.length; k++) {
        chars[k] = (char) (random.nextBoolean() ? 32 + random.nextInt(95) : random.nextInt(65536));
      }
      strings.add(new String(chars));
    }
    return strings;
  }

  @Test
  void writesExactlyTheBytesOfFlinksStringSerializer() throws Exception {
    List<String> strings = samples();
    strings.add(null);
    for (String s : strings) {
      DataOutputSerializer ours = new DataOutputSerializer(64);
      DataOutputSerializer flinks = new DataOutputSerializer(64);
      KeyStringSerializer.INSTANCE.serialize(s, ours);
      StringSerializer.INSTANCE.serialize(s, flinks);
      assertThat(ours.getCopyOfBuffer()).as(String.valueOf(s)).isEqualTo(flinks.getCopyOfBuffer());
      DataInputDeserializer in = new DataInputDeserializer(ours.getCopyOfBuffer());
      assertThat(KeyStringSerializer.INSTANCE.deserialize(in)).isEqualTo(s);
      assertThat(in.available()).isZero();
    }
  }

  @Test
  void checkpointsOfEitherSerializerAreCompatibleAsTheyAre() {
    var ours = KeyStringSerializer.INSTANCE.snapshotConfiguration();
    assertThat(
            ours.resolveSchemaCompatibility(StringSerializer.INSTANCE.snapshotConfiguration())
                .isCompatibleAsIs())
        .isTrue();
    assertThat(
            ours.resolveSchemaCompatibility(KeyStringSerializer.INSTANCE.snapshotConfiguration())
                .isCompatibleAsIs())
        .isTrue();
    @SuppressWarnings({"unchecked", "rawtypes"})
    var other =
        (org.apache.flink.api.common.typeutils.TypeSerializerSnapshot)
            IntSerializer.INSTANCE.snapshotConfiguration();
    @SuppressWarnings("unchecked")
    boolean incompatible = ours.resolveSchemaCompatibility(other).isIncompatible();
    assertThat(incompatible).isTrue();
    assertThat(ours.restoreSerializer()).isSameAs(KeyStringSerializer.INSTANCE);
    assertThat(KeyStringSerializer.TYPE_INFO.isKeyType()).isTrue();
    assertThat(KeyStringSerializer.TYPE_INFO.createSerializer(null))
        .isSameAs(KeyStringSerializer.INSTANCE);
  }
}
