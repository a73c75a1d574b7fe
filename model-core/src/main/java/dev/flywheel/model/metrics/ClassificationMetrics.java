package dev.flywheel.model.metrics;

/**
 * A read-only view of progressive prediction metrics. All means are weighted by the example
 * weights; every figure is NaN while no example has been counted (AUC also while one class is
 * missing).
 */
public interface ClassificationMetrics {
  /** Number of examples counted. */
  long count();

  /** Mean log loss, predictions clipped to [1e-15, 1 - 1e-15]. */
  double logLoss();

  /** Area under the ROC curve (binned, see {@link LogitHistogram}). */
  double auc();

  /** Fraction of examples whose prediction is on the label's side of 0.5. */
  double accuracy();

  /**
   * Mean prediction divided by the mean label: 1 is calibrated, above 1 over-predicts. NaN when no
   * positive label has been seen.
   */
  double calibration();

  /** Mean squared error of the prediction (the Brier score for 0/1 labels). */
  double meanSquaredError();
}
