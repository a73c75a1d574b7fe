package dev.flywheel.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LearningCurveTest {

  @TempDir Path dir;

  @Test
  void writesCsvAndPngWithEveryPolicyAndTheLogLoss() throws Exception {
    CurveRecorder model = new CurveRecorder("model", 2);
    CurveRecorder random = new CurveRecorder("random", 2);
    CurveRecorder oracle = new CurveRecorder("oracle", 2);
    // Window 0: requests 0, 1. Window 1: request 2 (a fallback).
    model.record(0, slate(false, 0.5, 0.5), outcome(true, false), 3);
    model.record(1, slate(false, 0.5, 0.5), outcome(false, false), 4);
    model.record(2, slate(true, Double.NaN, Double.NaN), outcome(true, true), -1);
    for (long n = 0; n < 3; n++) {
      random.record(n, slate(false, Double.NaN, Double.NaN), outcome(false, n == 1), -1);
      oracle.record(n, slate(false, Double.NaN, Double.NaN), outcome(true, true), -1);
    }
    Path[] files = new LearningCurve(model, random, oracle, 2).write(dir.resolve("out"));

    List<String> csv = Files.readAllLines(files[0]);
    assertThat(csv.get(0))
        .isEqualTo(
            "requests,model_impressions,model_ctr,random_ctr,oracle_ctr,model_ctr_cumulative,"
                + "model_logloss,model_version,fallback_rate");
    // 1 click in 4 impressions; log loss of p = 0.5 is ln 2; version 4; no fallback.
    assertThat(csv.get(1)).isEqualTo("2,4,0.250000,0.250000,1.000000,0.250000,0.693147,4,0.000000");
    // 2 clicks in 2 impressions, no scores, no version, one fallback in one request.
    assertThat(csv.get(2)).isEqualTo("4,6,1.000000,0.000000,1.000000,0.500000,,,1.000000");
    assertThat(csv).hasSize(3);

    // written without ImageIO's temporary-file cache, whose shutdown hook fails while the JVM stops
    assertThat(ImageIO.getUseCache()).isFalse();
    byte[] png = Files.readAllBytes(files[1]);
    assertThat(png.length).isGreaterThan(1000);
    assertThat(java.util.Arrays.copyOf(png, 8))
        .containsExactly(0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A);
  }

  @Test
  void offlineCurveHasEmptyModelColumns() throws Exception {
    World w = new World(WorldConfig.defaults());
    CurveRecorder random = OfflineRun.run(w, new RandomPolicy(w), 300, 20, 5, 100);
    CurveRecorder oracle = OfflineRun.run(w, new OraclePolicy(w), 300, 20, 5, 100);
    Path[] files = new LearningCurve(null, random, oracle, 0).write(dir);
    List<String> csv = Files.readAllLines(files[0]);
    assertThat(csv).hasSize(4);
    assertThat(csv.get(3)).startsWith("300,,,").endsWith(",,,,");
    assertThat(Files.size(files[1])).isGreaterThan(1000);
  }

  @Test
  void curvesMustShareTheirWindow() {
    assertThatThrownBy(
            () ->
                new LearningCurve(
                    new CurveRecorder("model", 2), new CurveRecorder("random", 3), null, 0))
        .hasMessageContaining("window");
    assertThatThrownBy(() -> new CurveRecorder("model", 0)).hasMessageContaining("window");
  }

  private static Slate slate(boolean fallback, double s0, double s1) {
    return new Slate(new int[] {0, 1}, new double[] {1, 1}, new double[] {s0, s1}, fallback);
  }

  private static Outcome outcome(boolean c0, boolean c1) {
    return new Outcome(new boolean[] {c0, c1}, new double[] {1, 1});
  }
}
