package dev.flywheel.jobs.join;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.function.IntPredicate;
import java.util.function.IntUnaryOperator;

/**
 * The outcomes the {@link LabelJoinOperator} remembers after it labelled an impression id: which
 * ids were labelled positive or negative, until when. It answers "was this id labelled, and how?"
 * for a later click (late or duplicate) or a replayed impression (duplicate).
 *
 * <p>Why not Flink keyed state: a remembered id used to be a keyed state entry with its own
 * event-time timer, for {@code window + allowance} after its impression: most of the join's state,
 * timers and checkpoint bytes, and millions of small heap objects the young GC had to scan (see
 * docs/join.md, "State"). Here an id is a 64-bit fingerprint in primitive arrays: two FIFO rings
 * (positives, negatives: each in roughly the order its ids expire) and one open-addressing index.
 * No objects per id, no timers; a checkpoint writes about 9 bytes per id (the fingerprint, and the
 * expiry as a varint delta from the previous one).
 *
 * <p>The fingerprint's upper 32 bits are the id's {@link String#hashCode()}, the key Flink assigns
 * key groups from, so a checkpoint can split the ids by key group and a restore keep only its own
 * ({@link #restore}); the lower 32 bits are an independent hash of the characters. Two ids are
 * mistaken for each other only if both halves collide: with {@code n} ids remembered, a new id
 * collides with probability about {@code n / 2^64} (5e-14 at a million).
 *
 * <p>Expiry is exact for lookups (an id whose time is up is never reported) and lazy in memory: an
 * id leaves the arrays when it reaches the head of its ring and its time is up, so an id can stay
 * behind a later one by the spread of the expiry times in its ring (for positives, the spread of
 * click delays). At most {@code capacity} ids are held; {@link #remember} refuses more. Not thread
 * safe; {@link #freeze} returns a copy that another thread may encode.
 */
final class RememberedOutcomes {
  /** No outcome remembered for the id. */
  static final int NONE = 0;

  static final int POSITIVE = JoinState.RESOLVED_POSITIVE;
  static final int NEGATIVE = JoinState.RESOLVED_NEGATIVE;

  /** The snapshot layout written: 2, delta-coded expiries (1, 16 bytes per id, is still read). */
  private static final int FORMAT_VERSION = 2;

  private static final int INITIAL_INDEX = 2048;

  private final int capacity;
  private final Ring positives = new Ring();
  private final Ring negatives = new Ring();

  // the index: fingerprint -> (expiry, outcome), linear probing, 0 marks a free slot
  private long[] keys = new long[INITIAL_INDEX];
  private long[] expiries = new long[INITIAL_INDEX];
  private byte[] outcomes = new byte[INITIAL_INDEX];
  private int indexed;

