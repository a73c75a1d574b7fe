package dev.flywheel.model;

import java.util.Random;

/** Seeded batch generators shared by the tests. */
final class Batches {
  private Batches() {}

  /**
   * A random batch: each example has 1..maxFeatures categorical features among the first {@code
   * rowsUsed} buckets (duplicates allowed), values in [0.5, 1.5), plus {@code numerics} numeric
   * features on buckets {@code rowsUsed..rowsUsed+numerics) with raw values ~ N(3, 2²); labels
   * Bernoulli(0.5) (or N(0,1) when {@code regression}); weights in [0.5, 2).
   */
  static SparseBatch random(
      Random r, int n, int rowsUsed, int maxFeatures, int numerics, boolean regression) {
    SparseBatch b = new SparseBatch(n, maxFeatures + numerics);
    fill(b, r, n, rowsUsed, maxFeatures, numerics, regression);
    return b;
  }

  static void fill(
      SparseBatch b,
      Random r,
      int n,
      int rowsUsed,
      int maxFeatures,
      int numerics,
      boolean regression) {
    b.clear();
    for (int i = 0; i < n; i++) {
      int f = 1 + r.nextInt(maxFeatures);
      for (int k = 0; k < f; k++) {
        b.add(r.nextInt(rowsUsed), 0.5 + r.nextDouble());
      }
      for (int k = 0; k < numerics; k++) {
        b.addNumeric(rowsUsed + k, 3 + 2 * r.nextGaussian());
      }
      double label = regression ? r.nextGaussian() : (r.nextBoolean() ? 1.0 : 0.0);
      b.endExample(label, 0.5 + 1.5 * r.nextDouble());
    }
  }

  /** Asserts that two models hold bit-identical parameters, slots, scaler and counters. */
  static void assertSameState(Model expected, Model actual) {
    ModelState e = expected.state();
    ModelState a = actual.state();
    org.assertj.core.api.Assertions.assertThat(a.blockCount()).isEqualTo(e.blockCount());
    for (int k = 0; k < e.blockCount(); k++) {
      org.assertj.core.api.Assertions.assertThat(java.util.Arrays.equals(e.values(k), a.values(k)))
          .as("block %s values", e.blockName(k))
          .isTrue();
      for (int s = 0; s < e.slots(k).length; s++) {
        org.assertj.core.api.Assertions.assertThat(
                java.util.Arrays.equals(e.slots(k)[s], a.slots(k)[s]))
            .as("block %s slot %d", e.blockName(k), s)
            .isTrue();
      }
    }
    org.assertj.core.api.Assertions.assertThat(a.scalerCount()).isEqualTo(e.scalerCount());
    org.assertj.core.api.Assertions.assertThat(
            java.util.Arrays.equals(a.scalerMean(), e.scalerMean()))
        .isTrue();
    org.assertj.core.api.Assertions.assertThat(java.util.Arrays.equals(a.scalerM2(), e.scalerM2()))
        .isTrue();
    org.assertj.core.api.Assertions.assertThat(actual.version()).isEqualTo(expected.version());
    org.assertj.core.api.Assertions.assertThat(actual.examplesSeen())
        .isEqualTo(expected.examplesSeen());
    org.assertj.core.api.Assertions.assertThat(actual.skippedBatches())
        .isEqualTo(expected.skippedBatches());
  }

  /** Whether every parameter, slot and scaler statistic of {@code m} is finite. */
  static boolean allFinite(Model m) {
    return m.state().allFinite();
  }
}
