package dev.flywheel.model.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.model.Model;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/**
 * Reads the committed model file written by format version 1 ({@link GoldenModelGenerator}) and
 * checks its configuration, counters and pinned predictions bit for bit: a format change that
 * breaks old files fails here.
 */
class GoldenModelTest {

  /** Predictions of {@link GoldenModelGenerator#probe()} as raw IEEE-754 bits, printed once. */
  private static final long[] PINNED = {
    0x3fe01c77608038ecL, // 0.5034748921187009
    0x3fe006c489bfdde8L, // 0.5008261385364081
    0x3fd8bb4abc026781L, // 0.3864313922909944
    0x3fe00fd19e6e29eaL, // 0.5019310087530446
  };

  private static byte[] golden() throws IOException {
    try (InputStream in = GoldenModelTest.class.getResourceAsStream("/golden/model-v1.bin")) {
      assertThat(in).as("golden/model-v1.bin on the test classpath").isNotNull();
      return in.readAllBytes();
    }
  }

  @Test
  void readsTheVersion1GoldenFileWithPinnedPredictions() throws IOException {
    byte[] bytes = golden();
    Model m = ModelCodec.readSnapshot(bytes);
    assertThat(m.config()).isEqualTo(GoldenModelGenerator.config());
    assertThat(m.version()).isEqualTo(12);
    assertThat(m.examplesSeen()).isEqualTo(12 * 16);
    assertThat(m.skippedBatches()).isZero();
    double[] p = new double[4];
    m.score(GoldenModelGenerator.probe(), p);
    for (int i = 0; i < PINNED.length; i++) {
      assertThat(Long.toHexString(Double.doubleToRawLongBits(p[i])))
          .as("prediction %d = %s", i, p[i])
          .isEqualTo(Long.toHexString(PINNED[i]));
    }
    // writing it again gives the same bytes: nothing is lost or reordered
    assertThat(ModelCodec.writeSnapshot(m)).isEqualTo(bytes);
  }
}
