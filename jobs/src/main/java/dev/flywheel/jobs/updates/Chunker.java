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
    Publication p = new Publication(template, payload, chunkSize);
    List<ModelUpdate> chunks = new ArrayList<>(p.chunkCount());
    while (p.hasNext()) {
      chunks.add(p.next());
    }
    return chunks;
  }

  /**
   * One publication cut into chunks lazily: its CRC is computed once, and each chunk's copy of the
   * payload is made only when {@link #next()} asks for it, so a large snapshot can go out a few
   * chunks at a time ({@link PublicationPacer}) without holding every copy at once.
   */
  public static final class Publication {
    private final ModelUpdate meta;
    private final byte[] payload;
    private final int chunkSize;
    private final int count;
    private int next;

    /**
     * @param template the publication's metadata (model id, kind, versions, times); not modified
     * @param payload the whole encoded model; not modified while chunks are taken
     * @param chunkSize maximum bytes per chunk, {@code 1 <= chunkSize <= MAX_CHUNK_BYTES}
     */
    public Publication(ModelUpdate template, byte[] payload, int chunkSize) {
      if (chunkSize < 1 || chunkSize > MAX_CHUNK_BYTES) {
        throw new IllegalArgumentException(
            "chunk size must be in [1, " + MAX_CHUNK_BYTES + "], got " + chunkSize);
      }
      this.payload = payload;
      this.chunkSize = chunkSize;
      this.count = Math.max(1, (payload.length + chunkSize - 1) / chunkSize);
      this.meta = template.withChunk(0, count, null);
      meta.totalLength = payload.length;
      meta.payloadCrc = crc(payload);
    }

    private Publication(Publication other) {
      this.payload = other.payload;
      this.chunkSize = other.chunkSize;
      this.count = other.count;
      this.meta = other.meta;
    }

    /**
     * The same publication from its first chunk again, sharing payload and checksum (a second
     * output of one encoding computes no second CRC).
     */
    public Publication again() {
      return new Publication(this);
    }

    /** Chunks of the whole publication (at least 1: an empty payload gives one empty chunk). */
    public int chunkCount() {
      return count;
    }

    /** Whether a chunk is left to take. */
    public boolean hasNext() {
      return next < count;
    }

    /** Payload bytes of the next chunk (0 when none is left). */
    public int nextBytes() {
      return hasNext() ? Math.min(payload.length, (next + 1) * chunkSize) - next * chunkSize : 0;
    }

    /** Payload bytes of the chunks not taken yet. */
    public long remainingBytes() {
      return hasNext() ? payload.length - (long) next * chunkSize : 0;
    }

    /** The next chunk, with its own copy of its part of the payload. */
    public ModelUpdate next() {
      if (!hasNext()) {
        throw new IllegalStateException("every chunk of " + meta + " was taken");
      }
      int from = next * chunkSize;
      int to = Math.min(payload.length, from + chunkSize);
      return meta.withChunk(next++, count, Arrays.copyOfRange(payload, from, to));
    }
  }

  /** CRC32 of {@code bytes} as stored in {@link ModelUpdate#payloadCrc}. */
  static int crc(byte[] bytes) {
    CRC32 crc = new CRC32();
    crc.update(bytes);
    return (int) crc.getValue();
  }
}
