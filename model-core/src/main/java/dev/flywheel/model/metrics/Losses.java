package dev.flywheel.model.metrics;

/** Per-example loss functions shared by the metric classes. */
final class Losses {
  /** Predictions are clipped to [EPS, 1 - EPS] before the logarithm. */
  static final double EPS = 1e-15;

  private Losses() {}

  /** {@code -(y ln p + (1 - y) ln(1 - p))} with {@code p} clipped. */
  static double logLoss(double prediction, double label) {
    double p = prediction < EPS ? EPS : (prediction > 1 - EPS ? 1 - EPS : prediction);
    if (Double.isNaN(p)) {
      p = 0.5;
    }
    if (label == 1) {
      return -Math.log(p);
    }
    if (label == 0) {
      return -Math.log(1 - p);
    }
    return -(label * Math.log(p) + (1 - label) * Math.log(1 - p));
  }

  /** 1 when the prediction is on the label's side of 0.5, else 0. */
  static double correct(double prediction, double label) {
    return (prediction >= 0.5) == (label >= 0.5) ? 1 : 0;
  }
}
