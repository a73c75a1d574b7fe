package dev.flywheel.jobs.updates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ModelUpdateFormatTest {

  private static ModelUpdate sample() {
    ModelUpdate u = ChunkAssemblerTest.meta("ctr-é", ModelUpdate.Kind.DELTA, 9, 8);
    return Chunker.split(u, new byte[] {1, 2, 3, 4, 5}, 3).get(1);
  }

  @Test
  void roundTripsEveryField() {
    ModelUpdate u = sample();
    ModelUpdate back = ModelUpdateFormat.read(ModelUpdateFormat.write(u));
    assertThat(back).isEqualTo(u);
    assertThat(back.bytes).containsExactly(4, 5);
    assertThat(back.chunkIndex).isEqualTo(1);
    assertThat(back.chunkCount).isEqualTo(2);
  }

  @Test
  void layoutIsPinned() {
    byte[] bytes = ModelUpdateFormat.write(sample());
    String hex = HexFormat.of().formatHex(bytes);
    // magic FWMU, format 1, kind DELTA(2), id length 6, "ctr-é" in UTF-8
    assertThat(hex).startsWith("46574d55" + "01" + "02" + "0006" + "6374722dc3a9");
    assertThat(bytes).hasSize(ModelUpdateFormat.FIXED_HEADER_BYTES + 6 + 2);
    // trailing: chunk length 2, then the bytes 04 05
    assertThat(hex).endsWith("00000002" + "0405");
  }

  @Test
  void rejectsBadMagicUnknownVersionUnknownKindAndTruncation() {
    byte[] good = ModelUpdateFormat.write(sample());
    byte[] magic = good.clone();
    magic[0] = 'X';
    byte[] version = good.clone();
    version[4] = 2;
    byte[] kind = good.clone();
    kind[5] = 9;
    assertThatThrownBy(() -> ModelUpdateFormat.read(magic)).hasMessageContaining("magic");
    assertThatThrownBy(() -> ModelUpdateFormat.read(version))
        .hasMessageContaining("unknown format version 2");
    assertThatThrownBy(() -> ModelUpdateFormat.read(kind)).hasMessageContaining("kind code 9");
    assertThatThrownBy(() -> ModelUpdateFormat.read(Arrays.copyOf(good, 20)))
        .hasMessageContaining("truncated");
    assertThatThrownBy(() -> ModelUpdateFormat.read(Arrays.copyOf(good, good.length + 1)))
        .hasMessageContaining("bytes follow");
  }

  @Test
  void kafkaDeserializerNeverThrowsAndCounts() {
    ModelUpdateKafkaDeserializer d = new ModelUpdateKafkaDeserializer();
    assertThat(d.deserialize("t", new byte[] {1, 2, 3})).isNull();
    assertThat(d.deserialize("t", null)).isNull();
    assertThat(d.malformed()).isEqualTo(2);
    byte[] good = new ModelUpdateKafkaSerializer().serialize("t", sample());
    assertThat(d.deserialize("t", good)).isEqualTo(sample());
  }

  @Test
  void defaultChunkBoundLeavesHeadroomUnderKafkasDefault() {
    assertThat(Chunker.MAX_CHUNK_BYTES + ModelUpdateFormat.FIXED_HEADER_BYTES + 0xFFFF)
        .isLessThan(Chunker.KAFKA_DEFAULT_MAX_RECORD_BYTES);
  }

  /** A chunk written by format version 1 (committed file): it must keep reading the same. */
  @Test
  void readsTheCommittedVersion1Chunk() throws Exception {
    byte[] bytes;
    try (var in = getClass().getResourceAsStream("/model-updates/chunk-v1.bin")) {
      assertThat(in).as("test resource model-updates/chunk-v1.bin").isNotNull();
      bytes = in.readAllBytes();
    }
    ModelUpdate u = ModelUpdateFormat.read(bytes);
    assertThat(u.modelId).isEqualTo("ctr-é");
    assertThat(u.kind).isEqualTo(ModelUpdate.Kind.DELTA);
    assertThat(u.version).isEqualTo(9);
    assertThat(u.baseVersion).isEqualTo(8);
    assertThat(u.newestEventTime).isEqualTo(1_732_700_000_123L);
    assertThat(u.publishedAt).isEqualTo(1_732_700_001_000L);
    assertThat(u.chunkIndex).isEqualTo(1);
    assertThat(u.chunkCount).isEqualTo(2);
    assertThat(u.totalLength).isEqualTo(5);
    assertThat(u.payloadCrc).isEqualTo(Chunker.crc(new byte[] {1, 2, 3, 4, 5}));
    assertThat(u.bytes).containsExactly(4, 5);
    assertThat(ModelUpdateFormat.write(u)).as("and writes it back identically").isEqualTo(bytes);
  }
}
