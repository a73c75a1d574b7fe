package dev.flywheel.model;

/**
 * AdaGrad: one slot, the accumulated squared gradient a (starting at the configured initial
 * accumulator): {@code a ← a + g²; θ ← θ − η·g / (√a + ε)}. Sparse rows accumulate only on the
 * steps that touch them, which is exactly AdaGrad (an untouched row has gradient 0).
 */
public final class AdaGradOptimizer implements Optimizer {
  private final double learningRate;
  private final double initialAccumulator;
  private final double epsilon;

  public AdaGradOptimizer(double learningRate, double initialAccumulator, double epsilon) {
    this.learningRate = learningRate;
    this.initialAccumulator = initialAccumulator;
    this.epsilon = epsilon;
  }

  @Override
  public int slotCount() {
    return 1;
  }

  @Override
  public double initialSlotValue(int slot) {
    return initialAccumulator;
  }

  @Override
  public void beginStep(long step) {}

  @Override
  public void updateDense(double[] param, double[][] slots, double[] grad, double gradScale) {
    apply(param, slots[0], 0, grad, 0, param.length, gradScale);
  }

  @Override
  public void updateRows(
      double[] param,
      double[][] slots,
      int[] rows,
      int rowCount,
      int rowLength,
      double[] grad,
      double gradScale) {
    double[] acc = slots[0];
    for (int u = 0; u < rowCount; u++) {
      apply(param, acc, rows[u] * rowLength, grad, u * rowLength, rowLength, gradScale);
    }
  }

  private void apply(
      double[] p, double[] acc, int off, double[] g, int goff, int len, double scale) {
    double lr = learningRate;
    double eps = epsilon;
    if (scale == 1.0) {
      // the common case (no clipping): 1·g = g exactly, so the product is left out
      for (int j = 0; j < len; j++) {
        double gj = g[goff + j];
        double a = acc[off + j] + gj * gj;
        acc[off + j] = a;
        p[off + j] -= lr * gj / (Math.sqrt(a) + eps);
      }
      return;
    }
    for (int j = 0; j < len; j++) {
      double gj = scale * g[goff + j];
      double a = acc[off + j] + gj * gj;
      acc[off + j] = a;
      p[off + j] -= lr * gj / (Math.sqrt(a) + eps);
    }
  }
}
