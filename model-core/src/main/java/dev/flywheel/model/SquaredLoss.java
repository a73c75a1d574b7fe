package dev.flywheel.model;

/**
 * Squared loss on a linear output: prediction = z, ℓ(z, y) = ½(z − y)², ∂ℓ/∂z = z − y. Any finite
 * label is valid.
 */
public final class SquaredLoss implements Loss {
  /** The single instance. */
  public static final SquaredLoss INSTANCE = new SquaredLoss();

  private SquaredLoss() {}

  @Override
  public double prediction(double z) {
    return z;
  }

  @Override
  public double loss(double z, double label) {
    double r = z - label;
    return 0.5 * r * r;
  }

  @Override
  public double gradient(double z, double label) {
    return z - label;
  }

  @Override
  public boolean validLabel(double label) {
    return Double.isFinite(label);
  }

  @Override
  public String toString() {
    return "SquaredLoss";
  }
}
