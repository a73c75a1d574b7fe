package dev.flywheel.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Finite-difference checks of the analytic gradient of every parameter block (b, w, E, each W_l and
 * c_l, v) against central differences of the batch objective, in double precision.
 *
 * <p>Objective: (1/n)·Σ ω_i·ℓ(z_i, y_i) + ½·l2·(‖W‖² + ‖v‖² + ‖touched rows of w and E‖²). Central
 * difference with step h = 1e-6: truncation error O(h²·f''') ≈ 1e-12 and rounding error ≈
 * 1e-16·|f|/h ≈ 1e-10, so we require relative error |a − n| / max(|a| + |n|, 1e-6) ≤ 1e-5 for every
 * element. The FM checks use 6 buckets for up to 8 features per example, so examples hold duplicate
 * buckets. (A pre-activation within h of a ReLU kink would make the difference quotient wrong; it
 * would show up as a failure, never as a false pass, and does not happen for these seeds.)
 */
class GradientCheckTest {
  private static final double H = 1e-6;
  private static final double TOLERANCE = 1e-5;

  private static ModelConfig.Builder tiny() {
    return ModelConfig.builder()
        .hashBits(5)
        .embeddingDim(3)
        .initStdDev(0.5)
        .optimizer(ModelConfig.OptimizerType.SGD)
        .learningRate(0.1)
        .scalerWarmup(1)
        .maxBatchSize(16);
  }

  @Test
  void twoHiddenLayersLogistic() {
    check(tiny().hiddenLayers(5, 4).build(), false, 0, 11);
  }

  @Test
  void oneHiddenLayerSquared() {
    check(tiny().hiddenLayers(4).loss(ModelConfig.LossType.SQUARED).build(), true, 0, 12);
  }

  @Test
  void threeHiddenLayersWithL2() {
    check(tiny().hiddenLayers(4, 3, 2).l2(0.03).build(), false, 0, 13);
  }

  @Test
  void noHiddenLayersIsLogisticRegression() {
    check(tiny().hiddenLayers().l2(0.01).build(), false, 0, 14);
  }

  @Test
  void numericFeaturesScaledByAWarmScaler() {
    check(tiny().hiddenLayers(4).build(), false, 2, 15);
  }

  @Test
  void factorizationMachineWithTheDeepTowerDuplicatesAndNumerics() {
    // 6 buckets for up to 8 features per example: duplicate buckets within an example
    check(
        tiny().hiddenLayers(4, 3).interactions(ModelConfig.Interactions.FM).l2(0.02).build(),
        false,
        2,
        16,
        6,
        false);
  }

  @Test
  void factorizationMachineSquaredLoss() {
    check(
        tiny()
            .hiddenLayers(4)
            .interactions(ModelConfig.Interactions.FM)
            .loss(ModelConfig.LossType.SQUARED)
            .build(),
        true,
        1,
        17,
        20,
        false);
  }

  @Test
  void factorizationMachineAloneWithTheDeepOutputZeroed() {
    // v = 0: z_deep = 0 and ∂z_deep/∂E = 0, so the E gradient is the FM term's alone
    check(
        tiny().hiddenLayers(3).interactions(ModelConfig.Interactions.FM).build(),
        false,
        2,
        18,
        6,
        true);
  }

  private static void check(ModelConfig config, boolean regression, int numerics, long seed) {
    check(config, regression, numerics, seed, 20, false);
  }

  private static void check(
      ModelConfig config,
      boolean regression,
      int numerics,
      long seed,
      int rowsUsed,
      boolean zeroDeepOutput) {
    Random r = new Random(seed);
    Model m = new Model(config);
    // a few training steps first: non-zero wide weights, biases, and a warm scaler
    for (int s = 0; s < 3; s++) {
      m.train(Batches.random(r, 8, rowsUsed, 4, numerics, regression), null);
    }
    if (zeroDeepOutput) {
      java.util.Arrays.fill(m.state().values(m.state().blockCount() - 3), 0.0);
    }
    // the older checks keep their original batches (5 features); the FM ones use up to 8
    int maxFeatures = config.hasFactorizationMachine() ? 8 : 5;
    SparseBatch batch = Batches.random(r, 7, rowsUsed, maxFeatures, numerics, regression);
    double[][] analytic = m.gradientBlocks(batch);
    assertThat(analytic).as("gradient of a valid batch").isNotNull();
    ModelState st = m.state();
    boolean[] touched = new boolean[config.buckets()];
    for (int k = 0; k < batch.nonZeros(); k++) {
      touched[batch.index(k)] = true;
    }
    int checked = 0;
    for (int k = 0; k < st.blockCount(); k++) {
      double[] p = st.values(k);
      int rowLength = st.isSparse(k) ? st.rowLength(k) : p.length;
      for (int q = 0; q < p.length; q++) {
        if (st.isSparse(k) && !touched[q / rowLength] && q / rowLength != 25) {
          continue; // untouched rows: only bucket 25 is checked (its gradient must be 0)
        }
        double saved = p[q];
        p[q] = saved + H;
        double plus = objective(m, batch, touched);
        p[q] = saved - H;
        double minus = objective(m, batch, touched);
        p[q] = saved;
        double numeric = (plus - minus) / (2 * H);
        double a = analytic[k][q];
        double rel = Math.abs(a - numeric) / Math.max(Math.abs(a) + Math.abs(numeric), 1e-6);
        assertThat(rel)
            .as("block %s element %d: analytic %s numeric %s", st.blockName(k), q, a, numeric)
            .isLessThanOrEqualTo(TOLERANCE);
        checked++;
      }
    }
    assertThat(checked).isGreaterThan(10);
    // the gradient of an untouched row is exactly zero (lazy sparse gradient)
    int w = config.hasDeepTower() ? st.blockCount() - 2 : st.blockCount() - 1;
    assertThat(touched[25]).isFalse();
    assertThat(analytic[w][25]).isZero();
  }

  /** The objective the model minimises for this batch, L2 term included. */
  private static double objective(Model m, SparseBatch batch, boolean[] touched) {
    double l2 = m.config().l2();
    double penalty = 0.0;
    if (l2 > 0) {
      ModelState st = m.state();
      for (int k = 0; k < st.blockCount(); k++) {
        String name = st.blockName(k);
        double[] p = st.values(k);
        if (name.startsWith("W") || name.equals("v")) {
          for (double x : p) {
            penalty += x * x;
          }
        } else if (st.isSparse(k)) {
          int len = st.rowLength(k);
          for (int q = 0; q < p.length; q++) {
            if (touched[q / len]) {
              penalty += p[q] * p[q];
            }
          }
        }
      }
    }
    return m.loss(batch) + 0.5 * l2 * penalty;
  }
}
