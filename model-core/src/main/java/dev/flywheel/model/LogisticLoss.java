package dev.flywheel.model;

/**
 * Log loss on a sigmoid output: p = σ(z) = 1 / (1 + e^−z), ℓ(z, y) = −y·log p − (1−y)·log(1−p),
 * computed as {@code max(z, 0) − y·z + log1p(e^−|z|)} so that it never overflows; ∂ℓ/∂z = p − y.
 * Labels must lie in [0, 1] (soft labels allowed).
 */
public final class LogisticLoss implements Loss {
  /** The single instance. */
  public static final LogisticLoss INSTANCE = new LogisticLoss();

  private LogisticLoss() {}

  /** σ(z), evaluated without overflow for either sign of {@code z}. */
  public static double sigmoid(double z) {
    if (z >= 0) {
      return 1.0 / (1.0 + Math.exp(-z));
    }
    double e = Math.exp(z);
    return e / (1.0 + e);
  }

  @Override
  public double prediction(double z) {
    return sigmoid(z);
  }

  @Override
  public double loss(double z, double label) {
    return Math.max(z, 0.0) - label * z + Math.log1p(Math.exp(-Math.abs(z)));
  }

  @Override
  public double gradient(double z, double label) {
    return sigmoid(z) - label;
  }

  @Override
  public boolean validLabel(double label) {
    return label >= 0.0 && label <= 1.0;
  }

  @Override
  public String toString() {
    return "LogisticLoss";
  }
}
