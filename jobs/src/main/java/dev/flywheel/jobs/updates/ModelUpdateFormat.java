package dev.flywheel.jobs.updates;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The Kafka value format of one {@link ModelUpdate} chunk (documented in docs/model-updates.md).
 *
 * <p>Big-endian: magic {@code "FWMU"}, format version (1 byte, {@value #FORMAT_VERSION}), kind code
 * (1 byte), model id (u16 length + UTF-8), version, base version, newest event time, published at
 * (4 × i64), chunk index, chunk count, total length, payload CRC32, chunk length (5 × i32), chunk
 * bytes. The assembled payload is model-core's model format ({@code ModelCodec}).
 */
public final class ModelUpdateFormat {

  /** {@code "FWMU"} in ASCII. */
  public static final int MAGIC = 0x46574D55;

  /** The version written; readers reject any other. */
  public static final int FORMAT_VERSION = 1;

  /** Bytes of the fixed header fields (everything but the model id and the chunk bytes). */
  public static final int FIXED_HEADER_BYTES = 4 + 1 + 1 + 2 + 4 * 8 + 5 * 4;

  private ModelUpdateFormat() {}

  /** Encodes one chunk. */
  public static byte[] write(ModelUpdate u) {
    byte[] id = u.modelId.getBytes(StandardCharsets.UTF_8);
    if (id.length > 0xFFFF) {
      throw new IllegalArgumentException("model id longer than 65535 UTF-8 bytes");
    }
    ByteBuffer b = ByteBuffer.allocate(FIXED_HEADER_BYTES + id.length + u.bytes.length);
    b.putInt(MAGIC).put((byte) FORMAT_VERSION).put((byte) u.kind.code);
    b.putShort((short) id.length).put(id);
    b.putLong(u.version).putLong(u.baseVersion).putLong(u.newestEventTime).putLong(u.publishedAt);
    b.putInt(u.chunkIndex).putInt(u.chunkCount).putInt(u.totalLength).putInt(u.payloadCrc);
    b.putInt(u.bytes.length).put(u.bytes);
    return b.array();
  }

  /**
   * Decodes one chunk.
   *
   * @throws IllegalArgumentException naming what is wrong: bad magic, unknown format version or
   *     kind, truncated or trailing bytes
   */
  public static ModelUpdate read(byte[] bytes) {
    if (bytes == null) {
      throw new IllegalArgumentException("model update: null record value");
    }
    try {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      int magic = b.getInt();
      if (magic != MAGIC) {
        throw new IllegalArgumentException(
            "model update: bad magic 0x" + Integer.toHexString(magic) + ", expected FWMU");
      }
      int version = b.get() & 0xFF;
      if (version != FORMAT_VERSION) {
        throw new IllegalArgumentException(
            "model update: unknown format version " + version + ", this reader knows 1");
      }
      int code = b.get() & 0xFF;
      ModelUpdate u = new ModelUpdate();
      u.kind = ModelUpdate.Kind.ofCode(code);
      if (u.kind == null) {
        throw new IllegalArgumentException("model update: unknown kind code " + code);
      }
      byte[] id = new byte[b.getShort() & 0xFFFF];
      b.get(id);
      u.modelId = new String(id, StandardCharsets.UTF_8);
      u.version = b.getLong();
      u.baseVersion = b.getLong();
      u.newestEventTime = b.getLong();
      u.publishedAt = b.getLong();
      u.chunkIndex = b.getInt();
      u.chunkCount = b.getInt();
      u.totalLength = b.getInt();
      u.payloadCrc = b.getInt();
      int length = b.getInt();
      if (length < 0 || length != b.remaining()) {
        throw new IllegalArgumentException(
            "model update: chunk length " + length + " but " + b.remaining() + " bytes follow");
      }
      u.bytes = new byte[length];
      b.get(u.bytes);
      return u;
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException(
          "model update: truncated record of " + bytes.length + " bytes", e);
    }
  }
}
