package dev.flywheel.model.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LogitHistogramTest {

  @Test
  void handComputedAucWithTies() {
    LogitHistogram h = new LogitHistogram();
    // positives at 0.9 and 0.4, negatives at 0.4 and 0.1:
    // pairs (0.9>0.4) 1, (0.9>0.1) 1, (0.4=0.4) ½, (0.4>0.1) 1 → 3.5 / 4
    h.add(0.9, 1, 1);
    h.add(0.4, 1, 1);
    h.add(0.4, 0, 1);
    h.add(0.1, 0, 1);
    assertThat(h.auc()).isEqualTo(0.875);
    h.remove(0.4, 0, 1);
    assertThat(h.auc()).isEqualTo(1.0);
  }

  @Test
  void aucIsNaNWithOneClassOnly() {
    LogitHistogram h = new LogitHistogram();
    assertThat(h.auc()).isNaN();
    h.add(0.3, 1, 1);
    assertThat(h.auc()).isNaN();
    h.add(0.2, 0, 1);
    assertThat(h.auc()).isEqualTo(1.0);
  }

  @Test
  void extremePredictionsLandInEndBins() {
    LogitHistogram h = new LogitHistogram(100, 5);
    assertThat(h.bin(0.0)).isZero();
    assertThat(h.bin(-1.0)).isZero();
    assertThat(h.bin(Double.NaN)).isZero();
    assertThat(h.bin(1e-300)).isZero();
    assertThat(h.bin(1.0)).isEqualTo(99);
    assertThat(h.bin(7.0)).isEqualTo(99);
    assertThat(h.bin(0.5)).isEqualTo(50);
  }

  /** Rare positives with predictions all close to the base rate: the hard case for binning. */
  @Test
  void agreesWithExactAucAtHalfPercentPositives() {
    Random random = new Random(3);
    int n = 200_000;
    double[] p = new double[n];
    double[] y = new double[n];
    LogitHistogram h = new LogitHistogram();
    for (int i = 0; i < n; i++) {
      // a weak signal: logit = -5.3 + 0.3·s + noise, label drawn from a related logit
      double s = random.nextGaussian();
      double z = -5.3 + 0.3 * s + 0.05 * random.nextGaussian();
      p[i] = 1 / (1 + Math.exp(-z));
      double trueZ = -5.3 + 0.4 * s;
      y[i] = random.nextDouble() < 1 / (1 + Math.exp(-trueZ)) ? 1 : 0;
      h.add(p[i], y[i], 1);
    }
    double exact = ExactAuc.auc(p, y);
    assertThat(exact).isBetween(0.55, 0.75); // the data has signal, but not much
    assertThat(h.auc()).isCloseTo(exact, within(1e-3));
  }

  @Test
  void agreesWithExactAucOnRandomAndSeparatedData() {
    Random random = new Random(8);
    int n = 100_000;
    double[] p = new double[n];
    double[] y = new double[n];
    double[] q = new double[n];
    LogitHistogram random01 = new LogitHistogram();
    LogitHistogram separated = new LogitHistogram();
    for (int i = 0; i < n; i++) {
      y[i] = random.nextDouble() < 0.005 ? 1 : 0;
      p[i] = random.nextDouble(); // no signal: AUC ≈ 0.5
      random01.add(p[i], y[i], 1);
      // well separated: positives high, negatives low, a little overlap
      double z = (y[i] == 1 ? 3 : -3) + 1.2 * random.nextGaussian();
      q[i] = 1 / (1 + Math.exp(-z));
      separated.add(q[i], y[i], 1);
    }
    assertThat(random01.auc()).isCloseTo(ExactAuc.auc(p, y), within(1e-3));
    double exactSeparated = ExactAuc.auc(q, y);
    assertThat(exactSeparated).isGreaterThan(0.99);
    assertThat(separated.auc()).isCloseTo(exactSeparated, within(1e-3));
  }

  @Test
  void weightsCountAsRepeatedExamples() {
    LogitHistogram weighted = new LogitHistogram();
    LogitHistogram repeated = new LogitHistogram();
    Random random = new Random(1);
    for (int i = 0; i < 1_000; i++) {
      double p = random.nextDouble();
      double y = random.nextDouble() < p ? 1 : 0;
      int w = 1 + random.nextInt(3);
      weighted.add(p, y, w);
      for (int k = 0; k < w; k++) {
        repeated.add(p, y, 1);
      }
    }
    assertThat(weighted.auc()).isCloseTo(repeated.auc(), within(1e-12));
    assertThat(weighted.auc()).isBetween(0.7, 0.9);
  }
}
