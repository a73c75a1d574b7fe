package dev.flywheel.model.io;

import dev.flywheel.model.Model;
import dev.flywheel.model.ModelConfig;
import dev.flywheel.model.SparseBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Test-only generator of the committed golden model files {@code golden/model-v1.bin} (format
 * version 1, written by the build of that version) and {@code golden/model-v2.bin} (format version
 * 2, with the factorisation-machine term: argument {@code v2}) and the predictions {@link
 * GoldenModelTest} pins. Run it only when a new format version gets its own golden file; never
 * regenerate an existing one (that would hide a break).
 *
 * <pre>
 *   java -cp model-core/target/test-classes:model-core/target/classes:EJML \
 *     dev.flywheel.model.io.GoldenModelGenerator model-core/src/test/resources/golden/model-v2.bin v2
 * </pre>
 */
public final class GoldenModelGenerator {
  private GoldenModelGenerator() {}

  /** The configuration of the golden model. */
  static ModelConfig config() {
    return ModelConfig.builder()
        .hashBits(8)
        .embeddingDim(4)
        .hiddenLayers(3)
        .optimizer(ModelConfig.OptimizerType.ADAM)
        .learningRate(0.01)
        .l2(1e-4)
        .scalerBits(3)
        .scalerWarmup(2)
        .maxBatchSize(16)
        .seed(7)
        .build();
  }

  /** The fixed examples whose predictions the golden test pins. */
  static SparseBatch probe() {
    SparseBatch b = new SparseBatch(4, 4);
    b.add(1, 1.0);
    b.add(17, 1.0);
    b.addNumeric(250, 12.0);
    b.endExample(1.0);
    b.add(200, 1.0);
    b.endExample(0.0);
    b.addNumeric(251, -3.0);
    b.add(42, 0.5);
    b.add(42, 0.5);
    b.endExample(1.0);
    b.endExample(0.0); // no features
    return b;
  }

  /** The configuration of the version-2 golden model: {@link #config()} with FM interactions. */
  static ModelConfig configV2() {
    return config().toBuilder().interactions(ModelConfig.Interactions.FM).build();
  }

  static Model trainedModel() {
    return trainedModel(config());
  }

  static Model trainedModel(ModelConfig config) {
    Model m = new Model(config);
    Random r = new Random(2026);
    SparseBatch b = new SparseBatch(16, 6);
    for (int step = 0; step < 12; step++) {
      b.clear();
      for (int i = 0; i < 16; i++) {
        int f = r.nextInt(4);
        for (int k = 0; k <= f; k++) {
          b.add(r.nextInt(64), 1.0);
        }
        b.addNumeric(250 + r.nextInt(2), 10 + 3 * r.nextGaussian());
        b.endExample(r.nextInt(2));
      }
      m.train(b, null);
    }
    return m;
  }

  public static void main(String[] args) throws IOException {
    Model m = trainedModel(args.length > 1 && args[1].equals("v2") ? configV2() : config());
    Files.write(Path.of(args[0]), ModelCodec.writeSnapshot(m));
    double[] p = new double[4];
    m.score(probe(), p);
    for (double x : p) {
      System.out.println(x + " 0x" + Long.toHexString(Double.doubleToRawLongBits(x)) + "L");
    }
  }
}
