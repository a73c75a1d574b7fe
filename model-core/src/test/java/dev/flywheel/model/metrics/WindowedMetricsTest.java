package dev.flywheel.model.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class WindowedMetricsTest {

  @Test
  void keepsOnlyTheLastExamples() {
    WindowedMetrics w = new WindowedMetrics(2);
    w.add(0.9, 0); // will be evicted
    w.add(0.8, 1);
    w.add(0.3, 0);
    assertThat(w.count()).isEqualTo(2);
    assertThat(w.logLoss()).isCloseTo(-(Math.log(0.8) + Math.log(0.7)) / 2, within(1e-12));
    assertThat(w.accuracy()).isEqualTo(1.0);
    assertThat(w.auc()).isEqualTo(1.0);
    assertThat(w.calibration()).isCloseTo(1.1, within(1e-12));
    assertThat(w.meanSquaredError()).isCloseTo((0.04 + 0.09) / 2, within(1e-12));
  }

  @Test
  void equalsFreshMetricsOverTheSameWindowAfterManyEvictions() {
    int capacity = 500;
    WindowedMetrics w = new WindowedMetrics(capacity);
    Random random = new Random(21);
    int n = 10_037;
    double[] p = new double[n];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      p[i] = random.nextDouble();
      y[i] = random.nextDouble() < p[i] ? 1 : 0;
      w.add(p[i], y[i]);
    }
    ProgressiveMetrics fresh = new ProgressiveMetrics();
    for (int i = n - capacity; i < n; i++) {
      fresh.add(p[i], y[i]);
    }
    assertThat(w.count()).isEqualTo(capacity);
    assertThat(w.capacity()).isEqualTo(capacity);
    assertThat(w.logLoss()).isCloseTo(fresh.logLoss(), within(1e-9));
    assertThat(w.accuracy()).isCloseTo(fresh.accuracy(), within(1e-9));
    assertThat(w.calibration()).isCloseTo(fresh.calibration(), within(1e-9));
    assertThat(w.meanSquaredError()).isCloseTo(fresh.meanSquaredError(), within(1e-9));
    assertThat(w.auc()).isEqualTo(fresh.auc());
  }

  @Test
  void capacityIsValidated() {
    assertThatThrownBy(() -> new WindowedMetrics(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("window capacity must be >= 1, got 0");
  }
}
