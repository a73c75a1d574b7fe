package dev.flywheel.jobs.updates;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Joins {@link ModelUpdate} chunks back into whole payloads.
 *
 * <p>Bounded: at most one incomplete publication per model id is held, and no payload larger than
 * the configured maximum is accepted. A chunk of another publication of the same model id (a newer
 * version, or a replay after a trainer restart) drops the incomplete set, which is counted in
 * {@link #droppedSets()}. Duplicate chunks (at-least-once delivery) are ignored. A completed
 * payload whose length or CRC32 does not match its header is discarded and counted in {@link
 * #corruptSets()}. Nothing here throws on bad input: a consumer must never restart-loop on one bad
 * record.
 *
 * <p>Not thread-safe.
 */
public final class ChunkAssembler {

  private final int maxPayloadBytes;
  private final Map<String, Pending> pending = new HashMap<>();
  private long droppedSets;
  private long rejectedChunks;
  private long duplicateChunks;
  private long corruptSets;

  /**
   * @param maxPayloadBytes the largest assembled payload accepted (bounds the memory held)
   */
  public ChunkAssembler(int maxPayloadBytes) {
    if (maxPayloadBytes < 1) {
      throw new IllegalArgumentException("maxPayloadBytes must be >= 1, got " + maxPayloadBytes);
    }
    this.maxPayloadBytes = maxPayloadBytes;
  }

  /**
   * Offers one chunk.
   *
   * @param chunk a received chunk; not modified, and its bytes are not copied (callers must not
   *     mutate them afterwards)
   * @return the whole publication as one update ({@code chunkIndex 0, chunkCount 1}, the whole
   *     payload in {@code bytes}) when {@code chunk} completes it, else {@code null}
   */
  public ModelUpdate offer(ModelUpdate chunk) {
    if (!valid(chunk)) {
      rejectedChunks++;
      return null;
    }
    Pending set = pending.get(chunk.modelId);
    if (set != null && !set.head.samePublication(chunk)) {
      pending.remove(chunk.modelId);
      droppedSets++;
      set = null;
    }
    if (set == null) {
      set = new Pending(chunk);
      if (chunk.chunkCount > 1) {
        pending.put(chunk.modelId, set);
      }
    }
    if (set.parts[chunk.chunkIndex] != null) {
      duplicateChunks++;
      return null;
    }
    set.parts[chunk.chunkIndex] = chunk;
    set.received++;
    if (set.received < chunk.chunkCount) {
      return null;
    }
    pending.remove(chunk.modelId);
    byte[] whole = new byte[chunk.totalLength];
    int at = 0;
    for (ModelUpdate part : set.parts) {
      if (at + part.bytes.length > whole.length) {
        corruptSets++;
        return null;
      }
      System.arraycopy(part.bytes, 0, whole, at, part.bytes.length);
      at += part.bytes.length;
    }
    if (at != whole.length || Chunker.crc(whole) != chunk.payloadCrc) {
      corruptSets++;
      return null;
    }
    ModelUpdate done = set.head.withChunk(0, 1, whole);
    done.newestEventTime = chunk.newestEventTime;
    return done;
  }

  private boolean valid(ModelUpdate c) {
    return c != null
        && c.modelId != null
        && c.kind != null
        && c.bytes != null
        && c.chunkCount >= 1
        && c.chunkIndex >= 0
        && c.chunkIndex < c.chunkCount
        && c.totalLength >= 0
        && c.totalLength <= maxPayloadBytes
        && c.bytes.length <= c.totalLength
        && c.chunkCount <= Math.max(1, c.totalLength);
  }

  /** Model ids with an incomplete publication held. */
  public Set<String> pendingModelIds() {
    return pending.keySet();
  }

  /** The chunks held for {@code modelId}'s incomplete publication, in index order (a new list). */
  public List<ModelUpdate> pendingChunks(String modelId) {
    Pending set = pending.get(modelId);
    List<ModelUpdate> out = new ArrayList<>();
    if (set != null) {
      for (ModelUpdate part : set.parts) {
        if (part != null) {
          out.add(part);
        }
      }
    }
    return out;
  }

  /** Incomplete publications dropped because another publication of the same model started. */
  public long droppedSets() {
    return droppedSets;
  }

  /** Chunks rejected as malformed (bad index/count/length, missing fields, too large). */
  public long rejectedChunks() {
    return rejectedChunks;
  }

  /** Chunks received twice (ignored). */
  public long duplicateChunks() {
    return duplicateChunks;
  }

  /** Complete publications discarded because their length or CRC did not match the header. */
  public long corruptSets() {
    return corruptSets;
  }

  private static final class Pending {
    final ModelUpdate head;
    final ModelUpdate[] parts;
    int received;

    Pending(ModelUpdate head) {
      this.head = head;
      this.parts = new ModelUpdate[head.chunkCount];
    }
  }
}
