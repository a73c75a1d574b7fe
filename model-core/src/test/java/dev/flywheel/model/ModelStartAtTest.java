package dev.flywheel.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ModelStartAtTest {
  private static final ModelConfig LOGISTIC =
      ModelConfig.builder().hashBits(8).embeddingDim(4).hiddenLayers(8).maxBatchSize(4).build();

  /** An example with no features: the tower sees h0 = 0, so z = b exactly. */
  private static double scoreEmpty(Model m) {
    SparseBatch batch = new SparseBatch(1, 1);
    batch.endExample(0);
    double[] out = new double[1];
    m.score(batch, out);
    return out[0];
  }

  @Test
  void logisticModelStartsAtTheGivenRate() {
    Model m = new Model(LOGISTIC);
    assertThat(scoreEmpty(m)).isEqualTo(0.5);
    m.startAt(0.01);
    assertThat(scoreEmpty(m)).isCloseTo(0.01, org.assertj.core.data.Offset.offset(1e-15));
  }

  @Test
  void squaredModelStartsAtTheGivenValue() {
    Model m = new Model(LOGISTIC.toBuilder().loss(ModelConfig.LossType.SQUARED).build());
    m.startAt(3.25);
    assertThat(scoreEmpty(m)).isEqualTo(3.25);
  }

  @Test
  void rejectsOutOfRangeValuesAndTrainedModels() {
    Model m = new Model(LOGISTIC);
    assertThatThrownBy(() -> m.startAt(0)).hasMessageContaining("(0, 1), got 0.0");
    assertThatThrownBy(() -> m.startAt(1)).hasMessageContaining("(0, 1), got 1.0");
    assertThatThrownBy(() -> m.startAt(Double.NaN)).hasMessageContaining("finite");

    SparseBatch batch = new SparseBatch(1, 1);
    batch.add(3, 1.0);
    batch.endExample(1);
    m.train(batch, null);
    assertThatThrownBy(() -> m.startAt(0.1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("version 1");
  }
}
