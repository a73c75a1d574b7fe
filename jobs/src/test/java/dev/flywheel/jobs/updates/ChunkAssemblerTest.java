package dev.flywheel.jobs.updates;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChunkAssemblerTest {

  static ModelUpdate meta(String model, ModelUpdate.Kind kind, long version, long base) {
    ModelUpdate u = new ModelUpdate();
    u.modelId = model;
    u.kind = kind;
    u.version = version;
    u.baseVersion = base;
    u.newestEventTime = 1_000 + version;
    u.publishedAt = 2_000 + version;
    return u;
  }

  static byte[] payload(int length, long seed) {
    byte[] b = new byte[length];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void splitsIntoChunksOfAtMostTheChunkSizeAndReassemblesInOrder() {
    byte[] payload = payload(10_001, 1);
    List<ModelUpdate> chunks =
        Chunker.split(meta("m", ModelUpdate.Kind.SNAPSHOT, 3, 3), payload, 1000);
    assertThat(chunks).hasSize(11);
    assertThat(chunks).allSatisfy(c -> assertThat(c.bytes.length).isLessThanOrEqualTo(1000));
    assertThat(chunks.get(10).bytes).hasSize(1);

    ChunkAssembler assembler = new ChunkAssembler(1 << 20);
    for (int i = 0; i < 10; i++) {
      assertThat(assembler.offer(chunks.get(i))).as("chunk %d is not the last", i).isNull();
    }
    ModelUpdate whole = assembler.offer(chunks.get(10));
    assertThat(whole).isNotNull();
    assertThat(whole.bytes).isEqualTo(payload);
    assertThat(whole.version).isEqualTo(3);
    assertThat(whole.newestEventTime).isEqualTo(1_003);
    assertThat(whole.chunkCount).isEqualTo(1);
    assertThat(assembler.pendingModelIds()).isEmpty();
  }

  @Test
  void aNewPublicationDropsTheIncompleteOneAndCountsIt() {
    ChunkAssembler assembler = new ChunkAssembler(1 << 20);
    List<ModelUpdate> v1 =
        Chunker.split(meta("m", ModelUpdate.Kind.SNAPSHOT, 1, 1), payload(300, 1), 100);
    List<ModelUpdate> v2 =
        Chunker.split(meta("m", ModelUpdate.Kind.DELTA, 2, 1), payload(250, 2), 100);
    assembler.offer(v1.get(0));
    assembler.offer(v1.get(1));
    assertThat(assembler.pendingChunks("m")).hasSize(2);
    assertThat(assembler.offer(v2.get(0))).isNull();
    assertThat(assembler.droppedSets()).isEqualTo(1);
    assertThat(assembler.offer(v1.get(2))).as("the dropped set cannot complete").isNull();
    assertThat(assembler.droppedSets()).isEqualTo(2);
    // v2 restarts cleanly
    assembler.offer(v2.get(0));
    assembler.offer(v2.get(1));
    ModelUpdate whole = assembler.offer(v2.get(2));
    assertThat(whole).isNotNull();
    assertThat(whole.kind).isEqualTo(ModelUpdate.Kind.DELTA);
    assertThat(whole.bytes).isEqualTo(payload(250, 2));
  }

  @Test
  void interleavedModelsDuplicatesAndCorruptionAreHandled() {
    ChunkAssembler assembler = new ChunkAssembler(1 << 20);
    List<ModelUpdate> a =
        Chunker.split(meta("a", ModelUpdate.Kind.SNAPSHOT, 1, 1), payload(20, 3), 10);
    List<ModelUpdate> b =
        Chunker.split(meta("b", ModelUpdate.Kind.SNAPSHOT, 7, 7), payload(20, 4), 10);
    assertThat(assembler.offer(a.get(0))).isNull();
    assertThat(assembler.offer(b.get(0))).isNull();
    assertThat(assembler.offer(a.get(0))).isNull();
    assertThat(assembler.duplicateChunks()).isEqualTo(1);
    assertThat(assembler.offer(b.get(1)).modelId).isEqualTo("b");
    ModelUpdate corrupt = a.get(1).withChunk(1, 2, a.get(1).bytes.clone());
    corrupt.bytes[0] ^= 1;
    assertThat(assembler.offer(corrupt)).isNull();
    assertThat(assembler.corruptSets()).isEqualTo(1);
    assertThat(assembler.droppedSets()).isZero();
  }

  @Test
  void malformedAndOversizedChunksAreRejectedWithoutThrowing() {
    ChunkAssembler assembler = new ChunkAssembler(100);
    ModelUpdate big =
        Chunker.split(meta("m", ModelUpdate.Kind.SNAPSHOT, 1, 1), payload(101, 5), 50).get(0);
    ModelUpdate badIndex = meta("m", ModelUpdate.Kind.SNAPSHOT, 1, 1).withChunk(2, 2, new byte[1]);
    badIndex.totalLength = 2;
    assertThat(assembler.offer(big)).isNull();
    assertThat(assembler.offer(badIndex)).isNull();
    assertThat(assembler.offer(null)).isNull();
    assertThat(assembler.rejectedChunks()).isEqualTo(3);
    assertThat(assembler.pendingModelIds()).isEmpty();
  }

  @Test
  void pendingChunksReplayedIntoAFreshAssemblerContinueTheSet() {
    ChunkAssembler first = new ChunkAssembler(1 << 20);
    List<ModelUpdate> v =
        Chunker.split(meta("m", ModelUpdate.Kind.SNAPSHOT, 4, 4), payload(30, 6), 10);
    first.offer(v.get(0));
    first.offer(v.get(1));
    ChunkAssembler restored = new ChunkAssembler(1 << 20);
    for (ModelUpdate c : first.pendingChunks("m")) {
      assertThat(restored.offer(c)).isNull();
    }
    assertThat(restored.offer(v.get(2)).bytes).isEqualTo(payload(30, 6));
  }
}