  /**
   * @param capacity the most ids held at once (both outcomes together), at least 1
   */
  RememberedOutcomes(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
    }
    this.capacity = capacity;
  }

  /** The 64-bit fingerprint of an impression id (never 0): hashCode high, a second hash low. */
  static long fingerprint(String id) {
    int h = 0x9747b28c;
    int n = id.length();
    for (int i = 0; i < n; i++) {
      int k = id.charAt(i) * 0xcc9e2d51;
      k = Integer.rotateLeft(k, 15) * 0x1b873593;
      h ^= k;
      h = Integer.rotateLeft(h, 13) * 5 + 0xe6546b64;
    }
    h ^= n;
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    long fp = ((long) id.hashCode() << 32) | (h & 0xffffffffL);
    return fp == 0 ? 1 : fp;
  }

  /** The key hash Flink assigns the id's key group from ({@code String.hashCode()}). */
  static int keyHash(long fingerprint) {
    return (int) (fingerprint >>> 32);
  }

  /**
   * Remembers {@code fingerprint}'s outcome until the watermark reaches {@code expiry}, replacing
   * any earlier outcome of the same id. Returns false, remembering nothing, if {@code capacity} ids
   * are held even after dropping the expired ones.
   */
  boolean remember(long fingerprint, int outcome, long expiry, long watermark) {
    if (outcome != POSITIVE && outcome != NEGATIVE) {
      throw new IllegalArgumentException("outcome must be POSITIVE or NEGATIVE, got " + outcome);
    }
    expire(watermark);
    if (size() >= capacity) {
      return false;
    }
    put(fingerprint, expiry, outcome);
    (outcome == POSITIVE ? positives : negatives).add(fingerprint, expiry);
    return true;
  }

  /** The remembered outcome of {@code fingerprint} at {@code watermark}: NONE once expired. */
  int outcome(long fingerprint, long watermark) {
    int slot = find(fingerprint);
    if (slot < 0 || expiries[slot] <= watermark) {
      return NONE;
    }
    return outcomes[slot];
  }

  /** Drops the ids at the heads of the rings whose expiry the watermark has reached. */
  void expire(long watermark) {
    expire(positives, POSITIVE, watermark);
    expire(negatives, NEGATIVE, watermark);
  }

  /** Ids held (including expired ones still waiting behind a later one in their ring). */
  int size() {
    return positives.size + negatives.size;
  }

  private void expire(Ring ring, int outcome, long watermark) {
    while (ring.size > 0 && ring.headExpiry() <= watermark) {
      long fp = ring.headFingerprint();
      long expiry = ring.headExpiry();
      ring.pop();
      int slot = find(fp);
      // a re-labelled id has a newer entry in the index: leave it
      if (slot >= 0 && expiries[slot] == expiry && outcomes[slot] == outcome) {
        removeSlot(slot);
      }
    }
  }

  // ---- the index ----

  private int find(long fp) {
    int mask = keys.length - 1;
    for (int slot = (int) fp & mask; ; slot = (slot + 1) & mask) {
      long k = keys[slot];
      if (k == fp) {
        return slot;
      }
      if (k == 0) {
        return -1;
      }
    }
  }

  private void put(long fp, long expiry, int outcome) {
    int slot = find(fp);
    if (slot < 0) {
      if (2 * (indexed + 1) > keys.length) {
        rehash(2 * keys.length);
      }
      int mask = keys.length - 1;
      slot = (int) fp & mask;
      while (keys[slot] != 0) {
        slot = (slot + 1) & mask;
      }
      keys[slot] = fp;
      indexed++;
    }
    expiries[slot] = expiry;
    outcomes[slot] = (byte) outcome;
  }

  /** Removes a slot and shifts the following run back, so no probe sequence is broken. */
  private void removeSlot(int slot) {
    int mask = keys.length - 1;
    int hole = slot;
    for (int next = (hole + 1) & mask; keys[next] != 0; next = (next + 1) & mask) {
      int home = (int) keys[next] & mask;
      // move next into the hole unless its home lies cyclically in (hole, next]
      boolean stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
      if (!stays) {
        keys[hole] = keys[next];
        expiries[hole] = expiries[next];
        outcomes[hole] = outcomes[next];
        hole = next;
      }
    }
    keys[hole] = 0;
    indexed--;
  }

  private void rehash(int length) {
    long[] oldKeys = keys;
    long[] oldExpiries = expiries;
    byte[] oldOutcomes = outcomes;
    keys = new long[length];
    expiries = new long[length];
    outcomes = new byte[length];
    int mask = length - 1;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != 0) {
        int slot = (int) oldKeys[i] & mask;
        while (keys[slot] != 0) {
          slot = (slot + 1) & mask;
        }
        keys[slot] = oldKeys[i];
        expiries[slot] = oldExpiries[i];
        outcomes[slot] = oldOutcomes[i];
      }
    }
  }

  // ---- checkpoints ----

  /**
   * The held ids as one byte array: version 2, the counts of positives and negatives, each ring's
   * fingerprints (big-endian longs, ring order), then every expiry of both rings in the same order
   * as a zigzag varint of its difference from the previous one (the first from 0). A ring is
   * roughly in expiry order, so most differences take one or two bytes: about 9 bytes per id where
   * version 1 wrote 16, and Flink 2.2.1 writes operator state into a checkpoint one call per byte
   * ({@code FlinkSnapshotStreamTest}). Expired ids and ids a re-label superseded are written too:
   * the restoring side's watermark decides, and a re-label always has the later expiry, so a
   * restore that inserts in expiry order keeps it.
   */
  byte[] snapshot() {
    byte[] whole = snapshotByGroup(hash -> 0, 1)[0];
    return whole != null ? whole : encode(new long[2][0], new long[2][0], new int[2]);
  }

  /**
   * The held ids split into {@code groups} arrays of {@link #snapshot}'s layout (see {@link
   * Frozen#encodeByGroup}).
   */
  byte[][] snapshotByGroup(IntUnaryOperator groupOf, int groups) {
    return freeze().encodeByGroup(groupOf, groups);
  }

  /**
   * The held ids as they are now, to be encoded later, on another thread if need be: the rings'
   * chunk tables (a few references per 4,096 ids), no ids copied.
   */
  Frozen freeze() {
    return new Frozen(new View[] {positives.view(), negatives.view()});
  }

  /** The held ids of one moment ({@link #freeze}). */
  static final class Frozen {
    private final View[] rings; // positives, negatives

    private Frozen(View[] rings) {
      this.rings = rings;
    }

    /** How many ids. */
    int size() {
      return rings[0].size() + rings[1].size();
    }

    /**
     * The ids split into {@code groups} arrays of {@link #snapshot}'s layout: array {@code g} holds
     * the ids whose key hash {@code groupOf} maps to {@code g} (in ring order), or is null if there
     * are none. For checkpoints by key group (see {@code LabelJoinOperator}).
     */
    byte[][] encodeByGroup(IntUnaryOperator groupOf, int groups) {
      long[][][] fps = new long[groups][2][];
      long[][][] exps = new long[groups][2][];
      int[][] counts = new int[groups][2];
      for (int r = 0; r < 2; r++) {
        View ring = rings[r];
        for (int i = 0; i < ring.size(); i++) {
          long fp = ring.fingerprint(i);
          int g = groupOf.applyAsInt(keyHash(fp));
          int c = counts[g][r];
          if (fps[g][r] == null || c == fps[g][r].length) {
            int length = Math.max(16, 2 * c);
            fps[g][r] = fps[g][r] == null ? new long[length] : Arrays.copyOf(fps[g][r], length);
            exps[g][r] = exps[g][r] == null ? new long[length] : Arrays.copyOf(exps[g][r], length);
          }
          fps[g][r][c] = fp;
          exps[g][r][c] = ring.expiry(i);
          counts[g][r] = c + 1;
        }
      }
      byte[][] out = new byte[groups][];
      for (int g = 0; g < groups; g++) {
        if (counts[g][0] + counts[g][1] > 0) {
          out[g] = encode(fps[g], exps[g], counts[g]);
        }
      }
      return out;
    }
  }

  /** {@link #snapshot}'s layout for {@code counts[r]} ids of each ring {@code r} (0 positives). */
  private static byte[] encode(long[][] fps, long[][] exps, int[] counts) {
    long varintBytes = 0;
    long before = 0;
    for (int r = 0; r < 2; r++) {
      for (int i = 0; i < counts[r]; i++) {
        long e = exps[r][i];
        varintBytes += varLongSize(zigzag(e - before));
        before = e;
      }
    }
    int p = counts[0];
    int n = counts[1];
    ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(12 + 8L * (p + n) + varintBytes));
    out.putInt(FORMAT_VERSION).putInt(p).putInt(n);
    for (int r = 0; r < 2; r++) {
      for (int i = 0; i < counts[r]; i++) {
        out.putLong(fps[r][i]);
      }
    }
    long previous = 0;
    for (int r = 0; r < 2; r++) {
      for (int i = 0; i < counts[r]; i++) {
        long e = exps[r][i];
        putVarLong(out, zigzag(e - previous));
        previous = e;
      }
    }
    return out.array();
  }

  private static int varLongSize(long v) {
    return Math.max(1, (64 - Long.numberOfLeadingZeros(v) + 6) / 7);
  }

  private static long zigzag(long v) {
    return (v << 1) ^ (v >> 63);
  }

  private static long unzigzag(long v) {
    return (v >>> 1) ^ -(v & 1);
  }

  private static void putVarLong(ByteBuffer out, long v) {
    while ((v & ~0x7FL) != 0) {
      out.put((byte) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.put((byte) v);
  }

  private static long getVarLong(ByteBuffer in) throws IOException {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      byte b = in.get();
      v |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        return v;
      }
    }
    throw new IOException("a remembered-outcomes expiry is longer than 10 bytes");
  }

  /**
   * Adds the ids of snapshots (of any number of subtasks, format 1 or 2) whose key hash {@code
   * ownsKeyHash} accepts, in the order of their expiry (so the rings stay ordered and a re-label
   * wins over the outcome it replaced). Ids beyond {@code capacity} are dropped; returns how many.
   */
  int restore(Iterable<byte[]> snapshots, IntPredicate ownsKeyHash) throws IOException {
    long[] fps = new long[0];
    long[] exps = new long[0];
    byte[] outs = new byte[0];
    int count = 0;
    for (byte[] bytes : snapshots) {
      long[][] fingerprints = new long[2][];
      long[][] expiriesOf = new long[2][];
      read(bytes, fingerprints, expiriesOf);
      int[] outcome = {POSITIVE, NEGATIVE};
      for (int s = 0; s < 2; s++) {
        long[] f = fingerprints[s];
        long[] e = expiriesOf[s];
        for (int i = 0; i < f.length; i++) {
          if (!ownsKeyHash.test(keyHash(f[i]))) {
            continue;
          }
          if (count == fps.length) {
            int length = Math.max(16, 2 * count);
            fps = Arrays.copyOf(fps, length);
            exps = Arrays.copyOf(exps, length);
            outs = Arrays.copyOf(outs, length);
          }
          fps[count] = f[i];
          exps[count] = e[i];
          outs[count] = (byte) outcome[s];
          count++;
        }
      }
    }
    Integer[] order = new Integer[count];
    for (int i = 0; i < count; i++) {
      order[i] = i;
    }
    long[] expiry = exps;
    Arrays.sort(order, (a, b) -> Long.compare(expiry[a], expiry[b]));
    int dropped = 0;
    for (Integer i : order) {
      if (size() >= capacity) {
        dropped++;
        continue;
      }
      put(fps[i], expiry[i], outs[i]);
      (outs[i] == POSITIVE ? positives : negatives).add(fps[i], expiry[i]);
    }
    return dropped;
  }

  /** Reads one snapshot's positives ([0]) and negatives ([1]): fingerprints and expiries. */
  private static void read(byte[] bytes, long[][] fingerprints, long[][] expiriesOf)
      throws IOException {
    try {
      ByteBuffer in = ByteBuffer.wrap(bytes);
      int version = in.getInt();
      if (version != 1 && version != FORMAT_VERSION) {
        throw new IOException("unknown remembered-outcomes format version " + version);
      }
      int[] sections = {in.getInt(), in.getInt()};
      if (sections[0] < 0 || sections[1] < 0 || (long) sections[0] + sections[1] > bytes.length) {
        throw new IOException("a remembered-outcomes snapshot with impossible counts");
      }
      LongBuffer longs = in.asLongBuffer();
      if (version == 1) {
        // each section: its fingerprints, then its expiries
        for (int s = 0; s < 2; s++) {
          fingerprints[s] = new long[sections[s]];
          expiriesOf[s] = new long[sections[s]];
          longs.get(fingerprints[s]).get(expiriesOf[s]);
        }
        return;
      }
      for (int s = 0; s < 2; s++) {
        fingerprints[s] = new long[sections[s]];
        longs.get(fingerprints[s]);
      }
      in.position(in.position() + 8 * (sections[0] + sections[1]));
      long previous = 0;
      for (int s = 0; s < 2; s++) {
        expiriesOf[s] = new long[sections[s]];
        for (int i = 0; i < sections[s]; i++) {
          previous += unzigzag(getVarLong(in));
          expiriesOf[s][i] = previous;
        }
      }
      if (in.hasRemaining()) {
        throw new IOException("a remembered-outcomes snapshot with trailing bytes");
      }
    } catch (java.nio.BufferUnderflowException e) {
      throw new IOException("a truncated remembered-outcomes snapshot", e);
    }
  }

  /**
   * A FIFO of (fingerprint, expiry) pairs in chunks of {@link #CHUNK}: added at the tail, taken
   * from the head. A slot is written once: the tail only moves forward, a chunk the head has left
   * is dropped and a new one allocated, so a {@link #view} of the chunks stays valid while the ring
   * goes on, and a freeze copies no ids.
   */
  private static final class Ring {
    private static final int SHIFT = 12;
    private static final int CHUNK = 1 << SHIFT;
    private static final int MASK = CHUNK - 1;

    private long[][] fingerprints = new long[4][];
    private long[][] expiries = new long[4][];
    private int chunks;
    private int head; // in chunk 0
    private int size;

    void add(long fp, long expiry) {
      int at = head + size;
      int c = at >>> SHIFT;
      if (c == chunks) {
        if (chunks == fingerprints.length) {
          fingerprints = Arrays.copyOf(fingerprints, 2 * chunks);
          expiries = Arrays.copyOf(expiries, 2 * chunks);
        }
        fingerprints[chunks] = new long[CHUNK];
        expiries[chunks] = new long[CHUNK];
        chunks++;
      }
      fingerprints[c][at & MASK] = fp;
      expiries[c][at & MASK] = expiry;
      size++;
    }

    long headFingerprint() {
      return fingerprints[0][head];
    }

    long headExpiry() {
      return expiries[0][head];
    }

    void pop() {
      head++;
      size--;
      if (head == CHUNK) {
        // the head left chunk 0: drop it (never reused, so a view may still read it)
        System.arraycopy(fingerprints, 1, fingerprints, 0, chunks - 1);
        System.arraycopy(expiries, 1, expiries, 0, chunks - 1);
        chunks--;
        fingerprints[chunks] = null;
        expiries[chunks] = null;
        head = 0;
      }
    }

    /** The pairs held now, readable from another thread while this ring goes on. */
    View view() {
      return new View(
          Arrays.copyOf(fingerprints, chunks), Arrays.copyOf(expiries, chunks), head, size);
    }
  }

  /** The pairs of a {@link Ring} at one moment: slots its ring never writes again. */
  private record View(long[][] fingerprints, long[][] expiries, int head, int size) {
    long fingerprint(int i) {
      int at = head + i;
      return fingerprints[at >>> Ring.SHIFT][at & Ring.MASK];
    }

    long expiry(int i) {
      int at = head + i;
      return expiries[at >>> Ring.SHIFT][at & Ring.MASK];
    }
  }
}
