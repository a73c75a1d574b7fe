package dev.flywheel.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ModelSmokeTest {

  @Test
  void sgdLearnsASeparableProblemAndCountsSteps() {
    ModelConfig c =
        ModelConfig.builder()
            .hashBits(10)
            .embeddingDim(4)
            .hiddenLayers(8)
            .optimizer(ModelConfig.OptimizerType.SGD)
            .learningRate(0.5)
            .maxBatchSize(32)
            .build();
    Model m = new Model(c);
    SparseBatch b = new SparseBatch(32, 4);
    Random r = new Random(1);
    double first = 0;
    double last = 0;
    for (int step = 0; step < 300; step++) {
      b.clear();
      for (int i = 0; i < 32; i++) {
        int f = r.nextInt(20);
        b.add(f, 1.0);
        b.endExample(f < 10 ? 1.0 : 0.0);
      }
      double l = m.train(b, null);
      if (step == 0) {
        first = l;
      }
      last = l;
    }
    assertThat(m.version()).isEqualTo(300);
    assertThat(m.examplesSeen()).isEqualTo(300 * 32);
    assertThat(last).isLessThan(first / 5);
    double[] out = new double[32];
    m.score(b, out);
    for (int i = 0; i < 32; i++) {
      assertThat(Math.abs(out[i] - b.label(i))).isLessThan(0.2);
    }
  }
}
