package dev.flywheel.model.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.model.Model;
import dev.flywheel.model.ModelConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Reads the committed model files written by format versions 1 and 2 ({@link GoldenModelGenerator})
 * and checks their configuration, counters and pinned predictions bit for bit: a format change that
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

  /** Predictions of the version-2 golden model (FM interactions), printed once. */
  private static final long[] PINNED_V2 = {
    0x3fe008594b84c163L, // 0.5010191416713891
    0x3fe005fa8b743233L, // 0.5007298206051644
    0x3fd826ef424a87e6L, // 0.37737637971633686
    0x3fe00f431d669451L, // 0.501863057540172
  };

  /** Configuration bytes of the golden model in format version 1 (hidden layer count 1). */
  private static final int V1_CONFIG_END = 9 + 4 * 4 + 4 + 8 + 10 * 8 + 8 + 4 + 4 + 8 + 8;

  private static byte[] golden() throws IOException {
    return golden("/golden/model-v1.bin");
  }

  private static byte[] golden(String name) throws IOException {
    try (InputStream in = GoldenModelTest.class.getResourceAsStream(name)) {
      assertThat(in).as("%s on the test classpath", name).isNotNull();
      return in.readAllBytes();
    }
  }

  private static void assertPinned(Model m, long[] pinned) {
    double[] p = new double[4];
    m.score(GoldenModelGenerator.probe(), p);
    for (int i = 0; i < pinned.length; i++) {
      assertThat(Long.toHexString(Double.doubleToRawLongBits(p[i])))
          .as("prediction %d = %s", i, p[i])
          .isEqualTo(Long.toHexString(pinned[i]));
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
    assertThat(m.config().interactions()).isEqualTo(ModelConfig.Interactions.NONE);
    assertPinned(m, PINNED);
    // written again (as version 2): the same parameter bytes after the longer configuration
    byte[] again = ModelCodec.writeSnapshot(m);
    assertThat(ByteBuffer.wrap(again).getInt(4)).isEqualTo(2);
    assertThat(again).hasSize(bytes.length + 4);
    assertThat(Arrays.copyOfRange(again, V1_CONFIG_END + 4, again.length - 4))
        .isEqualTo(Arrays.copyOfRange(bytes, V1_CONFIG_END, bytes.length - 4));
    assertPinned(ModelCodec.readSnapshot(again), PINNED);
    // and through a stream
    assertPinned(
        ModelCodec.readSnapshotFromStream(new java.io.ByteArrayInputStream(bytes)), PINNED);
  }

  @Test
  void readsTheVersion2GoldenFileWithFactorizationMachine() throws IOException {
    byte[] bytes = golden("/golden/model-v2.bin");
    assertThat(ByteBuffer.wrap(bytes).getInt(4)).isEqualTo(2);
    Model m = ModelCodec.readSnapshot(bytes);
    assertThat(m.config()).isEqualTo(GoldenModelGenerator.configV2());
    assertThat(m.config().interactions()).isEqualTo(ModelConfig.Interactions.FM);
    assertThat(m.version()).isEqualTo(12);
    assertPinned(m, PINNED_V2);
    // writing it again gives the same bytes: nothing is lost or reordered
    assertThat(ModelCodec.writeSnapshot(m)).isEqualTo(bytes);
  }
}
