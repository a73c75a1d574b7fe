package dev.flywheel.model.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RunningBaseRateTest {

  @Test
  void predictsKrichevskyTrofimovEstimates() {
    RunningBaseRate r = new RunningBaseRate();
    assertThat(r.predict()).isEqualTo(0.5);
    r.learn(0);
    assertThat(r.predict()).isCloseTo(0.25, within(1e-15)); // (0 + .5) / (1 + 1)
    r.learn(0);
    assertThat(r.predict()).isCloseTo(0.5 / 3, within(1e-15));
    r.learn(1);
    assertThat(r.predict()).isCloseTo(1.5 / 4, within(1e-15));
    assertThat(r.positives()).isEqualTo(1);
    assertThat(r.total()).isEqualTo(3);
  }

  @Test
  void progressiveLogLossOfASmallStream() {
    RunningBaseRate r = new RunningBaseRate();
    ProgressiveMetrics m = new ProgressiveMetrics();
    double[] labels = {0, 0, 1, 0};
    for (double y : labels) {
      m.add(r.predict(), y);
      r.learn(y);
    }
    // predictions .5, .25, 1/6, 1.5/4 → -(ln .5 + ln .75 + ln(1/6) + ln(1 - .375)) / 4
    double expected = -(Math.log(0.5) + Math.log(0.75) + Math.log(1.0 / 6) + Math.log(0.625)) / 4;
    assertThat(m.logLoss()).isCloseTo(expected, within(1e-12));
  }

  @Test
  void weightsAndClampedLabels() {
    RunningBaseRate r = new RunningBaseRate();
    r.learn(1, 2);
    r.learn(5, 1); // clamped to 1
    r.learn(-1, 1); // clamped to 0
    assertThat(r.predict()).isCloseTo(3.5 / 5, within(1e-15));
  }
}
