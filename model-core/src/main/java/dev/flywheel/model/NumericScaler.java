package dev.flywheel.model;

/**
 * Online standardisation of raw numeric feature values, shared by training and scoring because it
 * is part of the model.
 *
 * <p>A table of {@code 2^scalerBits} entries, indexed by {@code bucket & (2^scalerBits − 1)}, holds
 * per entry the count n, mean and sum of squared deviations M2 of the observed raw values
 * (Welford's algorithm). The rule, for a raw value x of a numeric slot with bucket b:
 *
 * <ul>
 *   <li>x not finite → NaN (so a training batch holding it is skipped and a scored example predicts
 *       NaN: a non-finite value never reaches the parameters, not even clipped);
 *   <li>n &lt; scalerWarmup → 0 (the feature has no effect until its entry has statistics);
 *   <li>otherwise → clip((x − mean) / √(M2/n + 1e−8), ±numericClip).
 * </ul>
 *
 * <p>{@link #scale} only reads. {@link #observe} is called by {@link Model#train} for each numeric
 * slot of an applied batch, after the parameter update, so the batch was scaled with the statistics
 * from before it (the same ones {@link Model#score} used). Example weights do not affect the
 * statistics. An observation that would make an entry's statistics non-finite (|x| near 1e154 or
 * above) is ignored. Entries changed since {@link #markPublished()} are tracked for model deltas.
 */
final class NumericScaler {
  static final double VARIANCE_EPSILON = 1e-8;

  private final int mask;
  private final long warmup;
  private final double clip;
  final long[] count;
  final double[] mean;
  final double[] m2;
  private final boolean[] touched;
  private final int[] touchedList;
  private int touchedCount;

  NumericScaler(int bits, long warmup, double clip) {
    int size = 1 << bits;
    this.mask = size - 1;
    this.warmup = warmup;
    this.clip = clip;
    this.count = new long[size];
    this.mean = new double[size];
    this.m2 = new double[size];
    this.touched = new boolean[size];
    this.touchedList = new int[size];
  }

  int size() {
    return count.length;
  }

  /** The scaled value of raw value {@code x} of numeric bucket {@code bucket}. */
  double scale(int bucket, double x) {
    if (!Double.isFinite(x)) {
      return Double.NaN;
    }
    int e = bucket & mask;
    long n = count[e];
    if (n < warmup) {
      return 0.0;
    }
    double s = (x - mean[e]) / Math.sqrt(m2[e] / n + VARIANCE_EPSILON);
    return Math.max(-clip, Math.min(clip, s));
  }

  /** Adds one observation (Welford); ignored if it would leave a non-finite statistic. */
  void observe(int bucket, double x) {
    int e = bucket & mask;
    long n = count[e] + 1;
    double delta = x - mean[e];
    double newMean = mean[e] + delta / n;
    double newM2 = m2[e] + delta * (x - newMean);
    if (!Double.isFinite(newMean) || !Double.isFinite(newM2)) {
      return;
    }
    count[e] = n;
    mean[e] = newMean;
    m2[e] = newM2;
    markTouched(e);
  }

  void markTouched(int e) {
    if (!touched[e]) {
      touched[e] = true;
      touchedList[touchedCount++] = e;
    }
  }

  int touchedCount() {
    return touchedCount;
  }

  /** Entries changed since the last {@link #markPublished()}, in first-touch order. */
  int[] touchedEntries() {
    return touchedList;
  }

  void markPublished() {
    for (int i = 0; i < touchedCount; i++) {
      touched[touchedList[i]] = false;
    }
    touchedCount = 0;
  }
}
