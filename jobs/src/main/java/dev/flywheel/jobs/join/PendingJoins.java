package dev.flywheel.jobs.join;

import dev.flywheel.jobs.events.Event;
import dev.flywheel.jobs.types.FieldIo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * What the label join holds for one subtask: the impressions waiting for a click and the clicks
 * waiting for their impression, by impression id, in a hash map and a {@link DeadlineQueue}
 * (docs/join.md, "State"). It replaces a keyed value and an event-time timer per id: the waiting
 * entries are the subtask's own, frozen at a checkpoint ({@link #freeze}) and encoded by key group
 * afterwards ({@link Frozen#encodeByGroup}), read back by {@link #restore}, like {@link
 * RememberedOutcomes}.
 *
 * <p>An entry resolved before its deadline leaves the map at once and the queue when its deadline
 * comes ({@link #pollDue} skips it); the queue is rebuilt from the map when such dead entries are
 * more than the live ones, so it stays within twice the map even if event time stalls.
 *
 * <p>Not thread-safe.
 */
final class PendingJoins {
  private static final int FORMAT_VERSION = 1;

  /** Below this many queued entries the queue is never rebuilt. */
  private static final int MIN_REBUILD = 1024;

  /** One waiting impression or click. */
  static final class Waiting {
    final String key;

    /** {@link JoinState#WAITING_FOR_CLICK} or {@link JoinState#WAITING_FOR_IMPRESSION}. */
    final int phase;

    /** Event time of the held impression or click. */
    final long ts;

    /** When the wait ends (event time): the impression's negative, or the click's orphaning. */
    final long deadline;

    /**
     * The held impression as the example it becomes (label and time still to be set), in {@link
     * dev.flywheel.jobs.events.LabeledExampleSerializer}'s layout, or null: smaller than the
     * impression and read straight into what the join emits.
     */
    final byte[] example;

    /** The held click, or null. */
    final Event click;

    /** Processing time after which a TTL drops the entry ({@link Long#MAX_VALUE}: never). */
    long expiresAt = Long.MAX_VALUE;

    /** Order of insertion, for a stable order among equal deadlines across a checkpoint. */
    long order;

    /**
     * 0 while held; once removed, the epoch it was removed in ({@link #freeze}). Written by the
     * task thread, read by a checkpoint's thread without a lock: that thread sees every write made
     * before the freeze (the freeze happens before the encoding is handed over), and a later write
     * carries a later epoch, which the freeze counts as held, as it would 0.
     */
    int removedIn;

    private Waiting(String key, int phase, long ts, long deadline, byte[] example, Event click) {
      this.key = key;
      this.phase = phase;
      this.ts = ts;
      this.deadline = deadline;
      this.example = example;
      this.click = click;
    }

    /** An impression (as its example's bytes) waiting for a click until {@code deadline}. */
    static Waiting impression(String key, long ts, long deadline, byte[] example) {
      return new Waiting(key, JoinState.WAITING_FOR_CLICK, ts, deadline, example, null);
    }

    /** A click waiting for its impression until {@code deadline}. */
    static Waiting click(String key, Event click, long deadline) {
      return new Waiting(key, JoinState.WAITING_FOR_IMPRESSION, click.ts, deadline, null, click);
    }
  }

  private final HashMap<String, Waiting> byKey = new HashMap<>();
  private final DeadlineQueue<Waiting> queue = new DeadlineQueue<>();
  private long nextOrder;

  /** The epoch removals are stamped with; each {@link #freeze} ends one. */
  private int epoch = 1;

  /** The entry waiting under {@code key}, or null. */
  Waiting get(String key) {
    return byKey.get(key);
  }

  /** Holds {@code w}, replacing whatever waited under its key. */
  void put(Waiting w) {
    w.order = nextOrder++;
    Waiting replaced = byKey.put(w.key, w);
    if (replaced != null) {
      replaced.removedIn = epoch;
    }
    if (queue.size() >= MIN_REBUILD && queue.size() > 2 * byKey.size()) {
      queue.retain((item, deadline) -> byKey.get(item.key) == item);
    }
    queue.add(w.deadline, w);
  }

  /** Drops {@code w} if it still waits under its key. */
  void remove(Waiting w) {
    if (byKey.remove(w.key, w)) {
      w.removedIn = epoch;
    }
  }

  /**
   * Removes and returns the next entry whose deadline is at or before {@code watermark}, earliest
   * first (insertion order among equals), or null if none is due.
   */
  Waiting pollDue(long watermark) {
    while (queue.size() > 0 && queue.peekDeadline() <= watermark) {
      Waiting w = queue.poll();
      if (byKey.remove(w.key, w)) {
        w.removedIn = epoch;
        return w;
      }
    }
    return null;
  }

  /** Drops every entry {@code expired} accepts (the TTL's sweep); returns how many. */
  int removeIf(Predicate<Waiting> expired) {
    int before = byKey.size();
    byKey
        .values()
        .removeIf(
            w -> {
              if (expired.test(w)) {
                w.removedIn = epoch;
                return true;
              }
              return false;
            });
    return before - byKey.size();
  }

  /** Calls {@code action} for every waiting entry, in no particular order. */
  void forEach(Consumer<Waiting> action) {
    byKey.values().forEach(action);
  }

  /** Waiting entries. */
  int size() {
    return byKey.size();
  }

  /** Entries in the deadline queue, resolved ones included (for tests). */
  int queued() {
    return queue.size();
  }

  /**
   * Every waiting entry in one array, in no particular order (sorting them here cost the task
   * thread more than the copy, at every checkpoint): each with its insertion order, which {@link
   * #restore} sorts by.
   */
  byte[] snapshot() {
    return freeze().encodeByGroup(key -> 0, 1)[0];
  }

  /**
   * The waiting entries split into {@code groups} arrays of {@link #snapshot}'s layout (see {@link
   * Frozen#encodeByGroup}).
   */
  byte[][] snapshotByGroup(ToIntFunction<String> groupOf, int groups) {
    return freeze().encodeByGroup(groupOf, groups);
  }

  /**
   * The waiting entries as they are now, to be encoded later, on another thread if need be: a
   * memory copy of the deadline queue's references (every held entry is queued; so are entries
   * resolved before their deadline, at most as many as the held ones) and the epoch that ends here.
   * The encoding keeps the entries not removed by then. An entry's encoded fields never change once
   * it is held (its key, phase, times, order and payload; a held click is never modified), and
   * entries put later are not in the copy. Copying the hash map's values instead walked a node per
   * entry, 3–11 ms for 80,000 entries on an idle host.
   */
  Frozen freeze() {
    Frozen frozen = new Frozen(queue.items(), epoch);
    epoch++;
    return frozen;
  }

  /** The waiting entries of one moment ({@link #freeze}). */
  static final class Frozen {
    private final Object[] queued;
    private final int epoch;

    private Frozen(Object[] queued, int epoch) {
      this.queued = queued;
      this.epoch = epoch;
    }

    /** Whether {@code w} was held when this was frozen. */
    private boolean held(Waiting w) {
      int removed = w.removedIn;
      return removed == 0 || removed > epoch;
    }

    /**
     * The entries split into {@code groups} arrays of {@link #snapshot}'s layout: array {@code g}
     * holds the entries whose key {@code groupOf} maps to {@code g}. With one group the array is
     * never null; with more, a group without entries gives null. For checkpoints by key group (see
     * {@code LabelJoinOperator}).
     */
    byte[][] encodeByGroup(ToIntFunction<String> groupOf, int groups) {
      DataOutputSerializer[] outs = new DataOutputSerializer[groups];
      int[] counts = new int[groups];
      DataOutputSerializer scratch = new DataOutputSerializer(256);
      try {
        for (Object item : queued) {
          Waiting w = (Waiting) item;
          if (!held(w)) {
            continue;
          }
          int g = groupOf.applyAsInt(w.key);
          DataOutputSerializer out = outs[g];
          if (out == null) {
            out = new DataOutputSerializer(groups == 1 ? 8 + 200 * queued.length : 4096);
            out.writeInt(FORMAT_VERSION);
            out.writeInt(0); // the count, written below
            outs[g] = out;
          }
          counts[g]++;
          FieldIo.writeString(w.key, out);
          out.writeByte(w.phase);
          out.writeLong(w.ts);
          out.writeLong(w.deadline);
          out.writeLong(w.order);
          byte[] payload =
              w.example != null ? w.example : JoinStateSerializer.encode(w.click, scratch);
          out.writeInt(payload.length);
          out.write(payload);
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

  /**
   * Adds the entries of {@code parts} (arrays {@link #snapshot} wrote, of any subtasks) whose key
   * {@code own} accepts, by deadline and then by their order of insertion (so entries with equal
   * deadlines come out of the queue as they would have without the checkpoint).
   *
   * @return how many entries were added
   * @throws IOException if a part is not such an array
   */
  int restore(Iterable<byte[]> parts, Predicate<String> own) throws IOException {
    List<Waiting> kept = new ArrayList<>();
    DataInputDeserializer in = new DataInputDeserializer();
    DataInputDeserializer scratch = new DataInputDeserializer();
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
        if (!own.test(key)) {
          continue;
        }
        Waiting w =
            switch (phase) {
              case JoinState.WAITING_FOR_CLICK -> Waiting.impression(key, ts, deadline, payload);
              case JoinState.WAITING_FOR_IMPRESSION ->
                  Waiting.click(key, JoinStateSerializer.decode(payload, scratch), deadline);
              default -> throw new IOException("unknown waiting phase " + phase);
            };
        w.order = order;
        kept.add(w);
      }
    }
    kept.sort(Comparator.comparingLong((Waiting w) -> w.deadline).thenComparingLong(w -> w.order));
    for (Waiting w : kept) {
      put(w);
    }
    return kept.size();
  }
}
