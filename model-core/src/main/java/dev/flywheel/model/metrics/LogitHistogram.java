package dev.flywheel.model.metrics;

/**
 * Area under the ROC curve from a fixed histogram over the prediction's logit: bounded memory (two
 * {@code double} arrays of {@code bins} entries), O(1) per example, O(bins) per query.
 *
 * <p>Bins are uniform in {@code logit(p) = ln(p / (1 - p))} over {@code [-range, range]}; logits
 * beyond the range fall into the end bins. Pairs of a positive and a negative in the same bin count
 * as half-ordered (a tie), so the only error against the exact AUC comes from pairs whose
 * predictions are closer than one bin width. With the default 2^15 bins over [-20, 20] a bin is
 * 0.00122 wide in logit, i.e. a relative change of 0.12% in {@code p} near {@code p = 0.005}: fine
 * enough for click rates of a fraction of a percent. Predictions outside [0, 1] (squared loss) are
 * clamped first.
 *
 * <p>Examples can be {@link #remove removed} again (for sliding windows); with integer weights the
 * counts stay exact. Not thread-safe.
 */
public final class LogitHistogram {
  /** Default bin count: 32768 bins, 512 KiB. */
  public static final int DEFAULT_BINS = 1 << 15;

  /** Default logit range: [-20, 20], i.e. p in [2.1e-9, 1 - 2.1e-9]. */
  public static final double DEFAULT_RANGE = 20.0;

  private final double[] positives;
  private final double[] negatives;
  private final double range;
  private final double scale;
  private double positiveWeight;
  private double negativeWeight;

  /** A histogram with {@link #DEFAULT_BINS} bins over {@link #DEFAULT_RANGE}. */
  public LogitHistogram() {
    this(DEFAULT_BINS, DEFAULT_RANGE);
  }

  /**
   * @param bins number of bins, at least 2
   * @param range half-width of the logit interval covered, positive
   */
  public LogitHistogram(int bins, double range) {
    if (bins < 2) {
      throw new IllegalArgumentException("bins must be >= 2, got " + bins);
    }
    if (!(range > 0) || Double.isInfinite(range)) {
      throw new IllegalArgumentException("range must be positive and finite, got " + range);
    }
    this.positives = new double[bins];
    this.negatives = new double[bins];
    this.range = range;
    this.scale = bins / (2 * range);
  }

  /** The bin of prediction {@code p}. */
  int bin(double p) {
    double z;
    if (!(p > 0)) { // also NaN
      z = -range;
    } else if (p >= 1) {
      z = range;
    } else {
      z = Math.log(p / (1 - p));
    }
    int b = (int) Math.floor((z + range) * scale);
    return Math.max(0, Math.min(positives.length - 1, b));
  }

  /**
   * Counts an example. A label {@code >= 0.5} counts as positive (labels are 0/1 for AUC).
   *
   * @param weight non-negative example weight
   */
  public void add(double prediction, double label, double weight) {
    addToBin(bin(prediction), label, weight);
  }

  /** {@link #add} into bin {@code b}, which {@link #bin} gave for the prediction. */
  void addToBin(int b, double label, double weight) {
    if (label >= 0.5) {
      positives[b] += weight;
      positiveWeight += weight;
    } else {
      negatives[b] += weight;
      negativeWeight += weight;
    }
  }

  /** Undoes an {@link #add} with the same arguments. */
  public void remove(double prediction, double label, double weight) {
    add(prediction, label, -weight);
  }

  /**
   * The area under the ROC curve: the probability that a random positive is ranked above a random
   * negative, ties counting ½. NaN while there is no positive or no negative.
   */
  public double auc() {
    if (!(positiveWeight > 0) || !(negativeWeight > 0)) {
      return Double.NaN;
    }
    double negativesBelow = 0;
    double ordered = 0;
    for (int b = 0; b < positives.length; b++) {
      double neg = negatives[b];
      double pos = positives[b];
      if (pos != 0) {
        ordered += pos * (negativesBelow + 0.5 * neg);
      }
      negativesBelow += neg;
    }
    return ordered / (positiveWeight * negativeWeight);
  }

  public double positiveWeight() {
    return positiveWeight;
  }

  public double negativeWeight() {
    return negativeWeight;
  }

  /** Number of bins. */
  public int bins() {
    return positives.length;
  }
}
