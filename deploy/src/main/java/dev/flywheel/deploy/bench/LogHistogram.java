package dev.flywheel.deploy.bench;

/**
 * A bounded histogram of non-negative {@code long} values (latencies in ms or µs) with log-linear
 * buckets: values below 128 are exact, larger ones fall into 64 buckets per power of two, so a
 * percentile is at most 1/64 (1.6 %) above the exact value and never below it. Fixed memory (3712
 * counters) whatever the number or range of values; min, max, count and sum are exact.
 *
 * <p>Not thread-safe: one writer, and readers after it stopped (or under the writer's lock).
 */
public final class LogHistogram {
  private static final int PRECISION_BITS = 6;
  private static final int SUB = 1 << PRECISION_BITS; // 64 buckets per power of two
  private static final int EXACT = 2 * SUB; // values below 128 have their own bucket
  private static final int BUCKETS = EXACT + (63 - PRECISION_BITS - 1) * SUB;

  private final long[] counts = new long[BUCKETS];
  private long count;
  private long sum;
  private long min = Long.MAX_VALUE;
  private long max = Long.MIN_VALUE;
  private long negatives;

  /** Records one value; a negative value is recorded as 0 and counted in {@link #negatives()}. */
  public void record(long value) {
    if (value < 0) {
      negatives++;
      value = 0;
    }
    counts[index(value)]++;
    count++;
    sum += value;
    min = Math.min(min, value);
    max = Math.max(max, value);
  }

  /** Adds every value of {@code other} to this histogram. */
  public void add(LogHistogram other) {
    for (int i = 0; i < BUCKETS; i++) {
      counts[i] += other.counts[i];
    }
    count += other.count;
    sum += other.sum;
    negatives += other.negatives;
    min = Math.min(min, other.min);
    max = Math.max(max, other.max);
  }

  /** Number of values recorded. */
  public long count() {
    return count;
  }

  /** Values that were negative (recorded as 0). */
  public long negatives() {
    return negatives;
  }

  /** The largest value recorded (exact); 0 when empty. */
  public long max() {
    return count == 0 ? 0 : max;
  }

  /** The smallest value recorded (exact); 0 when empty. */
  public long min() {
    return count == 0 ? 0 : min;
  }

  /** The mean of the values recorded (exact); NaN when empty. */
  public double mean() {
    return count == 0 ? Double.NaN : (double) sum / count;
  }

  /**
   * The nearest-rank {@code q}-quantile: the smallest recorded value {@code v} such that at least
   * {@code ceil(q · count)} values are {@code <= v}, rounded up to its bucket's upper bound (capped
   * at the exact maximum). NaN when empty.
   *
   * @param q in [0, 1]
   */
  public double percentile(double q) {
    if (!(q >= 0 && q <= 1)) {
      throw new IllegalArgumentException("q must be in [0, 1], got " + q);
    }
    if (count == 0) {
      return Double.NaN;
    }
    long rank = Math.max(1, (long) Math.ceil(q * count));
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return Math.min(upperBound(i), max);
      }
    }
    return max;
  }

  /** The bucket of {@code value} (>= 0). */
  static int index(long value) {
    if (value < EXACT) {
      return (int) value;
    }
    int shift = 63 - Long.numberOfLeadingZeros(value) - PRECISION_BITS; // >= 1
    int sub = (int) (value >>> shift) - SUB; // in [0, 64)
    return EXACT + (shift - 1) * SUB + sub;
  }

  /** The largest value that falls into bucket {@code index}. */
  static long upperBound(int index) {
    if (index < EXACT) {
      return index;
    }
    int shift = (index - EXACT) / SUB + 1;
    long sub = (index - EXACT) % SUB + SUB;
    return ((sub + 1) << shift) - 1;
  }
}
