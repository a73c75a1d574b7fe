package dev.flywheel.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Invalid and extreme inputs: non-finite values never reach the parameters (validation is per
 * batch: the whole batch is skipped and counted), out-of-range buckets fail fast, empty inputs are
 * handled.
 */
class NonFiniteInputTest {

  private static Model warmModel(ModelConfig.OptimizerType opt) {
    Model m =
        new Model(
            ModelConfig.builder()
                .hashBits(7)
                .embeddingDim(4)
                .hiddenLayers(5)
                .optimizer(opt)
                .scalerWarmup(2)
                .maxBatchSize(16)
                .build());
    Random r = new Random(9);
    for (int s = 0; s < 5; s++) {
      m.train(Batches.random(r, 16, 60, 5, 2, false), null);
    }
    return m;
  }

  /** A valid batch of 8 examples with one example altered by {@code poison}. */
  private static SparseBatch poisoned(Consumer<SparseBatch> poison) {
    Random r = new Random(10);
    SparseBatch b = new SparseBatch(8, 8);
    Batches.fill(b, r, 7, 60, 5, 2, false);
    poison.accept(b);
    return b;
  }

  private static void assertSkipped(Model m, SparseBatch batch) {
    Model before = m.copy();
    double[] pred = new double[batch.size()];
    double loss = m.train(batch, pred);
    assertThat(loss).isNaN();
    assertThat(m.skippedBatches()).isEqualTo(before.skippedBatches() + 1);
    assertThat(m.version()).isEqualTo(before.version());
    assertThat(m.examplesSeen()).isEqualTo(before.examplesSeen());
    assertThat(m.touchedRowCount()).isEqualTo(before.touchedRowCount());
    // nothing but the counter changed
    Model expected = before.copy();
    expected.skippedBatches++;
    Batches.assertSameState(expected, m);
    assertThat(m.state().allFinite()).isTrue();
    // and the model still trains on a clean batch afterwards
    assertThat(m.train(poisoned(b -> {}), null)).isFinite();
  }

