package dev.flywheel.jobs.join;

import java.util.Arrays;
import java.util.function.LongPredicate;

/**
 * A binary min-heap of {@code long} items by deadline, ties by a sequence number the caller gives
 * (its order of insertion), all in primitive arrays: a sift compares longs in one contiguous array
 * instead of following a pointer per level (Flink's timer heaps, which this replaces in the join,
 * had 24 % of the join's samples in a profile of the end-to-end benchmark, most in {@code
 * HeapPriorityQueue.siftDown}: docs/join.md).
 *
 * <p>No removal but from the head: a caller whose item is resolved early leaves it in the queue and
 * skips it when it comes out (and {@link #retain rebuilds} the queue when dead items pile up).
 *
 * <p>Not thread-safe.
 */
final class DeadlineQueue {
  private long[] deadlines = new long[64];
  private long[] sequence = new long[64];
  private long[] items = new long[64];
  private int size;

  /**
   * Adds {@code item} due at {@code deadline}; among items due then, it comes out in the order of
   * {@code order}.
   */
  void add(long deadline, long order, long item) {
    if (size == deadlines.length) {
      int grown = size * 2;
      deadlines = Arrays.copyOf(deadlines, grown);
      sequence = Arrays.copyOf(sequence, grown);
      items = Arrays.copyOf(items, grown);
    }
    siftUp(size++, deadline, order, item);
  }

  /** The earliest deadline; the queue must not be empty. */
  long peekDeadline() {
    if (size == 0) {
      throw new IllegalStateException("empty");
    }
    return deadlines[0];
  }

  /** Removes and returns the item with the earliest deadline (the lowest sequence among equals). */
  long poll() {
    if (size == 0) {
      throw new IllegalStateException("empty");
    }
    long head = items[0];
    int last = --size;
    long d = deadlines[last];
    long s = sequence[last];
    long item = items[last];
    if (last > 0) {
      siftDown(0, d, s, item);
    }
    return head;
  }

  int size() {
    return size;
  }

  void clear() {
    size = 0;
  }

  /** Drops every item {@code live} rejects, keeping the others' order. */
  void retain(LongPredicate live) {
    int kept = 0;
    for (int i = 0; i < size; i++) {
      if (live.test(items[i])) {
        deadlines[kept] = deadlines[i];
        sequence[kept] = sequence[i];
        items[kept] = items[i];
        kept++;
      }
    }
    size = kept;
    for (int i = (size >>> 1) - 1; i >= 0; i--) {
      siftDown(i, deadlines[i], sequence[i], items[i]);
    }
  }

  private boolean less(long d, long s, int j) {
    return d < deadlines[j] || (d == deadlines[j] && s < sequence[j]);
  }

  private void siftUp(int i, long d, long s, long item) {
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (!less(d, s, parent)) {
        break;
      }
      move(parent, i);
      i = parent;
    }
    put(i, d, s, item);
  }

  private void siftDown(int i, long d, long s, long item) {
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      int right = child + 1;
      if (right < size && less(deadlines[right], sequence[right], child)) {
        child = right;
      }
      if (!lessThan(deadlines[child], sequence[child], d, s)) {
        break;
      }
      move(child, i);
      i = child;
    }
    put(i, d, s, item);
  }

  private static boolean lessThan(long d1, long s1, long d2, long s2) {
    return d1 < d2 || (d1 == d2 && s1 < s2);
  }

  private void move(int from, int to) {
    deadlines[to] = deadlines[from];
    sequence[to] = sequence[from];
    items[to] = items[from];
  }

  private void put(int i, long d, long s, long item) {
    deadlines[i] = d;
    sequence[i] = s;
    items[i] = item;
  }
}
