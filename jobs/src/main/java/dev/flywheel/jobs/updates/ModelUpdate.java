package dev.flywheel.jobs.updates;

import java.util.Arrays;
import java.util.Objects;

/**
 * One chunk of a published model: a full {@link Kind#SNAPSHOT} or a {@link Kind#DELTA} against
 * {@link #baseVersion}, in model-core's binary model format, split into {@link #chunkCount} chunks
 * so each Kafka record stays below the broker's default maximum record size.
 *
 * <p>A Flink POJO (public fields, no-arg constructor), so it travels between operators without Kryo
 * (Flink's POJO serializer carries every field, {@link #catchUp} included, and evolves the state of
 * savepoints written before that field existed: it reads as {@code false}). Instances are treated
 * as immutable once emitted. The Kafka encoding is {@link ModelUpdateFormat}; {@link
 * ChunkAssembler} joins the chunks back into one payload.
 */
public final class ModelUpdate {

  /** What the payload is. Encoded on the wire by {@link #code}, never by ordinal. */
  public enum Kind {
    /** The whole model; replaces whatever a consumer holds. */
    SNAPSHOT(1),
    /** Rows touched since {@code baseVersion} plus the dense parts; applies onto that version. */
    DELTA(2);

    /** Stable wire code. */
    public final int code;

    Kind(int code) {
      this.code = code;
    }

    /** The kind with wire code {@code code}, or {@code null} if no kind has it. */
    public static Kind ofCode(int code) {
      for (Kind k : values()) {
        if (k.code == code) {
          return k;
        }
      }
      return null;
    }
  }

  /** The model id (the trainer's key). */
  public String modelId;

  /** Snapshot or delta. */
  public Kind kind;

  /** Model version after this update is applied. */
  public long version;

  /** For a delta: the version it applies onto; for a snapshot: equal to {@link #version}. */
  public long baseVersion;

  /** Event time (epoch ms) of the newest example trained into this version; 0 if none. */
  public long newestEventTime;

  /** Processing time (epoch ms) at which the trainer published this version. */
  public long publishedAt;

  /** Position of this chunk, {@code 0 <= chunkIndex < chunkCount}. */
  public int chunkIndex;

  /** Number of chunks of the whole payload (at least 1). */
  public int chunkCount;

  /** Length in bytes of the whole (assembled) payload. */
  public int totalLength;

  /** CRC32 of the whole payload: tells chunks of two different publications apart. */
  public int payloadCrc;

  /** This chunk's part of the payload. */
  public byte[] bytes;

  /**
   * In memory only, never on the wire ({@link ModelUpdateFormat} does not write it, so a record
   * read from Kafka has it {@code false}): this is a <em>catch-up snapshot</em>, which the trainer
   * publishes right after the delta of the same version so that consumers outside the job can start
   * or recover from the topic. The job's own scorer follows every delta and never gets these (the
   * trainer emits them to its topic output only). Not part of {@link #samePublication} or {@link
   * #equals}, which compare what the wire carries.
   */
  public boolean catchUp;

  /** For Flink's POJO serializer. */
  public ModelUpdate() {}

  /**
   * Whether this update's metadata equals {@code other}'s (everything but chunk position/bytes).
   */
  public boolean samePublication(ModelUpdate other) {
    return other != null
        && Objects.equals(modelId, other.modelId)
        && kind == other.kind
        && version == other.version
        && baseVersion == other.baseVersion
        && chunkCount == other.chunkCount
        && totalLength == other.totalLength
        && payloadCrc == other.payloadCrc;
  }

  /** This publication's header: the same metadata with no bytes (for bookkeeping). */
  public ModelUpdate withoutBytes() {
    return withChunk(chunkIndex, chunkCount, null);
  }

  /** A shallow copy with a different chunk position and bytes. */
  ModelUpdate withChunk(int index, int count, byte[] part) {
    ModelUpdate u = new ModelUpdate();
    u.modelId = modelId;
    u.kind = kind;
    u.version = version;
    u.baseVersion = baseVersion;
    u.newestEventTime = newestEventTime;
    u.publishedAt = publishedAt;
    u.chunkIndex = index;
    u.chunkCount = count;
    u.totalLength = totalLength;
    u.payloadCrc = payloadCrc;
    u.bytes = part;
    u.catchUp = catchUp;
    return u;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ModelUpdate u)) {
      return false;
    }
    return samePublication(u)
        && newestEventTime == u.newestEventTime
        && publishedAt == u.publishedAt
        && chunkIndex == u.chunkIndex
        && Arrays.equals(bytes, u.bytes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(modelId, kind, version, chunkIndex, payloadCrc);
  }

  @Override
  public String toString() {
    return "ModelUpdate{"
        + modelId
        + ' '
        + kind
        + " v"
        + version
        + (kind == Kind.DELTA ? " base " + baseVersion : "")
        + (catchUp ? " catch-up" : "")
        + " chunk "
        + chunkIndex
        + '/'
        + chunkCount
        + ", "
        + (bytes == null ? 0 : bytes.length)
        + " of "
        + totalLength
        + " bytes}";
  }
}
