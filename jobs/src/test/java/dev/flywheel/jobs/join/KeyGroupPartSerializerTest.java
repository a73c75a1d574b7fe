package dev.flywheel.jobs.join;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.jobs.types.SerializerContract;
import java.util.List;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class KeyGroupPartSerializerTest {
  private static final KeyGroupPartSerializer SERIALIZER = KeyGroupPartSerializer.INSTANCE;

  @Test
  void aFrozenPartIsEncodedWhenSerializedAndReadBackAsItsBytes() throws Exception {
    PendingJoins pending = new PendingJoins();
    RememberedOutcomes outcomes = new RememberedOutcomes(100);
    for (int i = 0; i < 50; i++) {
      String key = "imp-" + i;
      pending.holdImpression(
          key,
          RememberedOutcomes.fingerprint(key),
          i,
          i + 100,
          Long.MAX_VALUE,
          PendingJoinsTest.example(key, i, 1));
      outcomes.remember(
          RememberedOutcomes.fingerprint("id-" + i), RememberedOutcomes.POSITIVE, 50, 0);
    }
    FrozenJoin frozen =
        new FrozenJoin(pending.freeze(), outcomes.freeze(), hash -> Math.floorMod(hash, 4), 4);
    byte[][] waiting = pending.snapshotByGroup(hash -> Math.floorMod(hash, 4), 4);
    // changes after the freeze are not in the parts
    pending.holdImpression(
        "late",
        RememberedOutcomes.fingerprint("late"),
        1,
        2,
        0,
        PendingJoinsTest.example("l", 1, 0));

    int restoredWaiting = 0;
    for (int g = 0; g < 4; g++) {
      KeyGroupPart part = roundTrip(KeyGroupPart.waiting(frozen, g));
      assertThat(part.bytes()).isEqualTo(waiting[g] == null ? KeyGroupPart.EMPTY : waiting[g]);
      if (part.bytes().length > 0) {
        restoredWaiting += new PendingJoins().restore(List.of(part.bytes()), key -> true);
      }
    }
    assertThat(restoredWaiting).isEqualTo(50);

    RememberedOutcomes restored = new RememberedOutcomes(100);
    for (int g = 0; g < 4; g++) {
      byte[] bytes = roundTrip(KeyGroupPart.remembered(frozen, g)).bytes();
      if (bytes.length > 0) {
        restored.restore(List.of(bytes), hash -> true);
      }
    }
    assertThat(restored.size()).isEqualTo(50);
  }

  @Test
  void anEmptyPartIsALengthOfZeroAndTheLayoutIsAByteArraysOne() throws Exception {
    DataOutputSerializer out = new DataOutputSerializer(16);
    SERIALIZER.serialize(KeyGroupPart.of(new byte[] {7, 8}), out);
    SERIALIZER.serialize(KeyGroupPart.of(KeyGroupPart.EMPTY), out);
    assertThat(out.getCopyOfBuffer()).containsExactly(0, 0, 0, 2, 7, 8, 0, 0, 0, 0);
  }

  @Test
  void theSerializerKeepsFlinksSerializerContract() throws Exception {
    assertThat(SERIALIZER.isImmutableType()).isTrue();
    PendingJoins pending = new PendingJoins();
    pending.holdImpression(
        "a", RememberedOutcomes.fingerprint("a"), 1, 2, 0, PendingJoinsTest.example("a", 1, 1));
    FrozenJoin frozen =
        new FrozenJoin(pending.freeze(), new RememberedOutcomes(1).freeze(), hash -> 0, 1);
    SerializerContract.check(
        SERIALIZER,
        List.of(
            KeyGroupPart.of(KeyGroupPart.EMPTY),
            KeyGroupPart.of(new byte[] {1, 2, 3}),
            KeyGroupPart.waiting(frozen, 0),
            KeyGroupPart.remembered(frozen, 0)),
        (a, b) -> {});
  }

  private static KeyGroupPart roundTrip(KeyGroupPart part) throws Exception {
    DataOutputSerializer out = new DataOutputSerializer(64);
    SERIALIZER.serialize(part, out);
    return SERIALIZER.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
  }
}
