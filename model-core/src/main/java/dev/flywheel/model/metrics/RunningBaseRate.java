package dev.flywheel.model.metrics;

/**
 * The constant-rate baseline of progressive validation: it predicts the rate of positive labels
 * seen so far and then learns the example's label.
 *
 * <p>The prediction is the Krichevsky–Trofimov estimate {@code (positives + ½) / (n + 1)}, i.e. a
 * Beta(½, ½) prior: its first prediction is ½, it never predicts exactly 0 or 1 (so its log loss
 * stays finite), and it is the standard sequential estimator whose cumulative log loss is within
 * {@code ½ ln n + O(1)} of the best constant chosen in hindsight. With weights, {@code positives}
 * and {@code n} are weight sums. Labels are clamped to [0, 1]. Not thread-safe.
 */
public final class RunningBaseRate {
  /** Pseudo-count of positives in the prior. */
  public static final double PRIOR_POSITIVES = 0.5;

  /** Pseudo-count of negatives in the prior. */
  public static final double PRIOR_NEGATIVES = 0.5;

  private double positives;
  private double total;

  /** The current prediction: {@code (positives + ½) / (n + 1)}. */
  public double predict() {
    return (positives + PRIOR_POSITIVES) / (total + PRIOR_POSITIVES + PRIOR_NEGATIVES);
  }

  /** Learns one label of weight 1. */
  public void learn(double label) {
    learn(label, 1.0);
  }

  /** Learns one label with a non-negative weight. */
  public void learn(double label, double weight) {
    if (!(weight >= 0) || Double.isInfinite(weight)) {
      throw new IllegalArgumentException("weight must be finite and >= 0, got " + weight);
    }
    double y = label < 0 ? 0 : (label > 1 ? 1 : label);
    positives += weight * y;
    total += weight;
  }

  /** Weighted number of positive labels learned. */
  public double positives() {
    return positives;
  }

  /** Weighted number of labels learned. */
  public double total() {
    return total;
  }
}
