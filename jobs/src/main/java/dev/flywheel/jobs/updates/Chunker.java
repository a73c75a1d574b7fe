package dev.flywheel.jobs.updates;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

/** Splits one encoded model (snapshot or delta) into {@link ModelUpdate} chunks. */
public final class Chunker {

  /** Kafka's default maximum record size (broker {@code message.max.bytes}, 1 MiB + 12). */
  public static final int KAFKA_DEFAULT_MAX_RECORD_BYTES = 1_048_588;

  /**
   * The largest chunk we allow: the Kafka default less room for the record's key, headers and the
   * {@link ModelUpdateFormat} header (model id up to 64 KiB).
   */
  public static final int MAX_CHUNK_BYTES = KAFKA_DEFAULT_MAX_RECORD_BYTES - 128 * 1024;

  private Chunker() {}

  /**
   * Splits {@code payload} into chunks of at most {@code chunkSize} bytes.
   *
   * @param template the publication's metadata (model id, kind, versions, times); not modified
   * @param payload the whole encoded model; not modified, chunks get copies
   * @param chunkSize maximum bytes per chunk, {@code 1 <= chunkSize <= MAX_CHUNK_BYTES}
   * @return the chunks in order, at least one (an empty payload gives one empty chunk)
   */
  public static List<ModelUpdate> split(ModelUpdate template, byte[] payload, int chunkSize) {
    if (chunkSize < 1 || chunkSize > MAX_CHUNK_BYTES) {
      throw new IllegalArgumentException(
          "chunk size must be in [1, " + MAX_CHUNK_BYTES + "], got " + chunkSize);
    }
    ModelUpdate meta = template.withChunk(0, 1, null);
    meta.totalLength = payload.length;
    meta.payloadCrc = crc(payload);
    int count = Math.max(1, (payload.length + chunkSize - 1) / chunkSize);
    List<ModelUpdate> chunks = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int from = i * chunkSize;
      int to = Math.min(payload.length, from + chunkSize);
      chunks.add(meta.withChunk(i, count, Arrays.copyOfRange(payload, from, to)));
    }
    return chunks;
  }

  /** CRC32 of {@code bytes} as stored in {@link ModelUpdate#payloadCrc}. */
  static int crc(byte[] bytes) {
    CRC32 crc = new CRC32();
    crc.update(bytes);
    return (int) crc.getValue();
  }
}
