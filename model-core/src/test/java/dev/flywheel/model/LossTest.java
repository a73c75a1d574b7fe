package dev.flywheel.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * Each loss: its gradient against central differences (h = 1e-6, relative error ≤ 1e-7, both in
 * double precision), hand values, and stability at extreme logits.
 */
class LossTest {

  @Test
  void gradientsMatchFiniteDifferences() {
    double h = 1e-6;
    for (Loss loss : new Loss[] {LogisticLoss.INSTANCE, SquaredLoss.INSTANCE}) {
      for (double z : new double[] {-7.5, -2, -0.3, 0.01, 0.7, 3, 12}) {
        for (double y : new double[] {0, 0.25, 1}) {
          double numeric = (loss.loss(z + h, y) - loss.loss(z - h, y)) / (2 * h);
          double a = loss.gradient(z, y);
          double rel = Math.abs(a - numeric) / Math.max(Math.abs(a) + Math.abs(numeric), 1e-9);
          assertThat(rel).as("%s z=%s y=%s", loss, z, y).isLessThan(1e-7);
        }
      }
    }
  }

  @Test
  void logisticHandValues() {
    Loss l = LogisticLoss.INSTANCE;
    // z = 0: p = 1/2, ℓ = ln 2 for either label, ∂ℓ/∂z = 1/2 − y
    assertThat(l.prediction(0)).isEqualTo(0.5);
    assertThat(l.loss(0, 1)).isCloseTo(Math.log(2), within(1e-15));
    assertThat(l.gradient(0, 1)).isEqualTo(-0.5);
    // z = ln 3: p = 3/4; ℓ(y=1) = −ln(3/4); ℓ(y=0) = −ln(1/4)
    double z = Math.log(3);
    assertThat(l.prediction(z)).isCloseTo(0.75, within(1e-15));
    assertThat(l.loss(z, 1)).isCloseTo(-Math.log(0.75), within(1e-15));
    assertThat(l.loss(z, 0)).isCloseTo(-Math.log(0.25), within(1e-15));
  }

  @Test
  void logisticIsStableAtExtremeLogits() {
    Loss l = LogisticLoss.INSTANCE;
    // ℓ(z, 0) ≈ z for large z; ℓ(−z, 1) ≈ z; never overflows to infinity
    assertThat(l.loss(800, 0)).isCloseTo(800, within(1e-9));
    assertThat(l.loss(-800, 1)).isCloseTo(800, within(1e-9));
    assertThat(l.loss(800, 1)).isZero();
    assertThat(l.prediction(-800)).isZero();
    assertThat(l.prediction(800)).isEqualTo(1.0);
    assertThat(l.gradient(-800, 1)).isEqualTo(-1.0);
  }

  @Test
  void squaredHandValuesAndLabelValidity() {
    Loss l = SquaredLoss.INSTANCE;
    // ℓ = ½(2.5 − 1)² = 1.125 ; ∂ℓ/∂z = 1.5
    assertThat(l.loss(2.5, 1)).isEqualTo(1.125);
    assertThat(l.gradient(2.5, 1)).isEqualTo(1.5);
    assertThat(l.validLabel(-3e5)).isTrue();
    assertThat(l.validLabel(Double.NaN)).isFalse();
    assertThat(l.validLabel(Double.POSITIVE_INFINITY)).isFalse();
    assertThat(LogisticLoss.INSTANCE.validLabel(1.5)).isFalse();
    assertThat(LogisticLoss.INSTANCE.validLabel(-0.1)).isFalse();
    assertThat(LogisticLoss.INSTANCE.validLabel(Double.NaN)).isFalse();
  }
}
