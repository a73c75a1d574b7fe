package dev.flywheel.model;

/**
 * Stochastic gradient descent with optional heavy-ball momentum (the PyTorch form): with momentum μ
 * &gt; 0, one slot u per parameter, {@code u ← μ·u + g; θ ← θ − η·u}; with μ = 0 no slot and {@code
 * θ ← θ − η·g}. With lazy sparse rows, a row's velocity decays only on the steps that touch it.
 */
public final class SgdOptimizer implements Optimizer {
  private final double learningRate;
  private final double momentum;

  public SgdOptimizer(double learningRate, double momentum) {
    this.learningRate = learningRate;
    this.momentum = momentum;
  }

  @Override
  public int slotCount() {
    return momentum > 0 ? 1 : 0;
  }

  @Override
  public double initialSlotValue(int slot) {
    return 0.0;
  }

  @Override
  public void beginStep(long step) {}

  @Override
  public void updateDense(double[] param, double[][] slots, double[] grad, double gradScale) {
    apply(param, slots, 0, grad, 0, param.length, gradScale);
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
    for (int u = 0; u < rowCount; u++) {
      apply(param, slots, rows[u] * rowLength, grad, u * rowLength, rowLength, gradScale);
    }
  }

  private void apply(
      double[] p, double[][] slots, int off, double[] g, int goff, int len, double scale) {
    double lr = learningRate;
    if (momentum > 0) {
      double[] u = slots[0];
      double mu = momentum;
      for (int j = 0; j < len; j++) {
        double v = mu * u[off + j] + scale * g[goff + j];
        u[off + j] = v;
        p[off + j] -= lr * v;
      }
    } else {
      double step = lr * scale;
      for (int j = 0; j < len; j++) {
        p[off + j] -= step * g[goff + j];
      }
    }
  }
}
