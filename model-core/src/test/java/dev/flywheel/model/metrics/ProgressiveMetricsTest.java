package dev.flywheel.model.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ProgressiveMetricsTest {

  @Test
  void emptyMetricsAreNaN() {
    ProgressiveMetrics m = new ProgressiveMetrics();
    assertThat(m.count()).isZero();
    assertThat(m.logLoss()).isNaN();
    assertThat(m.auc()).isNaN();
    assertThat(m.accuracy()).isNaN();
    assertThat(m.calibration()).isNaN();
    assertThat(m.meanSquaredError()).isNaN();
  }

  @Test
  void handComputedValues() {
    ProgressiveMetrics m = new ProgressiveMetrics();
    m.add(0.8, 1);
    m.add(0.3, 0);
    m.add(0.6, 0);
    m.add(0.5, 1);
    assertThat(m.count()).isEqualTo(4);
    // -(ln .8 + ln .7 + ln .4 + ln .5) / 4
    double expectedLogLoss = -(Math.log(0.8) + Math.log(0.7) + Math.log(0.4) + Math.log(0.5)) / 4;
    assertThat(m.logLoss()).isCloseTo(expectedLogLoss, within(1e-12));
    assertThat(m.logLoss()).isCloseTo(0.5473141, within(1e-7));
    // 0.8 ≥ .5 right, 0.3 right, 0.6 wrong, 0.5 ≥ .5 right → 3/4
    assertThat(m.accuracy()).isEqualTo(0.75);
    // mean prediction 2.2/4 = 0.55, positive rate 0.5
    assertThat(m.calibration()).isCloseTo(1.1, within(1e-12));
    // (.04 + .09 + .36 + .25) / 4
    assertThat(m.meanSquaredError()).isCloseTo(0.185, within(1e-12));
    // positives 0.8, 0.5; negatives 0.3, 0.6: (0.8>0.3, 0.8>0.6, 0.5>0.3, 0.5<0.6) → 3/4
    assertThat(m.auc()).isEqualTo(0.75);
  }

  @Test
  void logLossClipsCertainWrongPredictions() {
    ProgressiveMetrics m = new ProgressiveMetrics();
    m.add(0.0, 1);
    assertThat(m.logLoss()).isCloseTo(-Math.log(1e-15), within(1e-9));
    ProgressiveMetrics n = new ProgressiveMetrics();
    n.add(1.0, 0);
    assertThat(n.logLoss()).isCloseTo(-Math.log(1e-15), within(1e-3));
    assertThat(n.logLoss()).isFinite();
  }

  @Test
  void weightsScaleContributions() {
    ProgressiveMetrics m = new ProgressiveMetrics();
    m.add(0.8, 1, 3);
    m.add(0.4, 0, 1);
    assertThat(m.count()).isEqualTo(2);
    assertThat(m.weight()).isEqualTo(4);
    assertThat(m.logLoss()).isCloseTo(-(3 * Math.log(0.8) + Math.log(0.6)) / 4, within(1e-12));
    // mean prediction (2.4 + 0.4)/4 = 0.7, positive rate 3/4
    assertThat(m.calibration()).isCloseTo(0.7 / 0.75, within(1e-12));
    assertThatThrownBy(() -> m.add(0.5, 1, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("weight")
        .hasMessageContaining("-1");
  }

  @Test
  void squaredErrorForRegressionLabels() {
    ProgressiveMetrics m = new ProgressiveMetrics();
    m.add(2.5, 3.0);
    m.add(-1.0, 1.0);
    assertThat(m.meanSquaredError()).isCloseTo((0.25 + 4.0) / 2, within(1e-12));
  }
}
