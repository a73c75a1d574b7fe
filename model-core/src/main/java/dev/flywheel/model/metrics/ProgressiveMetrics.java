package dev.flywheel.model.metrics;

/**
 * Cumulative progressive-validation metrics over every example added: each prediction must be made
 * before the learner sees the example's label.
 *
 * <p>Memory is bounded and constant: a few running sums and one {@link LogitHistogram} (512 KiB at
 * the default 2^15 bins); {@link #add} is O(1) and allocates nothing; {@link #auc()} is O(bins).
 * Not thread-safe.
 */
public final class ProgressiveMetrics implements ClassificationMetrics {
  private final LogitHistogram histogram;
  private long count;
  private double weight;
  private double logLossSum;
  private double squaredErrorSum;
  private double correctSum;
  private double predictionSum;
  private double labelSum;

  public ProgressiveMetrics() {
    this(new LogitHistogram());
  }

  /** Metrics whose AUC uses {@code histogram} (which must be empty and is owned from now on). */
  public ProgressiveMetrics(LogitHistogram histogram) {
    this.histogram = histogram;
  }

  /** Counts one example of weight 1. */
  public void add(double prediction, double label) {
    add(prediction, label, 1.0);
  }

  /**
   * Counts one example.
   *
   * @param prediction the learner's prediction made before it saw {@code label}
   * @param label 0/1 for classification (any number for squared error)
   * @param weight non-negative, finite
   */
  public void add(double prediction, double label, double weight) {
    if (!(weight >= 0) || Double.isInfinite(weight)) {
      throw new IllegalArgumentException("weight must be finite and >= 0, got " + weight);
    }
    count++;
    this.weight += weight;
    logLossSum += weight * Losses.logLoss(prediction, label);
    double error = prediction - label;
    squaredErrorSum += weight * error * error;
    correctSum += weight * Losses.correct(prediction, label);
    predictionSum += weight * prediction;
    labelSum += weight * label;
    histogram.add(prediction, label, weight);
  }

  @Override
  public long count() {
    return count;
  }

  /** Sum of the example weights. */
  public double weight() {
    return weight;
  }

  @Override
  public double logLoss() {
    return weight > 0 ? logLossSum / weight : Double.NaN;
  }

  @Override
  public double auc() {
    return histogram.auc();
  }

  @Override
  public double accuracy() {
    return weight > 0 ? correctSum / weight : Double.NaN;
  }

  @Override
  public double calibration() {
    return labelSum > 0 ? predictionSum / labelSum : Double.NaN;
  }

  @Override
  public double meanSquaredError() {
    return weight > 0 ? squaredErrorSum / weight : Double.NaN;
  }
}