  @ParameterizedTest
  @EnumSource(ModelConfig.OptimizerType.class)
  void nonFiniteCategoricalValuesSkipTheBatch(ModelConfig.OptimizerType opt) {
    for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, -1.0 / 0.0}) {
      Model m = warmModel(opt);
      assertSkipped(
          m,
          poisoned(
              b -> {
                b.add(3, bad);
                b.endExample(1.0);
              }));
    }
  }

  @Test
  void nonFiniteNumericValuesAreNotClippedIntoRangeButSkipTheBatch() {
    for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, -1.0 / 0.0}) {
      Model m = warmModel(ModelConfig.OptimizerType.ADAM);
      // bucket 60 is a warm numeric entry: a clipped infinity would be a finite ±5
      assertThat(m.state().scalerCount()[60]).isGreaterThan(2);
      assertSkipped(
          m,
          poisoned(
              b -> {
                b.addNumeric(60, bad);
                b.endExample(0.0);
              }));
      SparseBatch one = new SparseBatch(1, 1);
      one.addNumeric(60, bad);
      one.endExample(0.0);
      double[] out = new double[1];
      m.score(one, out);
      assertThat(out[0]).as("prediction for numeric %s", bad).isNaN();
    }
  }

  @Test
  void invalidLabelsAndWeightsSkipTheBatch() {
    double[] badLabels = {Double.NaN, Double.POSITIVE_INFINITY, -1.0 / 0.0, 1.5, -0.5};
    for (double label : badLabels) {
      assertSkipped(
          warmModel(ModelConfig.OptimizerType.SGD),
          poisoned(
              b -> {
                b.add(1, 1.0);
                b.endExample(label);
              }));
    }
    double[] badWeights = {Double.NaN, Double.POSITIVE_INFINITY, -1.0};
    for (double weight : badWeights) {
      assertSkipped(
          warmModel(ModelConfig.OptimizerType.SGD),
          poisoned(
              b -> {
                b.add(1, 1.0);
                b.endExample(1.0, weight);
              }));
    }
  }

  @Test
  void hugeValuesEitherTrainOrSkipButNeverLeaveANonFiniteParameter() {
    for (ModelConfig.OptimizerType opt : ModelConfig.OptimizerType.values()) {
      Model m = warmModel(opt);
      long skippedBefore = m.skippedBatches();
      // 1e300 as a categorical value: x·dz overflows the gradient norm → skipped
      assertSkipped(
          m,
          poisoned(
              b -> {
                b.add(7, 1e300);
                b.endExample(1.0);
              }));
      // 1e300 as a numeric value: scaled and clipped to ±numericClip, so it trains; the scaler
      // ignores the observation (its M2 would overflow)
      long count = m.state().scalerCount()[61];
      double mean = m.state().scalerMean()[61];
      SparseBatch b =
          poisoned(
              x -> {
                x.addNumeric(61, 1e300);
                x.endExample(1.0);
              });
      assertThat(m.train(b, null)).isFinite();
      assertThat(m.state().scalerCount()[61]).isEqualTo(count + 7); // the 7 clean ones
      assertThat(m.state().scalerMean()[61]).isNotEqualTo(mean).isLessThan(10);
      // squared loss on a model that never saw such labels: a 1e300 label overflows the loss
      Model sq =
          new Model(
              m.config().toBuilder().loss(ModelConfig.LossType.SQUARED).optimizer(opt).build());
      SparseBatch hugeLabel = new SparseBatch(1, 1);
      hugeLabel.add(2, 1.0);
      hugeLabel.endExample(1e300);
      assertThat(sq.train(hugeLabel, null)).isNaN();
      assertThat(sq.skippedBatches()).isEqualTo(1);
      // a huge but representable label trains (huge finite parameters), later overflows skip
      Random r = new Random(4);
      for (int s = 0; s < 50; s++) {
        SparseBatch x = Batches.random(r, 8, 60, 5, 2, true);
        x.add(3, 1e100 * r.nextDouble());
        x.endExample(1e140);
        sq.train(x, null);
      }
      assertThat(sq.state().allFinite()).as("%s squared", opt).isTrue();
      assertThat(m.state().allFinite()).as("%s", opt).isTrue();
      assertThat(m.skippedBatches()).isEqualTo(skippedBefore + 1);
    }
  }

  @Test
  void randomCorruptionIsAlwaysSkippedAndCounted() {
    Model m = warmModel(ModelConfig.OptimizerType.ADAGRAD);
    Random r = new Random(77);
    SparseBatch b = new SparseBatch(16, 8);
    long corrupted = 0;
    long skippedBefore = m.skippedBatches();
    for (int s = 0; s < 300; s++) {
      Batches.fill(b, r, 15, 60, 5, 2, false);
      if (r.nextInt(4) == 0) {
        corrupted++;
        switch (r.nextInt(4)) {
          case 0:
            b.add(r.nextInt(60), Double.NaN);
            b.endExample(1.0);
            break;
          case 1:
            b.addNumeric(60, r.nextBoolean() ? 1.0 / 0.0 : -1.0 / 0.0);
            b.endExample(0.0);
            break;
          case 2:
            b.add(r.nextInt(60), 1.0);
            b.endExample(Double.NaN);
            break;
          default:
            b.add(r.nextInt(60), 1.0);
            b.endExample(1.0, Double.NaN);
        }
      } else {
        b.add(r.nextInt(60), 1.0);
        b.endExample(1.0);
      }
      m.train(b, null);
    }
    assertThat(m.skippedBatches() - skippedBefore).isEqualTo(corrupted).isGreaterThan(40);
    assertThat(m.state().allFinite()).isTrue();
  }

  @Test
  void emptyBatchIsANoOpAndEmptyExamplesPredictTheBias() {
    Model m = warmModel(ModelConfig.OptimizerType.SGD);
    Model before = m.copy();
    SparseBatch empty = new SparseBatch(1, 1);
    assertThat(m.train(empty, new double[0])).isNaN();
    Batches.assertSameState(before, m);
    m.score(empty, new double[0]);

    SparseBatch noFeatures = new SparseBatch(2, 1);
    noFeatures.endExample(1.0);
    noFeatures.endExample(0.0);
    double[] out = new double[2];
    m.score(noFeatures, out);
    // h0 = 0, so z = b + v·relu(…relu(c1)…): the same for both examples, finite
    assertThat(out[0]).isEqualTo(out[1]).isBetween(0.0, 1.0);
    assertThat(m.train(noFeatures, null)).isFinite();
    assertThat(m.version()).isEqualTo(before.version() + 1);
    assertThat(m.touchedRowCount()).isEqualTo(before.touchedRowCount());
  }

  @Test
  void outOfRangeBucketsFailFastAndChangeNothing() {
    Model m = warmModel(ModelConfig.OptimizerType.ADAM);
    Model before = m.copy();
    for (int bad : new int[] {128, -1, Integer.MAX_VALUE}) {
      SparseBatch b =
          poisoned(
              x -> {
                x.add(bad, 1.0);
                x.endExample(1.0);
              });
      assertThatThrownBy(() -> m.train(b, null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("feature index " + bad)
          .hasMessageContaining("[0, 128)");
      assertThatThrownBy(() -> m.score(b, new double[8]))
          .isInstanceOf(IllegalArgumentException.class);
    }
    Batches.assertSameState(before, m);
  }

  @Test
  void oversizedBatchesAndShortOutputsAreRejectedWithTheirSizes() {
    Model m = warmModel(ModelConfig.OptimizerType.SGD);
    SparseBatch big = Batches.random(new Random(1), 17, 60, 3, 0, false);
    assertThatThrownBy(() -> m.train(big, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("batch size 17 exceeds maxBatchSize 16");
    assertThatThrownBy(() -> m.score(big, new double[16]))
        .hasMessageContaining("length 16")
        .hasMessageContaining("17 examples");
    double[] out = new double[17];
    m.score(big, out); // scoring accepts any size
    for (double p : out) {
      assertThat(p).isStrictlyBetween(0.0, 1.0);
    }
  }
}
