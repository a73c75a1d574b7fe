package dev.flywheel.model.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.flywheel.model.Model;
import dev.flywheel.model.ModelConfig;
import dev.flywheel.model.ModelState;
import dev.flywheel.model.SparseBatch;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ModelCodecTest {

  static Stream<ModelConfig> configs() {
    ModelConfig.Builder b =
        ModelConfig.builder()
            .hashBits(8)
            .embeddingDim(4)
            .hiddenLayers(6, 3)
            .scalerBits(4)
            .scalerWarmup(2)
            .maxBatchSize(32);
    return Stream.of(
        b.optimizer(ModelConfig.OptimizerType.SGD).learningRate(0.1).build(),
        b.optimizer(ModelConfig.OptimizerType.SGD).momentum(0.9).build(),
        b.optimizer(ModelConfig.OptimizerType.ADAGRAD).momentum(0).l2(1e-3).build(),
        b.optimizer(ModelConfig.OptimizerType.ADAM).learningRate(0.01).build(),
        b.hiddenLayers().build(),
        b.hiddenLayers(5).loss(ModelConfig.LossType.SQUARED).gradientClipNorm(1).build(),
        b.hiddenLayers(4, 2)
            .loss(ModelConfig.LossType.LOGISTIC)
            .interactions(ModelConfig.Interactions.FM)
            .build());
  }

  /** Categorical features below bucket 200 (or buckets − 3), numerics on the 3 buckets above. */
  static SparseBatch batch(Random r, int n, boolean regression) {
    return batch(r, n, regression, 203);
  }

  static SparseBatch batch(Random r, int n, boolean regression, int buckets) {
    int categorical = Math.min(200, buckets - 3);
    SparseBatch b = new SparseBatch(n, 8);
    for (int i = 0; i < n; i++) {
      int f = 1 + r.nextInt(6);
      for (int k = 0; k < f; k++) {
        b.add(r.nextInt(categorical), 1.0);
      }
      b.addNumeric(categorical + r.nextInt(3), 10 + 5 * r.nextGaussian());
      b.endExample(regression ? r.nextGaussian() : r.nextInt(2));
    }
    return b;
  }

  static void train(Model m, Random r, int steps) {
    boolean regression = m.config().loss() == ModelConfig.LossType.SQUARED;
    int n = Math.min(32, m.config().maxBatchSize());
    for (int s = 0; s < steps; s++) {
      m.train(batch(r, n, regression, m.config().buckets()), null);
    }
  }

  static void assertSamePredictions(Model expected, Model actual, Random r) {
    SparseBatch b = batch(r, 50, false);
    double[] e = new double[50];
    double[] a = new double[50];
    expected.score(b, e);
    actual.score(b, a);
    for (int i = 0; i < 50; i++) {
      assertThat(Double.doubleToRawLongBits(a[i]))
          .as("prediction %d: %s vs %s", i, a[i], e[i])
          .isEqualTo(Double.doubleToRawLongBits(e[i]));
    }
  }

  @ParameterizedTest
  @MethodSource("configs")
  void snapshotRoundTripIsBitExact(ModelConfig config) throws IOException {
    Model m = new Model(config);
    train(m, new Random(1), 20);
    m.train(poisonedBatch(), null);
    assertThat(m.skippedBatches()).isEqualTo(1);
    byte[] bytes = ModelCodec.writeSnapshot(m);
    assertThat((long) bytes.length).isEqualTo(ModelCodec.snapshotSize(config));
    Model back = ModelCodec.readSnapshot(bytes);
    assertThat(back.config()).isEqualTo(config);
    assertThat(back.version()).isEqualTo(20);
    assertThat(back.examplesSeen()).isEqualTo(640);
    assertThat(back.skippedBatches()).isEqualTo(1);
    assertSamePredictions(m, back, new Random(3));
    assertThat(ModelCodec.writeSnapshot(back)).isEqualTo(bytes);
    // and both continue identically (optimiser slots and step counter restored)
    train(m, new Random(4), 5);
    train(back, new Random(4), 5);
    assertThat(ModelCodec.writeSnapshot(back)).isEqualTo(ModelCodec.writeSnapshot(m));
  }

  private static DataInputStream stream(byte[] bytes) {
    return new DataInputStream(new ByteArrayInputStream(bytes));
  }

  private static SparseBatch poisonedBatch() {
    SparseBatch b = new SparseBatch(1, 1);
    b.add(1, Double.NaN);
    b.endExample(1.0);
    return b;
  }

  @ParameterizedTest
  @MethodSource("configs")
  void aCopyIntoASpareIsTheSameModelAsAFreshCopy(ModelConfig config) {
    Model m = new Model(config);
    train(m, new Random(21), 3);
    m.markPublished();
    train(m, new Random(22), 2); // a delta's worth of touched rows and scaler entries
    Model spare = new Model(config);
    train(spare, new Random(23), 4); // other parameters, counters and touched rows
    Model fresh = m.copy();

    m.offerSpare(spare);
    assertThat(m.hasSpare()).isTrue();
    Model copied = m.copy();

    assertThat(copied).isSameAs(spare);
    assertThat(m.hasSpare()).isFalse();
    assertThat(ModelCodec.writeSnapshot(copied)).isEqualTo(ModelCodec.writeSnapshot(fresh));
    assertThat(ModelCodec.writeDelta(copied)).isEqualTo(ModelCodec.writeDelta(fresh));
    assertThat(copied.touchedRowCount()).isEqualTo(fresh.touchedRowCount());
    assertThat(copied.touchedScalerCount()).isEqualTo(fresh.touchedScalerCount());
    // both go on alike, and the original is untouched by either
    byte[] original = ModelCodec.writeSnapshot(m);
    train(copied, new Random(24), 2);
    train(fresh, new Random(24), 2);
    assertThat(ModelCodec.writeDelta(copied)).isEqualTo(ModelCodec.writeDelta(fresh));
    assertThat(ModelCodec.writeSnapshot(m)).isEqualTo(original);
    // the spare was used once: the next copy is a new model
    assertThat(m.copy()).isNotSameAs(spare).isNotSameAs(m);
  }

  @Test
  void aSpareMustBeAnotherModelOfTheSameConfiguration() {
    ModelConfig config = configs().findFirst().orElseThrow();
    Model m = new Model(config);
    assertThatThrownBy(() -> m.offerSpare(m)).isInstanceOf(IllegalArgumentException.class);
    Model other = new Model(ModelConfig.builder().hashBits(4).maxBatchSize(4).build());
    assertThatThrownBy(() -> m.offerSpare(other))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("another configuration");
    m.offerSpare(new Model(config));
    m.offerSpare(null);
    assertThat(m.hasSpare()).isFalse();
  }

  @ParameterizedTest
  @MethodSource("configs")
  void theStreamedSnapshotIsByteForByteTheArraySnapshot(ModelConfig config) throws IOException {
    Model model = new Model(config);
    train(model, new Random(3), 4);
    // bigger than the stream's 64 KiB buffer, so blocks straddle flushes
    Model big = new Model(ModelConfig.builder().hashBits(12).embeddingDim(3).scalerBits(5).build());
    train(big, new Random(4), 2);
    for (Model m : new Model[] {model, big}) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      ModelCodec.writeSnapshot(m, new DataOutputStream(bytes));
      byte[] expected = ModelCodec.writeSnapshot(m);
      assertThat(bytes.toByteArray()).isEqualTo(expected);
      assertThat((long) expected.length).isEqualTo(ModelCodec.snapshotSize(m.config()));
    }
  }

  @Test
  void snapshotsAreSelfDelimitingOnAStream() throws IOException {
    Model a = new Model(configs().findFirst().orElseThrow());
    Model b = new Model(configs().skip(3).findFirst().orElseThrow());
    train(b, new Random(5), 3);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    ModelCodec.writeSnapshot(a, out);
    ModelCodec.writeSnapshot(b, out);
    out.writeInt(12345);
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()));
    Model a2 = ModelCodec.readSnapshot(in);
    Model b2 = ModelCodec.readSnapshot(in);
    assertThat(in.readInt()).isEqualTo(12345);
    Model a3 = ModelCodec.readSnapshotFromStream(new ByteArrayInputStream(bytes.toByteArray()));
    assertThat(ModelCodec.writeSnapshot(a3)).isEqualTo(ModelCodec.writeSnapshot(a));
    assertThat(ModelCodec.writeSnapshot(a2)).isEqualTo(ModelCodec.writeSnapshot(a));
    assertThat(ModelCodec.writeSnapshot(b2)).isEqualTo(ModelCodec.writeSnapshot(b));
  }

  @ParameterizedTest
  @MethodSource("configs")
  void deltaOnSnapshotGivesTheTrainedModelOverSeveralRounds(ModelConfig config) throws IOException {
    Random r = new Random(11);
    Model trainer = new Model(config);
    train(trainer, r, 3);
    trainer.markPublished();
    Model consumer = ModelCodec.readSnapshot(ModelCodec.writeSnapshot(trainer));
    int[] stepsPerRound = {1, 7, 0, 3, 12};
    for (int steps : stepsPerRound) {
      train(trainer, r, steps);
      long base = trainer.publishedVersion();
      assertThat(ModelCodec.deltaSize(trainer)).isEqualTo(ModelCodec.writeDelta(trainer).length);
      byte[] delta = ModelCodec.publishDelta(trainer);
      assertThat(ModelCodec.deltaBaseVersion(delta)).isEqualTo(base);
      assertThat(ModelCodec.deltaNewVersion(delta)).isEqualTo(trainer.version());
      assertThat(trainer.touchedRowCount()).isZero();
      ModelCodec.applyDelta(consumer, delta);
      assertThat(consumer.version()).isEqualTo(trainer.version());
      assertSamePredictions(trainer, consumer, new Random(steps));
      assertThat(ModelCodec.writeSnapshot(consumer)).isEqualTo(ModelCodec.writeSnapshot(trainer));
    }
    // a delta is much smaller than a snapshot when few rows were touched
    train(trainer, r, 1);
    assertThat(ModelCodec.deltaSize(trainer)).isLessThan(ModelCodec.snapshotSize(config) / 2);
  }

  @Test
  void deltaOnTheWrongBaseIsRejectedAndChangesNothing() throws IOException {
    ModelConfig config = configs().skip(3).findFirst().orElseThrow();
    Random r = new Random(12);
    Model trainer = new Model(config);
    Model consumer = ModelCodec.readSnapshot(ModelCodec.writeSnapshot(trainer));
    train(trainer, r, 2);
    byte[] first = ModelCodec.publishDelta(trainer);
    train(trainer, r, 2);
    byte[] second = ModelCodec.publishDelta(trainer);
    byte[] before = ModelCodec.writeSnapshot(consumer);
    DeltaBaseMismatchException e =
        (DeltaBaseMismatchException) catchThrowable(() -> ModelCodec.applyDelta(consumer, second));
    assertThat(e).hasMessageContaining("delta base version 2").hasMessageContaining("version 0");
    assertThat(e.baseVersion()).isEqualTo(2);
    assertThat(e.modelVersion()).isZero();
    assertThat(ModelCodec.writeSnapshot(consumer)).isEqualTo(before);
    ModelCodec.applyDelta(consumer, first);
    assertThatThrownBy(() -> ModelCodec.applyDelta(consumer, first))
        .isInstanceOf(DeltaBaseMismatchException.class);
    ModelCodec.applyDelta(consumer, second);
    assertThat(ModelCodec.writeSnapshot(consumer)).isEqualTo(ModelCodec.writeSnapshot(trainer));

    Model other = new Model(config.toBuilder().l2(0.5).build());
    assertThatThrownBy(() -> ModelCodec.applyDelta(other, first))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("another configuration");
    assertThatThrownBy(() -> ModelCodec.readSnapshot(first))
        .isInstanceOf(ModelFormatException.class)
        .hasMessage("expected a model snapshot but found delta");
  }

  @Test
  void unknownFormatVersionIsNamed() {
    byte[] bytes = ModelCodec.writeSnapshot(new Model(configs().findFirst().orElseThrow()));
    ByteBuffer.wrap(bytes).putInt(4, 7);
    assertThatThrownBy(() -> ModelCodec.readSnapshot(bytes))
        .isInstanceOf(ModelFormatException.class)
        .hasMessage("unsupported model format version 7; this build reads 1 to 2");
    assertThatThrownBy(() -> ModelCodec.readSnapshot(stream(bytes)))
        .hasMessage("unsupported model format version 7; this build reads 1 to 2");
    byte[] notAModel = "{\"json\": true, \"padding\": 0}".getBytes();
    assertThatThrownBy(() -> ModelCodec.readSnapshot(notAModel))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("not a Flywheel model");
  }

  @Test
  void everyTruncationOfASnapshotOrDeltaFailsWithAFormatError() {
    ModelConfig config =
        ModelConfig.builder()
            .hashBits(3)
            .embeddingDim(2)
            .hiddenLayers(2)
            .scalerBits(1)
            .maxBatchSize(4)
            .build();
    Model m = new Model(config);
    train(m, new Random(6), 1);
    byte[] snap = ModelCodec.writeSnapshot(m);
    for (int len = 0; len < snap.length; len++) {
      byte[] cut = Arrays.copyOf(snap, len);
      assertThat(catchThrowable(() -> ModelCodec.readSnapshot(cut)))
          .as("prefix of %d bytes", len)
          .isInstanceOf(ModelFormatException.class);
      assertThat(catchThrowable(() -> ModelCodec.readSnapshot(stream(cut))))
          .as("stream prefix of %d bytes", len)
          .isInstanceOf(ModelFormatException.class);
    }
    assertThatThrownBy(() -> ModelCodec.readSnapshot(Arrays.copyOf(snap, snap.length - 10)))
        .hasMessageContaining("truncated model snapshot: expected " + snap.length);
    assertThatThrownBy(() -> ModelCodec.readSnapshot(Arrays.copyOf(snap, snap.length + 3)))
        .hasMessageContaining("3 trailing bytes");

    Model consumer = m.copy();
    consumer.markPublished();
    train(m, new Random(7), 2);
    byte[] delta = ModelCodec.writeDelta(m);
    for (int len = 0; len < delta.length; len++) {
      byte[] cut = Arrays.copyOf(delta, len);
      assertThat(catchThrowable(() -> ModelCodec.applyDelta(consumer, cut)))
          .as("delta prefix of %d bytes", len)
          .isInstanceOf(ModelFormatException.class);
    }
    assertThat(consumer.version()).isEqualTo(1);
  }

  @Test
  void everySingleByteCorruptionIsDetected() throws IOException {
    ModelConfig config =
        ModelConfig.builder()
            .hashBits(3)
            .embeddingDim(2)
            .hiddenLayers(2)
            .scalerBits(1)
            .maxBatchSize(4)
            .build();
    Model m = new Model(config);
    train(m, new Random(8), 1);
    Model base = m.copy();
    base.markPublished();
    byte[] snap = ModelCodec.writeSnapshot(m);
    train(m, new Random(9), 1);
    byte[] delta = ModelCodec.writeDelta(m);
    byte[] baseBytes = ModelCodec.writeSnapshot(base);
    for (int pos = 0; pos < snap.length; pos++) {
      byte[] bad = snap.clone();
      bad[pos] ^= (byte) 0x5A;
      assertThat(catchThrowable(() -> ModelCodec.readSnapshot(bad)))
          .as("snapshot byte %d flipped", pos)
          .isInstanceOf(ModelFormatException.class);
    }
    for (int pos = 0; pos < delta.length; pos++) {
      byte[] bad = delta.clone();
      bad[pos] ^= (byte) 0x5A;
      assertThat(catchThrowable(() -> ModelCodec.applyDelta(base, bad)))
          .as("delta byte %d flipped", pos)
          .isInstanceOf(ModelFormatException.class);
    }
    assertThat(ModelCodec.writeSnapshot(base)).isEqualTo(baseBytes);
    byte[] bad = snap.clone();
    bad[snap.length / 2] ^= 1;
    assertThatThrownBy(() -> ModelCodec.readSnapshot(bad)).hasMessageContaining("checksum");
  }

  @Test
  void aHeaderClaimingAHugeModelFailsBeforeAllocating() {
    ModelConfig small = ModelConfig.builder().hashBits(4).embeddingDim(2).hiddenLayers(2).build();
    byte[] bytes = ModelCodec.writeSnapshot(new Model(small));
    // hashBits 4 → 26 and embeddingDim 2 → 16: a 2^26 × 16 table (8 GiB) claimed by a few KB
    ByteBuffer.wrap(bytes).putInt(9, 26).putInt(17, 16);
    assertThatThrownBy(() -> ModelCodec.readSnapshot(bytes))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("truncated model snapshot: expected 18253710085 bytes");
    assertThatThrownBy(() -> ModelCodec.readSnapshot(stream(bytes)))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("does not fit a byte array");
    ByteBuffer.wrap(bytes).putInt(9, 20).putInt(17, 16); // 1.2 GiB: fits an array, not the input
    assertThatThrownBy(() -> ModelCodec.readSnapshot(bytes))
        .hasMessageContaining("truncated model snapshot: expected");
    assertThatThrownBy(() -> ModelCodec.readSnapshot(stream(bytes)))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("truncated");
    ByteBuffer.wrap(bytes).putInt(9, 40);
    assertThatThrownBy(() -> ModelCodec.readSnapshot(bytes))
        .hasMessageContaining("invalid configuration: hashBits must be in [1, 28], got 40");
  }

  @Test
  void stateBlockNamesFollowTheDocumentedOrder() {
    ModelState st =
        new Model(ModelConfig.builder().hashBits(3).hiddenLayers(4, 2).embeddingDim(2).build())
            .state();
    String[] names = new String[st.blockCount()];
    for (int k = 0; k < names.length; k++) {
      names[k] = st.blockName(k);
    }
    assertThat(names).containsExactly("b", "W1", "c1", "W2", "c2", "v", "w", "E");
  }
}
