package dev.flywheel.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The factorisation-machine term on hand-computed cases (its gradient is in {@link
 * GradientCheckTest}).
 */
class FactorizationMachineTest {

  /** A squared-loss model (prediction = z) with b = w = v = 0 and chosen embedding rows. */
  private static Model model(ModelConfig.Interactions interactions) {
    Model m =
        new Model(
            ModelConfig.builder()
                .hashBits(3)
                .embeddingDim(2)
                .hiddenLayers(2)
                .loss(ModelConfig.LossType.SQUARED)
                .interactions(interactions)
                .build());
    ModelState st = m.state();
    int n = st.blockCount();
    Arrays.fill(st.values(n - 3), 0.0); // v = 0: no deep contribution
    double[] e = st.values(n - 1);
    Arrays.fill(e, 0.0);
    e[2] = 1.0; // E[1] = (1, 2)
    e[3] = 2.0;
    e[4] = 0.5; // E[2] = (0.5, −1)
    e[5] = -1.0;
    e[6] = 3.0; // E[3] = (3, 0)
    return m;
  }

  private static SparseBatch batch() {
    SparseBatch b = new SparseBatch(3, 3);
    // x·E: s1 = (1, 2), s2 = 2·(0.5, −1) = (1, −2), s3 = (1, 2) (bucket 1 again)
    // pairs: s1·s2 = −3, s1·s3 = 5, s2·s3 = −3 → z_fm = −1
    b.add(1, 1.0);
    b.add(2, 2.0);
    b.add(1, 1.0);
    b.endExample(0.0);
    // one feature: no pair → 0
    b.add(3, 1.0);
    b.endExample(0.0);
    // (3, 0)·(0.5, −1)·0.5 = 0.75
    b.add(3, 0.5);
    b.add(2, 1.0);
    b.endExample(0.0);
    return b;
  }

  @Test
  void handComputedPairwiseSumsWithADuplicateBucket() {
    Model m = model(ModelConfig.Interactions.FM);
    double[] out = new double[3];
    m.score(batch(), out);
    assertThat(out[0]).isCloseTo(-1.0, within(1e-12));
    assertThat(out[1]).isCloseTo(0.0, within(1e-12));
    assertThat(out[2]).isCloseTo(0.75, within(1e-12));
    assertThat(m.scoreOne(batch(), 2)).isEqualTo(out[2]);
    // the copy scores alike
    double[] copied = new double[3];
    m.copy().score(batch(), copied);
    assertThat(copied).containsExactly(out);
  }

  @Test
  void withoutInteractionsTheSameParametersGiveNoPairTerm() {
    Model m = model(ModelConfig.Interactions.NONE);
    double[] out = new double[3];
    m.score(batch(), out);
    assertThat(out).containsExactly(0.0, 0.0, 0.0);
  }

  @Test
  void trainingMovesTheRowsTowardTheTarget() {
    // only the FM term can fit this target (v = 0 keeps the deep output off for the first step)
    Model m = model(ModelConfig.Interactions.FM);
    SparseBatch b = new SparseBatch(1, 2);
    b.add(3, 1.0);
    b.add(2, 1.0);
    b.endExample(1.0);
    double before = m.loss(b);
    for (int i = 0; i < 20; i++) {
      m.train(b, null);
    }
    assertThat(m.loss(b)).isLessThan(before / 10);
  }
}
