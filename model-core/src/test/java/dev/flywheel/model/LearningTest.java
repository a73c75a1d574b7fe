package dev.flywheel.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The model learns what it should, and the hidden-layer-free baseline fails where it should. */
class LearningTest {

  /** XOR of two binary fields, one-hot: bucket 0/1 = a=0/1, bucket 2/3 = b=0/1; all 4 cases. */
  private static SparseBatch xor() {
    SparseBatch b = new SparseBatch(4, 2);
    for (int a = 0; a < 2; a++) {
      for (int c = 0; c < 2; c++) {
        b.add(a, 1.0);
        b.add(2 + c, 1.0);
        b.endExample(a ^ c);
      }
    }
    return b;
  }

  private static double trainXor(ModelConfig cfg) {
    Model m = new Model(cfg);
    SparseBatch b = xor();
    for (int s = 0; s < 1500; s++) {
      m.train(b, null);
    }
    return m.loss(b);
  }

  @Test
  void deepModelLearnsXorButLogisticRegressionCannot() {
    ModelConfig.Builder base =
        ModelConfig.builder()
            .hashBits(4)
            .embeddingDim(4)
            .initStdDev(0.5)
            .optimizer(ModelConfig.OptimizerType.ADAM)
            .learningRate(0.02)
            .maxBatchSize(4);
    double deep = trainXor(base.hiddenLayers(8).build());
    double linear = trainXor(base.hiddenLayers().build());
    assertThat(deep).as("deep log loss on XOR").isLessThan(0.02);
    // without the tower the best the model can do is p = 1/2 everywhere: ln 2 = 0.6931
    assertThat(linear).as("LR log loss on XOR").isGreaterThan(0.69);
  }

  /**
   * Three categorical fields (cardinalities 40, 15, 6) with true weights ~ N(0, 1) and bias −1;
   * labels ~ Bernoulli(σ(bias + Σ weights)). After one pass over 200k examples the model's expected
   * log loss on a held-out set, Σ −p·ln q − (1−p)·ln(1−q) with p the true and q the predicted
   * probability, must be within 0.005 (LR) / 0.01 (deep) nats of the Bayes loss Σ H(p).
   */
  @ParameterizedTest
  @EnumSource(
      value = ModelConfig.OptimizerType.class,
      names = {"ADAGRAD", "ADAM"})
  void syntheticLogisticProblemIsLearnedToNearTheBayesLoss(ModelConfig.OptimizerType opt) {
    int[] card = {40, 15, 6};
    int[] base = {0, 40, 55};
    Random r = new Random(2024);
    double[] truth = new double[61];
    for (int i = 0; i < truth.length; i++) {
      truth[i] = r.nextGaussian();
    }
    double lr = opt == ModelConfig.OptimizerType.ADAM ? 0.01 : 0.1;
    ModelConfig.Builder cfg =
        ModelConfig.builder().hashBits(8).optimizer(opt).learningRate(lr).maxBatchSize(64);
    Model linear = new Model(cfg.hiddenLayers().build());
    Model deep = new Model(cfg.hiddenLayers(16).embeddingDim(8).build());
    SparseBatch b = new SparseBatch(64, 3);
    int[] f = new int[3];
    for (int step = 0; step < 200_000 / 64; step++) {
      b.clear();
      for (int i = 0; i < 64; i++) {
        double z = -1;
        for (int k = 0; k < 3; k++) {
          f[k] = base[k] + r.nextInt(card[k]);
          b.add(f[k], 1.0);
          z += truth[f[k]];
        }
        b.endExample(r.nextDouble() < LogisticLoss.sigmoid(z) ? 1.0 : 0.0);
      }
      linear.train(b, null);
      deep.train(b, null);
    }
    int n = 20_000;
    SparseBatch test = new SparseBatch(n, 3);
    double[] p = new double[n];
    for (int i = 0; i < n; i++) {
      double z = -1;
      for (int k = 0; k < 3; k++) {
        int idx = base[k] + r.nextInt(card[k]);
        test.add(idx, 1.0);
        z += truth[idx];
      }
      test.endExample(0.0);
      p[i] = LogisticLoss.sigmoid(z);
    }
    double bayes = 0;
    for (double pi : p) {
      bayes += -pi * Math.log(pi) - (1 - pi) * Math.log(1 - pi);
    }
    bayes /= n;
    double lrLoss = expectedLoss(linear, test, p);
    double deepLoss = expectedLoss(deep, test, p);
    assertThat(bayes).isBetween(0.3, 0.65); // a problem with signal and noise
    assertThat(lrLoss).as("LR vs Bayes %s", bayes).isLessThan(bayes + 0.005);
    assertThat(deepLoss).as("deep vs Bayes %s", bayes).isLessThan(bayes + 0.01);
  }

  private static double expectedLoss(Model m, SparseBatch test, double[] p) {
    double[] q = new double[test.size()];
    m.score(test, q);
    double s = 0;
    for (int i = 0; i < q.length; i++) {
      s += -p[i] * Math.log(q[i]) - (1 - p[i]) * Math.log(1 - q[i]);
    }
    return s / q.length;
  }

  /** Each optimiser (and SGD with momentum) lowers the training loss of a fixed data set. */
  @Test
  void everyOptimiserDecreasesTheLoss() {
    Random r = new Random(8);
    SparseBatch all = Batches.random(r, 512, 100, 6, 2, false);
    // make the labels learnable: y = 1 iff the first feature's bucket is even
    SparseBatch data = new SparseBatch(512, 8);
    for (int i = 0; i < 512; i++) {
      for (int k = all.start(i); k < all.end(i); k++) {
        if (all.isNumeric(k)) {
          data.addNumeric(all.index(k), all.value(k));
        } else {
          data.add(all.index(k), all.value(k));
        }
      }
      data.endExample(all.index(all.start(i)) % 2 == 0 ? 1.0 : 0.0);
    }
    ModelConfig.Builder base =
        ModelConfig.builder().hashBits(8).embeddingDim(4).hiddenLayers(8).maxBatchSize(64);
    ModelConfig[] configs = {
      base.optimizer(ModelConfig.OptimizerType.SGD).learningRate(0.5).build(),
      base.optimizer(ModelConfig.OptimizerType.SGD).learningRate(0.1).momentum(0.9).build(),
      base.optimizer(ModelConfig.OptimizerType.ADAGRAD).learningRate(0.1).momentum(0).build(),
      base.optimizer(ModelConfig.OptimizerType.ADAM).learningRate(0.01).build(),
    };
    SparseBatch batch = new SparseBatch(64, 8);
    for (ModelConfig cfg : configs) {
      Model m = new Model(cfg);
      double initial = m.loss(data);
      for (int epoch = 0; epoch < 30; epoch++) {
        for (int from = 0; from < 512; from += 64) {
          batch.clear();
          for (int i = from; i < from + 64; i++) {
            for (int k = data.start(i); k < data.end(i); k++) {
              if (data.isNumeric(k)) {
                batch.addNumeric(data.index(k), data.value(k));
              } else {
                batch.add(data.index(k), data.value(k));
              }
            }
            batch.endExample(data.label(i));
          }
          m.train(batch, null);
        }
      }
      double last = m.loss(data);
      assertThat(last)
          .as("%s momentum %s: %s → %s", cfg.optimizer(), cfg.momentum(), initial, last)
          .isLessThan(0.6 * initial);
      assertThat(m.version()).isEqualTo(30 * 8);
    }
  }
}
