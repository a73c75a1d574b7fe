package dev.flywheel.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Each optimiser's update rule on one parameter, computed by hand, and lazy row updates. */
class OptimizerTest {
  private static final double TOL = 1e-15;

  private static double[][] slots(Optimizer o, int length) {
    double[][] s = new double[o.slotCount()][length];
    for (int k = 0; k < s.length; k++) {
      java.util.Arrays.fill(s[k], o.initialSlotValue(k));
    }
    return s;
  }

  @Test
  void sgdWithMomentum() {
    // lr 0.1, μ 0.9, θ = 1: g = 0.5 → u = 0.5, θ = 0.95; g = −0.2 → u = 0.45 − 0.2 = 0.25, θ =
    // 0.925
    Optimizer o = new SgdOptimizer(0.1, 0.9);
    double[] p = {1.0};
    double[][] s = slots(o, 1);
    o.beginStep(1);
    o.updateDense(p, s, new double[] {0.5}, 1.0);
    assertThat(p[0]).isCloseTo(0.95, within(TOL));
    o.beginStep(2);
    o.updateDense(p, s, new double[] {-0.2}, 1.0);
    assertThat(s[0][0]).isCloseTo(0.25, within(TOL));
    assertThat(p[0]).isCloseTo(0.925, within(TOL));
    assertThat(new SgdOptimizer(0.1, 0).slotCount()).isZero();
  }

  @Test
  void adaGrad() {
    // lr 0.1, a0 = 0.1, ε = 1e−10, θ = 1, g = 0.5: a = 0.35, θ = 1 − 0.1·0.5/(√0.35 + ε)
    Optimizer o = new AdaGradOptimizer(0.1, 0.1, 1e-10);
    double[] p = {1.0};
    double[][] s = slots(o, 1);
    assertThat(s[0][0]).isEqualTo(0.1);
    o.beginStep(1);
    o.updateDense(p, s, new double[] {0.5}, 1.0);
    assertThat(s[0][0]).isCloseTo(0.35, within(TOL));
    assertThat(p[0]).isCloseTo(0.9154845745414341, within(TOL));
  }

  /**
   * lr 0.1, β1 0.9, β2 0.999, ε 1e−8, θ = 1. Step 1, g = 0.5: m = 0.05, v = 2.5e−4, η_1 =
   * 0.1·√0.001 / 0.1, θ = 1 − η_1·m/(√v + ε) = 0.9000000632455132 (≈ θ − lr, Adam's first step).
   * Step 2, g = −0.2: m = 0.045 − 0.02 = 0.025, v = 2.4975e−4 + 4e−5 = 2.8975e−4, η_2 = 0.1·√(1 −
   * 0.999²) / (1 − 0.81), θ = 0.8654394987576698.
   */
  @Test
  void adamWithBiasCorrection() {
    Optimizer o = new AdamOptimizer(0.1, 0.9, 0.999, 1e-8);
    double[] p = {1.0};
    double[][] s = slots(o, 1);
    o.beginStep(1);
    o.updateDense(p, s, new double[] {0.5}, 1.0);
    assertThat(p[0]).isCloseTo(0.9000000632455132, within(TOL));
    o.beginStep(2);
    o.updateDense(p, s, new double[] {-0.2}, 1.0);
    assertThat(s[0][0]).isCloseTo(0.025, within(TOL));
    assertThat(s[1][0]).isCloseTo(2.8975e-4, within(TOL));
    assertThat(p[0]).isCloseTo(0.8654394987576698, within(TOL));
  }

  @Test
  void rowUpdatesTouchOnlyTheirRowsAndGradScaleScalesTheGradient() {
    for (Optimizer o :
        new Optimizer[] {
          new SgdOptimizer(0.1, 0.5),
          new AdaGradOptimizer(0.1, 0.1, 0),
          new AdamOptimizer(0.1, 0.9, 0.99, 1e-8)
        }) {
      // a 4 × 2 table; rows 2 and 0 (in that order) get packed gradients [g2 | g0]
      double[] p = {1, 2, 3, 4, 5, 6, 7, 8};
      double[][] s = slots(o, 8);
      double[] reference = {1, 2, 5, 6};
      double[][] refSlots = slots(o, 4);
      o.beginStep(1);
      o.updateRows(p, s, new int[] {2, 0}, 2, 2, new double[] {0.4, -0.2, 0.6, 0.8}, 0.5);
      // the same as a dense update of just those rows with halved gradients
      o.updateDense(reference, refSlots, new double[] {0.3, 0.4, 0.2, -0.1}, 1.0);
      assertThat(p[0]).isCloseTo(reference[0], within(TOL));
      assertThat(p[1]).isCloseTo(reference[1], within(TOL));
      assertThat(p[4]).isCloseTo(reference[2], within(TOL));
      assertThat(p[5]).isCloseTo(reference[3], within(TOL));
      assertThat(new double[] {p[2], p[3], p[6], p[7]}).containsExactly(3, 4, 7, 8);
      for (int k = 0; k < s.length; k++) {
        assertThat(s[k][2]).isEqualTo(o.initialSlotValue(k));
        assertThat(s[k][7]).isEqualTo(o.initialSlotValue(k));
        assertThat(s[k][4]).isNotEqualTo(o.initialSlotValue(k));
      }
    }
  }
}
