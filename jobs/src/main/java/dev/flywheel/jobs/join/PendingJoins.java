package dev.flywheel.jobs.join;

import dev.flywheel.jobs.events.Event;
import dev.flywheel.jobs.events.EventSerializer;
import dev.flywheel.jobs.events.LabeledExample;
import dev.flywheel.jobs.events.LabeledExampleSerializer;
import dev.flywheel.jobs.types.FieldIo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntUnaryOperator;
import java.util.function.Predicate;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * What the label join holds for one subtask: the impressions waiting for a click and the clicks
 * waiting for their impression, by impression id (docs/join.md, "State"). It replaces a keyed value
 * and an event-time timer per id: the waiting entries are the subtask's own, frozen at a checkpoint
 * ({@link #freeze}) and encoded by key group afterwards ({@link Frozen#encodeByGroup}), read back
 * by {@link #restore}, like {@link RememberedOutcomes}.
 *
 * <h2>Layout</h2>
 *
 * No object per entry. An entry is a position in an append-only log: its fields in primitive
 * arrays, in chunks of {@value #CHUNK} entries, and its bytes (the id in {@link FieldIo}'s string
 * layout, then the held impression as the example it becomes, in {@link LabeledExampleSerializer}'s
 * layout, or the held click in {@link EventSerializer}'s) in slabs of just under 4 MiB. A slab that
 * size is one humongous object with G1's 2 or 4 MiB regions: allocated outside the young
 * generation, never copied, freed as a whole. Held as objects (an entry, its key, a map node and
 * the example's array), the entries were most of what the young collections copied in the
 * end-to-end benchmark: they live about 10 s there and survived two or three young pauses each
 * (docs/bench/pipeline.md, "What the young pauses copy").
 *
 * <p>An index maps an id's 64-bit {@link RememberedOutcomes#fingerprint} to its entry's position
 * (open addressing). Two ids are the same entry when their fingerprints are equal, as in {@link
 * RememberedOutcomes}: with {@code n} entries held a new id is mistaken for another with
 * probability about {@code n / 2^64}.
 *
 * <p>Entries leave the log at its head, once removed. An entry that waits much longer than those
 * after it (an early click with a long wait, an impression stamped far ahead) would hold the log's
 * whole tail in memory; when the log is more than twice its live entries plus {@value #SLACK}, the
 * live entries at its head are moved behind its tail (their bytes copied) so the head can go on.
 * The deadline queue ({@link DeadlineQueue}) holds positions; an entry resolved before its deadline
 * (or moved) leaves a dead position there, skipped when it comes out, and the queue is rebuilt when
 * the dead ones are more than the live ones.
 *
 * <p>A handle (a position) stays readable after its entry is removed until the next call that holds
 * or polls an entry ({@link #holdImpression}, {@link #holdClick}, {@link #pollDue}, {@link
 * #restore}). Not thread-safe, except that a {@link Frozen} may be encoded on another thread.
 */
final class PendingJoins {
  /** No entry. */
  static final long NONE = -1;

  private static final int FORMAT_VERSION = 1;

  /** Dead positions the log and the deadline queue may hold beyond twice the live entries. */
  private static final int SLACK = 1024;

  /** Just under 4 MiB: with its header, one humongous object in a 4 MiB region, two in 2 MiB. */
  static final int DEFAULT_SLAB_BYTES = (4 << 20) - 64;

  private static final int SHIFT = 13;
  private static final int CHUNK = 1 << SHIFT;
  private static final int MASK = CHUNK - 1;

  private static final int INITIAL_INDEX = 2048;

  /**
   * {@value #CHUNK} entries' fields. Written once per position, but for {@code removedIn} and
   * {@code expiresAt}: so a frozen copy of the chunk table stays valid while the log goes on.
   */
  private static final class Chunk {
    final long[] fingerprint = new long[CHUNK];
    final long[] ts = new long[CHUNK];
    final long[] deadline = new long[CHUNK];
    final long[] order = new long[CHUNK];

    /** Slab address of the entry's bytes: the slab's number in the high 32 bits, then offset. */
    final long[] at = new long[CHUNK];

    final int[] keyLength = new int[CHUNK];
    final int[] payloadLength = new int[CHUNK];
    final byte[] phase = new byte[CHUNK];

    /** Processing time after which a TTL drops the entry (task thread only). */
    final long[] expiresAt = new long[CHUNK];

    /**
     * 0 while held; once removed (or moved), the epoch it was removed in ({@link #freeze}). Written
     * by the task thread, read by a checkpoint's thread without a lock: that thread sees every
     * write made before the freeze (the freeze happens before the encoding is handed over), and a
     * later write carries a later epoch, which the freeze counts as held, as it would 0.
     */
    final int[] removedIn = new int[CHUNK];
  }

  private final int slabBytes;

  private Chunk[] chunks = new Chunk[4];
  private int chunkCount;
  private long firstChunk; // the chunk number of chunks[0]
  private long head; // positions [head, tail) are in the log
  private long tail;

  private byte[][] slabs = new byte[4][];
  private int slabCount;
  private long firstSlab; // the slab number of slabs[0]
  private int slabFill; // bytes used in the last slab

  private int live;
  private long nextOrder;

  /** The epoch removals are stamped with; each {@link #freeze} ends one. */
  private int epoch = 1;

  private final DeadlineQueue queue = new DeadlineQueue();

  // the index: fingerprint -> position, linear probing, 0 marks a free slot
  private long[] indexKeys = new long[INITIAL_INDEX];
  private long[] indexPositions = new long[INITIAL_INDEX];
  private int indexShift = 64 - Integer.numberOfTrailingZeros(INITIAL_INDEX);

  private final DataOutputSerializer scratch = new DataOutputSerializer(512);
  private final DataInputDeserializer reader = new DataInputDeserializer();

  PendingJoins() {
    this(DEFAULT_SLAB_BYTES);
  }

  /**
   * @param slabBytes the size of a slab of entries' bytes (an entry larger gets a slab its size)
   */
  PendingJoins(int slabBytes) {
    if (slabBytes < 1) {
      throw new IllegalArgumentException("slabBytes must be >= 1, got " + slabBytes);
    }
    this.slabBytes = slabBytes;
  }

  // ------------------------------------------------------------------ entries

  /** The entry waiting under {@code fingerprint}, or {@link #NONE}. */
  long find(long fingerprint) {
    int slot = slot(fingerprint);
    return slot < 0 ? NONE : indexPositions[slot];
  }

  /**
   * Holds an impression (as the example it becomes, label and time still to be set) under {@code
   * key} until {@code deadline}, replacing whatever waited under it; returns its handle.
   *
   * @param fingerprint {@code key}'s {@link RememberedOutcomes#fingerprint}
   * @param expiresAt processing time after which a TTL drops it ({@link Long#MAX_VALUE}: never)
   */
  long holdImpression(
      String key, long fingerprint, long ts, long deadline, long expiresAt, LabeledExample x) {
    int keyLength = startEntry(key);
    try {
      LabeledExampleSerializer.INSTANCE.serialize(x, scratch);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode an example in memory", e); // never
    }
    return hold(fingerprint, JoinState.WAITING_FOR_CLICK, ts, deadline, expiresAt, keyLength);
  }

  /**
   * Holds a click waiting for its impression until {@code deadline}; see {@link #holdImpression}.
   */
  long holdClick(String key, long fingerprint, Event click, long deadline, long expiresAt) {
    int keyLength = startEntry(key);
    try {
      EventSerializer.INSTANCE.serialize(click, scratch);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode a click in memory", e); // never
    }
    return hold(
        fingerprint, JoinState.WAITING_FOR_IMPRESSION, click.ts, deadline, expiresAt, keyLength);
  }

  private int startEntry(String key) {
    scratch.clear();
    try {
      FieldIo.writeString(key, scratch);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode a key in memory", e); // never
    }
    return scratch.length();
  }

  /** Holds the entry whose bytes are in {@link #scratch}. */
  private long hold(
      long fingerprint, int phase, long ts, long deadline, long expiresAt, int keyLength) {
    reclaim();
    return append(
        fingerprint,
        phase,
        ts,
        deadline,
        nextOrder++,
        expiresAt,
        scratch.getSharedBuffer(),
        0,
        keyLength,
        scratch.length() - keyLength);
  }

  /** {@link JoinState#WAITING_FOR_CLICK} or {@link JoinState#WAITING_FOR_IMPRESSION}. */
  int phase(long h) {
    return chunk(h).phase[index(h)];
  }

  /** Event time of the held impression or click. */
  long ts(long h) {
    return chunk(h).ts[index(h)];
  }

  /** When the wait ends (event time): the impression's negative, or the click's orphaning. */
  long deadline(long h) {
    return chunk(h).deadline[index(h)];
  }

  long fingerprint(long h) {
    return chunk(h).fingerprint[index(h)];
  }

  long expiresAt(long h) {
    return chunk(h).expiresAt[index(h)];
  }

  /** The impression id. */
  String key(long h) {
    Chunk c = chunk(h);
    int i = index(h);
    long at = c.at[i];
    reader.setBuffer(slab(at), (int) at, c.keyLength[i]);
    try {
      return FieldIo.readString(reader);
    } catch (IOException e) {
      throw new UncheckedIOException("held key bytes are corrupt", e);
    }
  }

  /** The example a held impression becomes, labelled {@code label} at {@code ts}: a new object. */
  LabeledExample example(long h, double label, long ts) {
    payload(h);
    LabeledExample x;
    try {
      x = LabeledExampleSerializer.INSTANCE.deserialize(reader);
    } catch (IOException e) {
      throw new UncheckedIOException("held example bytes are corrupt", e);
    }
    x.label = label;
    x.ts = ts;
    return x;
  }

  /** The held click: a new object. */
  Event click(long h) {
    payload(h);
    try {
      return EventSerializer.INSTANCE.deserialize(reader);
    } catch (IOException e) {
      throw new UncheckedIOException("held click bytes are corrupt", e);
    }
  }

  private void payload(long h) {
    Chunk c = chunk(h);
    int i = index(h);
    long at = c.at[i];
    reader.setBuffer(slab(at), (int) at + c.keyLength[i], c.payloadLength[i]);
  }

  /** Drops the entry {@code h} if it still waits. */
  void remove(long h) {
    if (h < head || h >= tail) {
      return;
    }
    Chunk c = chunk(h);
    int i = index(h);
    if (c.removedIn[i] != 0) {
      return;
    }
    c.removedIn[i] = epoch;
    live--;
    int slot = slot(c.fingerprint[i]);
    if (slot >= 0 && indexPositions[slot] == h) {
      removeSlot(slot);
    }
  }

  /**
   * Removes and returns the next entry whose deadline is at or before {@code watermark}, earliest
   * first (insertion order among equals), or {@link #NONE} if none is due.
   */
  long pollDue(long watermark) {
    reclaim();
    while (queue.size() > 0 && queue.peekDeadline() <= watermark) {
      long h = queue.poll();
      if (isLive(h)) {
        remove(h);
        return h;
      }
    }
    return NONE;
  }

  /** Drops every entry whose TTL ended at or before {@code now} (the TTL's sweep); how many. */
  int removeExpired(long now) {
    int removed = 0;
    for (long h = head; h < tail; h++) {
      if (isLive(h) && expiresAt(h) <= now) {
        remove(h);
        removed++;
      }
    }
    return removed;
  }

  /** Sets every waiting entry's TTL end to {@code expiresAt} (restored entries' TTL). */
  void expireAllAt(long expiresAt) {
    for (long h = head; h < tail; h++) {
      if (isLive(h)) {
        chunk(h).expiresAt[index(h)] = expiresAt;
      }
    }
  }

  /** Waiting entries. */
  int size() {
    return live;
  }

  /** Entries in the deadline queue, resolved ones included (for tests). */
  int queued() {
    return queue.size();
  }

  /** Positions in the log, removed ones included (for tests). */
  long logLength() {
    return tail - head;
  }

  /** Slabs held (for tests). */
  int slabs() {
    return slabCount;
  }

  private boolean isLive(long h) {
    return h >= head && h < tail && chunk(h).removedIn[index(h)] == 0;
  }

  private Chunk chunk(long h) {
    return chunks[(int) ((h >>> SHIFT) - firstChunk)];
  }

  private static int index(long h) {
    return (int) (h & MASK);
  }

  private byte[] slab(long at) {
    return slabs[(int) ((at >>> 32) - firstSlab)];
  }

  // ------------------------------------------------------------------ the log

  /** Appends an entry whose bytes are {@code bytes[from, from + keyLength + payloadLength)}. */
  private long append(
      long fingerprint,
      int phase,
      long ts,
      long deadline,
      long order,
      long expiresAt,
      byte[] bytes,
      int from,
      int keyLength,
      int payloadLength) {
    int length = keyLength + payloadLength;
    long at = allocate(length);
    System.arraycopy(bytes, from, slab(at), (int) at, length);
    if ((tail >>> SHIFT) - firstChunk == chunkCount) {
      if (chunkCount == chunks.length) {
        chunks = Arrays.copyOf(chunks, 2 * chunkCount);
      }
      chunks[chunkCount++] = new Chunk();
    }
    long h = tail++;
    Chunk c = chunk(h);
    int i = index(h);
    c.fingerprint[i] = fingerprint;
    c.ts[i] = ts;
    c.deadline[i] = deadline;
    c.order[i] = order;
    c.at[i] = at;
    c.keyLength[i] = keyLength;
    c.payloadLength[i] = payloadLength;
    c.phase[i] = (byte) phase;
    c.expiresAt[i] = expiresAt;
    c.removedIn[i] = 0;
    long replaced = indexPut(fingerprint, h);
    if (replaced != NONE) {
      chunk(replaced).removedIn[index(replaced)] = epoch;
      live--;
    }
    live++;
    queue.add(deadline, order, h);
    if (queue.size() >= SLACK && queue.size() > 2 * live) {
      queue.retain(this::isLive);
    }
    return h;
  }

  /** The slab address of {@code length} new bytes. */
  private long allocate(int length) {
    if (slabCount == 0 || slabs[slabCount - 1].length - slabFill < length) {
      if (slabCount == slabs.length) {
        slabs = Arrays.copyOf(slabs, 2 * slabCount);
      }
      slabs[slabCount++] = new byte[Math.max(slabBytes, length)];
      slabFill = 0;
    }
    long at = ((firstSlab + slabCount - 1) << 32) | slabFill;
    slabFill += length;
    return at;
  }

  /**
   * Moves the log's head past removed entries, and the live entries that keep it from moving behind
   * its tail while it is more than twice the live entries (plus slack); then drops the chunks and
   * slabs before the head.
   */
  private void reclaim() {
    skipRemoved();
    while (head < tail && tail - head > 2L * live + SLACK) {
      move(head);
      skipRemoved();
    }
    int chunksBehind = (int) Math.min(chunkCount, (head >>> SHIFT) - firstChunk);
    if (chunksBehind > 0) {
      // not reused: a frozen copy of the table may still read them
      System.arraycopy(chunks, chunksBehind, chunks, 0, chunkCount - chunksBehind);
      Arrays.fill(chunks, chunkCount - chunksBehind, chunkCount, null);
      chunkCount -= chunksBehind;
      firstChunk += chunksBehind;
    }
    long firstNeeded = head < tail ? chunk(head).at[index(head)] >>> 32 : firstSlab + slabCount - 1;
    int slabsBehind = (int) Math.max(0, firstNeeded - firstSlab);
    if (slabsBehind > 0) {
      System.arraycopy(slabs, slabsBehind, slabs, 0, slabCount - slabsBehind);
      Arrays.fill(slabs, slabCount - slabsBehind, slabCount, null);
      slabCount -= slabsBehind;
      firstSlab += slabsBehind;
    }
  }

  private void skipRemoved() {
    while (head < tail && chunk(head).removedIn[index(head)] != 0) {
      head++;
    }
  }

  /** Appends a copy of the live entry at {@code h} (which its index slot then points to). */
  private void move(long h) {
    Chunk c = chunk(h);
    int i = index(h);
    long at = c.at[i];
    append(
        c.fingerprint[i],
        c.phase[i],
        c.ts[i],
        c.deadline[i],
        c.order[i],
        c.expiresAt[i],
        slab(at),
        (int) at,
        c.keyLength[i],
        c.payloadLength[i]);
  }

  // ------------------------------------------------------------------ the index

  private int home(long fingerprint) {
    return (int) ((fingerprint * 0x9E3779B97F4A7C15L) >>> indexShift);
  }

  /** The index slot of {@code fingerprint}, or -1. */
  private int slot(long fingerprint) {
    int mask = indexKeys.length - 1;
    for (int s = home(fingerprint); ; s = (s + 1) & mask) {
      long k = indexKeys[s];
      if (k == fingerprint) {
        return s;
      }
      if (k == 0) {
        return -1;
      }
    }
  }

  /** Maps {@code fingerprint} to {@code h}; returns the position it mapped to before, or NONE. */
  private long indexPut(long fingerprint, long h) {
    if (2 * (live + 1) > indexKeys.length) {
      growIndex();
    }
    int mask = indexKeys.length - 1;
    for (int s = home(fingerprint); ; s = (s + 1) & mask) {
      long k = indexKeys[s];
      if (k == fingerprint) {
        long before = indexPositions[s];
        indexPositions[s] = h;
        return before;
      }
      if (k == 0) {
        indexKeys[s] = fingerprint;
        indexPositions[s] = h;
        return NONE;
      }
    }
  }

  private void growIndex() {
    long[] keys = indexKeys;
    long[] positions = indexPositions;
    indexKeys = new long[2 * keys.length];
    indexPositions = new long[2 * keys.length];
    indexShift--;
    int mask = indexKeys.length - 1;
    for (int j = 0; j < keys.length; j++) {
      if (keys[j] != 0) {
        int s = home(keys[j]);
        while (indexKeys[s] != 0) {
          s = (s + 1) & mask;
        }
        indexKeys[s] = keys[j];
        indexPositions[s] = positions[j];
      }
    }
  }

  /** Empties {@code slot}, shifting back the entries after it that probed past it. */
  private void removeSlot(int slot) {
    int mask = indexKeys.length - 1;
    int hole = slot;
    for (int s = (hole + 1) & mask; indexKeys[s] != 0; s = (s + 1) & mask) {
      int want = home(indexKeys[s]);
      // move s into the hole unless its home lies cyclically in (hole, s]
      boolean stays = hole <= s ? hole < want && want <= s : hole < want || want <= s;
      if (!stays) {
        indexKeys[hole] = indexKeys[s];
        indexPositions[hole] = indexPositions[s];
        hole = s;
      }
    }
    indexKeys[hole] = 0;
  }

  // ------------------------------------------------------------------ checkpoints

  /**
   * Every waiting entry in one array, in no particular order: each with its insertion order, which
   * {@link #restore} sorts by.
   */
  byte[] snapshot() {
    return freeze().encodeByGroup(hash -> 0, 1)[0];
  }

  /**
   * The waiting entries split into {@code groups} arrays of {@link #snapshot}'s layout (see {@link
   * Frozen#encodeByGroup}).
   */
  byte[][] snapshotByGroup(IntUnaryOperator groupOfKeyHash, int groups) {
    return freeze().encodeByGroup(groupOfKeyHash, groups);
  }

  /**
   * The waiting entries as they are now, to be encoded later, on another thread if need be: copies
   * of the chunk and slab tables (a reference per {@value #CHUNK} entries and per slab), the log's
   * bounds and the epoch that ends here. Every entry held now is in those bounds; a position's
   * fields and bytes are never written again once appended (but for its removal's epoch, which
   * tells the encoding what was held at the freeze), and entries appended later are beyond them.
   */
  Frozen freeze() {
    Frozen frozen =
        new Frozen(
            Arrays.copyOf(chunks, chunkCount),
            firstChunk,
            Arrays.copyOf(slabs, slabCount),
            firstSlab,
            head,
            tail,
            epoch);
    epoch++;
    return frozen;
  }

  /** The waiting entries of one moment ({@link #freeze}). */
  static final class Frozen {
    private final Chunk[] chunks;
    private final long firstChunk;
    private final byte[][] slabs;
    private final long firstSlab;
    private final long head;
    private final long tail;
    private final int epoch;

    private Frozen(
        Chunk[] chunks,
        long firstChunk,
        byte[][] slabs,
        long firstSlab,
        long head,
        long tail,
        int epoch) {
      this.chunks = chunks;
      this.firstChunk = firstChunk;
      this.slabs = slabs;
      this.firstSlab = firstSlab;
      this.head = head;
      this.tail = tail;
      this.epoch = epoch;
    }

    /**
     * The entries split into {@code groups} arrays of {@link #snapshot}'s layout: array {@code g}
     * holds the entries whose key's {@link String#hashCode} {@code groupOfKeyHash} maps to {@code
     * g}. With one group the array is never null; with more, a group without entries gives null.
     * For checkpoints by key group (see {@code LabelJoinOperator}).
     */
    byte[][] encodeByGroup(IntUnaryOperator groupOfKeyHash, int groups) {
      DataOutputSerializer[] outs = new DataOutputSerializer[groups];
      int[] counts = new int[groups];
      try {
        for (long h = head; h < tail; h++) {
          Chunk c = chunks[(int) ((h >>> SHIFT) - firstChunk)];
          int i = index(h);
          int removed = c.removedIn[i];
          if (removed != 0 && removed <= epoch) {
            continue; // removed before the freeze
          }
          int g = groupOfKeyHash.applyAsInt(RememberedOutcomes.keyHash(c.fingerprint[i]));
          DataOutputSerializer out = outs[g];
          if (out == null) {
            out =
                new DataOutputSerializer(
                    groups == 1 ? (int) Math.min(1 << 26, 8 + 256 * (tail - head)) : 4096);
            out.writeInt(FORMAT_VERSION);
            out.writeInt(0); // the count, written below
            outs[g] = out;
          }
          counts[g]++;
          long at = c.at[i];
          byte[] slab = slabs[(int) ((at >>> 32) - firstSlab)];
          int from = (int) at;
          out.write(slab, from, c.keyLength[i]);
          out.writeByte(c.phase[i]);
          out.writeLong(c.ts[i]);
          out.writeLong(c.deadline[i]);
          out.writeLong(c.order[i]);
          out.writeInt(c.payloadLength[i]);
          out.write(slab, from + c.keyLength[i], c.payloadLength[i]);
        }
        byte[][] result = new byte[groups][];
        for (int g = 0; g < groups; g++) {
          DataOutputSerializer out = outs[g];
          if (out == null && groups == 1) {
            out = new DataOutputSerializer(8);
            out.writeInt(FORMAT_VERSION);
            out.writeInt(0);
          }
          if (out != null) {
            int end = out.length();
            out.setPosition(4);
            out.writeInt(counts[g]);
            out.setPositionUnsafe(end); // back to the end (setPosition only goes back)
            result[g] = out.getCopyOfBuffer();
          }
        }
        return result;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write waiting joins in memory", e); // never
      }
    }
  }

  /** One entry read back from a snapshot. */
  private record Restored(
      String key, int phase, long ts, long deadline, long order, byte[] payload) {}

  /**
   * Adds the entries of {@code parts} (arrays {@link #snapshot} wrote, of any subtasks) whose key
   * {@code own} accepts, by deadline and then by their order of insertion (so entries with equal
   * deadlines come out of the queue as they would have without the checkpoint). Their TTL does not
   * end ({@link #expireAllAt} sets it).
   *
   * @return how many entries were added
   * @throws IOException if a part is not such an array
   */
  int restore(Iterable<byte[]> parts, Predicate<String> own) throws IOException {
    List<Restored> kept = new ArrayList<>();
    DataInputDeserializer in = new DataInputDeserializer();
    for (byte[] part : parts) {
      in.setBuffer(part);
      int version = in.readInt();
      if (version != FORMAT_VERSION) {
        throw new IOException("unknown waiting-joins format " + version);
      }
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        String key = FieldIo.readString(in);
        int phase = in.readByte();
        long ts = in.readLong();
        long deadline = in.readLong();
        long order = in.readLong();
        byte[] payload = new byte[in.readInt()];
        in.readFully(payload);
        if (phase != JoinState.WAITING_FOR_CLICK && phase != JoinState.WAITING_FOR_IMPRESSION) {
          throw new IOException("unknown waiting phase " + phase);
        }
        if (own.test(key)) {
          kept.add(new Restored(key, phase, ts, deadline, order, payload));
        }
      }
    }
    kept.sort(Comparator.comparingLong(Restored::deadline).thenComparingLong(Restored::order));
    for (Restored r : kept) {
      int keyLength = startEntry(r.key());
      scratch.write(r.payload());
      hold(
          RememberedOutcomes.fingerprint(r.key()),
          r.phase(),
          r.ts(),
          r.deadline(),
          Long.MAX_VALUE,
          keyLength);
    }
    return kept.size();
  }
}
