package dev.flywheel.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** A tiny model with hand-set parameters, its prediction and one SGD step computed by hand. */
class GoldenValuesTest {

  /**
   * hashBits 2 (4 buckets), d = 2, hidden {2}, LOGISTIC, SGD lr 0.1. Parameters:
   *
   * <pre>
   *   b = 0.1        w = [0.5, −0.25, 0, 0]
   *   E[0] = [1, 2]  E[1] = [−1, 0.5]  (E[2] = E[3] = 0)
   *   W1 = [[0.5, −1], [0.25, 1]]  (in × out)   c1 = [0.1, −0.2]   v = [1, −2]
   * </pre>
   *
   * Example: features (bucket 0, value 1), (bucket 1, value 2), label 1.
   *
   * <pre>
   *   z_w = 0.1 + 1·0.5 + 2·(−0.25)                    = 0.1
   *   h0  = 1·[1, 2] + 2·[−1, 0.5]                      = [−1, 3]
   *   a1  = h0·W1 + c1 = [−0.5 + 0.75, 1 + 3] + [0.1, −0.2] = [0.35, 3.8]   (both > 0: relu keeps)
   *   z_d = 0.35·1 + 3.8·(−2)                            = −7.25
   *   z   = 0.1 − 7.25 = −7.15 ;  p = σ(−7.15) = 1/(1 + e^7.15) = 7.842485527910258e−4
   *   ℓ   = −ln p = 7.150784556236565
   * </pre>
   *
   * Backward with dz = p − 1 = −0.999215751447209 (n = 1, weight 1):
   *
   * <pre>
   *   gb = dz ;  gw[0] = 1·dz ; gw[1] = 2·dz ;  gv = a1·dz
   *   dpre1 = dz·v = [dz, −2dz] (both units active) ; gc1 = dpre1
   *   gW1[q][j] = h0[q]·dpre1[j]  → gW1[1][1] = 3·(−2dz) = −6dz
   *   dh0 = W1·dpre1 = [0.5dz + 2dz, 0.25dz − 2dz] = [2.5dz, −1.75dz]
   *   gE[1] = 2·dh0 = [5dz, −3.5dz]
   * </pre>
   *
   * After θ ← θ − 0.1·g: b = 0.1 − 0.1dz = 0.19992157514472092, w[1] = −0.25 − 0.2dz =
   * −0.0501568497105582, v = [1 − 0.035dz, −2 − 0.38dz] = [1.0349725513006522,
   * −1.6202980144500607], W1[1][1] = 1 + 0.6dz = 0.40047054913167457, E[1] = [−1 − 0.5dz, 0.5 +
   * 0.35dz] = [−0.5003921242763956, 0.15027448699347684].
   */
  @Test
  void handComputedPredictionAndSgdStep() {
    Model m =
        new Model(
            ModelConfig.builder()
                .hashBits(2)
                .embeddingDim(2)
                .hiddenLayers(2)
                .optimizer(ModelConfig.OptimizerType.SGD)
                .learningRate(0.1)
                .maxBatchSize(4)
                .build());
    ModelState st = m.state();
    assertThat(st.blockName(0)).isEqualTo("b");
    assertThat(st.blockName(1)).isEqualTo("W1");
    assertThat(st.blockName(2)).isEqualTo("c1");
    assertThat(st.blockName(3)).isEqualTo("v");
    assertThat(st.blockName(4)).isEqualTo("w");
    assertThat(st.blockName(5)).isEqualTo("E");
    set(st.values(0), 0.1);
    set(st.values(1), 0.5, -1, 0.25, 1);
    set(st.values(2), 0.1, -0.2);
    set(st.values(3), 1, -2);
    set(st.values(4), 0.5, -0.25, 0, 0);
    set(st.values(5), 1, 2, -1, 0.5, 0, 0, 0, 0);

    SparseBatch batch = new SparseBatch(1, 2);
    batch.add(0, 1.0);
    batch.add(1, 2.0);
    batch.endExample(1.0);
    double[] p = new double[1];
    m.score(batch, p);
    assertThat(p[0]).isCloseTo(7.842485527910258e-4, within(1e-17));
    assertThat(m.loss(batch)).isCloseTo(7.150784556236565, within(1e-13));

    double[] before = new double[1];
    double loss = m.train(batch, before);
    assertThat(before[0]).isEqualTo(p[0]);
    assertThat(loss).isCloseTo(7.150784556236565, within(1e-13));
    double tol = 1e-14;
    assertThat(st.values(0)[0]).isCloseTo(0.19992157514472092, within(tol));
    assertThat(st.values(4)[1]).isCloseTo(-0.0501568497105582, within(tol));
    assertThat(st.values(3)[0]).isCloseTo(1.0349725513006522, within(tol));
    assertThat(st.values(3)[1]).isCloseTo(-1.6202980144500607, within(tol));
    assertThat(st.values(1)[3]).isCloseTo(0.40047054913167457, within(tol));
    assertThat(st.values(5)[2]).isCloseTo(-0.5003921242763956, within(tol));
    assertThat(st.values(5)[3]).isCloseTo(0.15027448699347684, within(tol));
    // untouched rows stay as they were
    assertThat(st.values(4)[2]).isZero();
    assertThat(st.values(5)[4]).isZero();
    assertThat(m.touchedRowCount()).isEqualTo(2);
  }

  /**
   * Numeric scaling by hand: scalerWarmup 2, clip 1.5, no hidden layers, w[3] = 1. Training sees
   * raw values 2 and 4 on bucket 3 (the first batch scales to 0: the entry is cold), so mean = 3,
   * M2 = 2, variance = M2/n = 1, std = √(1 + 1e−8). Then raw 3.5 scales to 0.5/std ≈ 0.5 and z = b
   * + 0.5 (b after the SGD step), raw 10 scales to 7/std, clipped to 1.5.
   */
  @Test
  void numericScalingByHand() {
    Model m =
        new Model(
            ModelConfig.builder()
                .hashBits(2)
                .hiddenLayers()
                .loss(ModelConfig.LossType.SQUARED)
                .optimizer(ModelConfig.OptimizerType.SGD)
                .learningRate(0.1)
                .scalerWarmup(2)
                .numericClip(1.5)
                .maxBatchSize(4)
                .build());
    ModelState st = m.state();
    st.values(1)[3] = 1.0; // w[3]
    SparseBatch batch = new SparseBatch(2, 1);
    batch.addNumeric(3, 2.0);
    batch.endExample(0.0);
    batch.addNumeric(3, 4.0);
    batch.endExample(0.0);
    double[] before = new double[2];
    m.train(batch, before);
    // cold entry: both scaled to 0, z = b = 0; the step moves only b (gradient of w[3] is 0·dz)
    assertThat(before).containsExactly(0.0, 0.0);
    assertThat(st.values(1)[3]).isEqualTo(1.0);
    assertThat(st.scalerMean()[3]).isEqualTo(3.0);
    assertThat(st.scalerM2()[3]).isEqualTo(2.0);
    double b = st.values(0)[0];

    batch.clear();
    batch.addNumeric(3, 3.5);
    batch.endExample(0.0);
    batch.addNumeric(3, 10.0);
    batch.endExample(0.0);
    double[] out = new double[2];
    m.score(batch, out);
    assertThat(out[0]).isCloseTo(b + 0.5 / Math.sqrt(1 + 1e-8), within(1e-15));
    assertThat(out[1]).isCloseTo(b + 1.5, within(1e-15));
  }

  private static void set(double[] target, double... values) {
    assertThat(target).hasSize(values.length);
    System.arraycopy(values, 0, target, 0, values.length);
  }
}
