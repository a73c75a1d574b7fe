package dev.flywheel.model;

/**
 * Adam with lazy sparse updates. Two slots, first moment m and second moment v (both start at 0):
 *
 * <pre>
 *   m ← β1·m + (1−β1)·g
 *   v ← β2·v + (1−β2)·g²
 *   θ ← θ − η_t · m / (√v + ε),   η_t = η · √(1 − β2^t) / (1 − β1^t)
 * </pre>
 *
 * (the "efficient" form of Kingma &amp; Ba, section 2, as TensorFlow implements it: ε is added to
 * √v, not to the bias-corrected √v̂).
 *
 * <p><b>Bias correction with lazy rows.</b> t is the global step number (the model version after
 * the step), for dense and sparse parameters alike, as in TensorFlow's LazyAdam. A sparse row's
 * moments are decayed only on the steps that touch it, so for a rarely touched row m and v are
 * larger than a dense Adam would have them (they have not decayed over the skipped steps) and the
 * correction factor reflects global, not per-row, age: for a row first touched at step t &gt; 1 the
 * first update is smaller than dense Adam's first step (m is (1−β1)·g but divided by 1−β1^t &gt;
 * 1−β1). This is the accepted trade-off of lazy Adam: cost proportional to the touched rows.
 */
public final class AdamOptimizer implements Optimizer {
  private final double learningRate;
  private final double beta1;
  private final double beta2;
  private final double epsilon;
  private double stepSize;

  public AdamOptimizer(double learningRate, double beta1, double beta2, double epsilon) {
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.stepSize = learningRate;
  }

  @Override
  public int slotCount() {
    return 2;
  }

  @Override
  public double initialSlotValue(int slot) {
    return 0.0;
  }

  @Override
  public void beginStep(long step) {
    // η_t = η · √(1 − β2^t) / (1 − β1^t)
    stepSize =
        learningRate * Math.sqrt(1.0 - Math.pow(beta2, step)) / (1.0 - Math.pow(beta1, step));
  }

  @Override
  public void updateDense(double[] param, double[][] slots, double[] grad, double gradScale) {
    apply(param, slots[0], slots[1], 0, grad, 0, param.length, gradScale);
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
    double[] m = slots[0];
    double[] v = slots[1];
    for (int u = 0; u < rowCount; u++) {
      apply(param, m, v, rows[u] * rowLength, grad, u * rowLength, rowLength, gradScale);
    }
  }

  private void apply(
      double[] p, double[] m, double[] v, int off, double[] g, int goff, int len, double scale) {
    double b1 = beta1;
    double b2 = beta2;
    double eta = stepSize;
    double eps = epsilon;
    for (int j = 0; j < len; j++) {
      double gj = scale * g[goff + j];
      double mj = b1 * m[off + j] + (1.0 - b1) * gj;
      double vj = b2 * v[off + j] + (1.0 - b2) * gj * gj;
      m[off + j] = mj;
      v[off + j] = vj;
      p[off + j] -= eta * mj / (Math.sqrt(vj) + eps);
    }
  }
}
