package dev.flywheel.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The batched EJML path against a naive per-example implementation written plainly here (nested
 * arrays, one example at a time, textbook backpropagation): same predictions, and the same
 * parameters after SGD steps (plain, with momentum, with L2 and with gradient clipping). The two
 * sum in different orders, so agreement is to 1e-12 relative, not bit for bit.
 */
class NaiveReferenceTest {

  /** A plain copy of a model, evaluated and trained one example at a time. */
  static final class Naive {
    final int d;
    final int layers;
    final int[] widths;
    final boolean logistic;
    double b;
    final double[] w;
    final double[][] e;
    final double[][][] wl; // wl[l][in][out]
    final double[][] c;
    final double[] v;
    final long[] count;
    final double[] mean;
    final double[] m2;
    final long warmup;
    final double clip;
    // momentum velocities, same shapes
    double vb;
    final double[] vw;
    final double[][] ve;
    final double[][][] vwl;
    final double[][] vc;
    final double[] vv;

    Naive(Model m) {
      ModelConfig cfg = m.config();
      ModelState st = m.state();
      layers = cfg.hiddenLayerCount();
      d = layers > 0 ? cfg.embeddingDim() : 0;
      widths = new int[layers + 1];
      widths[0] = d;
      for (int l = 1; l <= layers; l++) {
        widths[l] = cfg.hiddenLayer(l - 1);
      }
      logistic = cfg.loss() == ModelConfig.LossType.LOGISTIC;
      int buckets = cfg.buckets();
      int k = 0;
      b = st.values(k++)[0];
      wl = new double[layers + 1][][];
      c = new double[layers + 1][];
      for (int l = 1; l <= layers; l++) {
        double[] flat = st.values(k++);
        wl[l] = new double[widths[l - 1]][widths[l]];
        for (int i = 0; i < widths[l - 1]; i++) {
          for (int j = 0; j < widths[l]; j++) {
            wl[l][i][j] = flat[i * widths[l] + j];
          }
        }
        c[l] = st.values(k++).clone();
      }
      v = layers > 0 ? st.values(k++).clone() : new double[0];
      w = st.values(k++).clone();
      e = new double[buckets][d];
      if (layers > 0) {
        double[] flat = st.values(k);
        for (int r = 0; r < buckets; r++) {
          for (int j = 0; j < d; j++) {
            e[r][j] = flat[r * d + j];
          }
        }
      }
      count = st.scalerCount().clone();
      mean = st.scalerMean().clone();
      m2 = st.scalerM2().clone();
      warmup = cfg.scalerWarmup();
      clip = cfg.numericClip();
      vw = new double[buckets];
      ve = new double[buckets][d];
      vwl = new double[layers + 1][][];
      vc = new double[layers + 1][];
      for (int l = 1; l <= layers; l++) {
        vwl[l] = new double[widths[l - 1]][widths[l]];
        vc[l] = new double[widths[l]];
      }
      vv = new double[v.length];
    }

    double value(SparseBatch batch, int slot) {
      double x = batch.value(slot);
      if (!batch.isNumeric(slot)) {
        return x;
      }
      int en = batch.index(slot) & (count.length - 1);
      if (count[en] < warmup) {
        return 0;
      }
      double s = (x - mean[en]) / Math.sqrt(m2[en] / count[en] + 1e-8);
      return Math.max(-clip, Math.min(clip, s));
    }

    /** Activations h[0..L] of example i; returns z in h[L+1][0]. */
    double[][] forward(SparseBatch batch, int i) {
      double[][] h = new double[layers + 2][];
      double z = b;
      h[0] = new double[d];
      for (int k = batch.start(i); k < batch.end(i); k++) {
        double x = value(batch, k);
        int r = batch.index(k);
        z += x * w[r];
        for (int j = 0; j < d; j++) {
          h[0][j] += x * e[r][j];
        }
      }
      for (int l = 1; l <= layers; l++) {
        h[l] = new double[widths[l]];
        for (int j = 0; j < widths[l]; j++) {
          double s = c[l][j];
          for (int q = 0; q < widths[l - 1]; q++) {
            s += h[l - 1][q] * wl[l][q][j];
          }
          h[l][j] = Math.max(0, s);
        }
      }
      for (int j = 0; j < v.length; j++) {
        z += h[layers][j] * v[j];
      }
      h[layers + 1] = new double[] {z};
      return h;
    }

    double predict(SparseBatch batch, int i) {
      double z = forward(batch, i)[layers + 1][0];
      return logistic ? 1 / (1 + Math.exp(-z)) : z;
    }

    /** One SGD step on the mean weighted loss, with lazy L2, clipping and momentum. */
    void sgdStep(SparseBatch batch, double lr, double momentum, double l2, double clipNorm) {
      int n = batch.size();
      int buckets = w.length;
      double gb = 0;
      double[] gw = new double[buckets];
      double[][] ge = new double[buckets][d];
      boolean[] touched = new boolean[buckets];
      double[][][] gwl = new double[layers + 1][][];
      double[][] gc = new double[layers + 1][];
      for (int l = 1; l <= layers; l++) {
        gwl[l] = new double[widths[l - 1]][widths[l]];
        gc[l] = new double[widths[l]];
      }
      double[] gv = new double[v.length];
      for (int i = 0; i < n; i++) {
        double[][] h = forward(batch, i);
        double z = h[layers + 1][0];
        double p = logistic ? 1 / (1 + Math.exp(-z)) : z;
        double dz = batch.weight(i) * (p - batch.label(i)) / n;
        gb += dz;
        double[] dh = new double[v.length];
        for (int j = 0; j < v.length; j++) {
          gv[j] += dz * h[layers][j];
          dh[j] = dz * v[j];
        }
        for (int l = layers; l >= 1; l--) {
          double[] dpre = new double[widths[l]];
          for (int j = 0; j < widths[l]; j++) {
            dpre[j] = h[l][j] > 0 ? dh[j] : 0;
            gc[l][j] += dpre[j];
          }
          double[] dprev = new double[widths[l - 1]];
          for (int q = 0; q < widths[l - 1]; q++) {
            for (int j = 0; j < widths[l]; j++) {
              gwl[l][q][j] += h[l - 1][q] * dpre[j];
              dprev[q] += wl[l][q][j] * dpre[j];
            }
          }
          dh = dprev;
        }
        for (int k = batch.start(i); k < batch.end(i); k++) {
          int r = batch.index(k);
          double x = value(batch, k);
          touched[r] = true;
          gw[r] += x * dz;
          for (int j = 0; j < d; j++) {
            ge[r][j] += x * dh[j];
          }
        }
      }
      // lazy L2 on weights and touched rows; global norm
      double norm2 = gb * gb;
      for (int l = 1; l <= layers; l++) {
        for (int q = 0; q < widths[l - 1]; q++) {
          for (int j = 0; j < widths[l]; j++) {
            gwl[l][q][j] += l2 * wl[l][q][j];
            norm2 += gwl[l][q][j] * gwl[l][q][j];
          }
        }
        for (int j = 0; j < widths[l]; j++) {
          norm2 += gc[l][j] * gc[l][j];
        }
      }
      for (int j = 0; j < v.length; j++) {
        gv[j] += l2 * v[j];
        norm2 += gv[j] * gv[j];
      }
      for (int r = 0; r < buckets; r++) {
        if (touched[r]) {
          gw[r] += l2 * w[r];
          norm2 += gw[r] * gw[r];
          for (int j = 0; j < d; j++) {
            ge[r][j] += l2 * e[r][j];
            norm2 += ge[r][j] * ge[r][j];
          }
        }
      }
      double s = clipNorm > 0 && Math.sqrt(norm2) > clipNorm ? clipNorm / Math.sqrt(norm2) : 1;
      // θ ← θ − lr·u, u ← μ·u + s·g (u = s·g without momentum)
      vb = momentum * vb + s * gb;
      b -= lr * vb;
      for (int l = 1; l <= layers; l++) {
        for (int q = 0; q < widths[l - 1]; q++) {
          for (int j = 0; j < widths[l]; j++) {
            vwl[l][q][j] = momentum * vwl[l][q][j] + s * gwl[l][q][j];
            wl[l][q][j] -= lr * vwl[l][q][j];
          }
        }
        for (int j = 0; j < widths[l]; j++) {
          vc[l][j] = momentum * vc[l][j] + s * gc[l][j];
          c[l][j] -= lr * vc[l][j];
        }
      }
      for (int j = 0; j < v.length; j++) {
        vv[j] = momentum * vv[j] + s * gv[j];
        v[j] -= lr * vv[j];
      }
      for (int r = 0; r < buckets; r++) {
        if (touched[r]) {
          vw[r] = momentum * vw[r] + s * gw[r];
          w[r] -= lr * vw[r];
          for (int j = 0; j < d; j++) {
            ve[r][j] = momentum * ve[r][j] + s * ge[r][j];
            e[r][j] -= lr * ve[r][j];
          }
        }
      }
    }

    void assertSameParameters(Model m) {
      ModelState st = m.state();
      int k = 0;
      close("b", st.values(k++)[0], b);
      for (int l = 1; l <= layers; l++) {
        double[] flat = st.values(k++);
        for (int i = 0; i < widths[l - 1]; i++) {
          for (int j = 0; j < widths[l]; j++) {
            close("W" + l, flat[i * widths[l] + j], wl[l][i][j]);
          }
        }
        double[] cl = st.values(k++);
        for (int j = 0; j < widths[l]; j++) {
          close("c" + l, cl[j], c[l][j]);
        }
      }
      if (layers > 0) {
        double[] vm = st.values(k++);
        for (int j = 0; j < v.length; j++) {
          close("v", vm[j], v[j]);
        }
      }
      double[] wm = st.values(k++);
      for (int r = 0; r < w.length; r++) {
        close("w", wm[r], w[r]);
      }
      if (layers > 0) {
        double[] em = st.values(k);
        for (int r = 0; r < w.length; r++) {
          for (int j = 0; j < d; j++) {
            close("E", em[r * d + j], e[r][j]);
          }
        }
      }
    }
  }

  static void close(String what, double actual, double expected) {
    assertThat(Math.abs(actual - expected))
        .as("%s: model %s, naive %s", what, actual, expected)
        .isLessThanOrEqualTo(1e-12 * (1 + Math.abs(expected)));
  }

  private static ModelConfig.Builder sgd() {
    return ModelConfig.builder()
        .hashBits(6)
        .embeddingDim(4)
        .hiddenLayers(6, 5)
        .initStdDev(0.3)
        .optimizer(ModelConfig.OptimizerType.SGD)
        .learningRate(0.2)
        .scalerWarmup(3)
        .maxBatchSize(32);
  }

  @Test
  void predictionsMatchThePerExampleReference() {
    Model m = new Model(sgd().build());
    Random r = new Random(3);
    for (int s = 0; s < 4; s++) {
      m.train(Batches.random(r, 32, 40, 6, 2, false), null);
    }
    SparseBatch batch = Batches.random(r, 100, 40, 8, 2, false); // > maxBatchSize: chunked
    double[] out = new double[100];
    m.score(batch, out);
    Naive naive = new Naive(m);
    for (int i = 0; i < 100; i++) {
      close("prediction " + i, out[i], naive.predict(batch, i));
    }
    assertThat(m.scoreOne(batch, 57)).isEqualTo(out[57]);
  }

  @Test
  void sgdStepsMatchTheReference() {
    runSteps(sgd().build(), 0, 4, false);
  }

  @Test
  void sgdWithMomentumL2AndClippingMatchesTheReference() {
    runSteps(sgd().momentum(0.9).l2(0.01).gradientClipNorm(0.05).build(), 0.9, 5, false);
  }

  @Test
  void squaredLossWithoutHiddenLayersMatchesTheReference() {
    runSteps(sgd().hiddenLayers().loss(ModelConfig.LossType.SQUARED).l2(0.02).build(), 0, 4, true);
  }

  @Test
  void workspacesGrowForExamplesWithManyFeatures() {
    // maxBatchSize 2 starts with room for 64 feature slots; these batches hold up to 164
    ModelConfig cfg = sgd().maxBatchSize(2).build();
    Model m = new Model(cfg);
    Naive naive = new Naive(m);
    Random r = new Random(6);
    for (int s = 0; s < 3; s++) {
      SparseBatch batch = Batches.random(r, 2, 40, 80, 2, false);
      double[] expected = {naive.predict(batch, 0), naive.predict(batch, 1)};
      double[] before = new double[2];
      naive.sgdStep(batch, cfg.learningRate(), 0, 0, 0);
      m.train(batch, before);
      close("prediction 0", before[0], expected[0]);
      close("prediction 1", before[1], expected[1]);
      naive.assertSameParameters(m);
      for (int k = 0; k < batch.nonZeros(); k++) {
        if (batch.isNumeric(k)) {
          int en = batch.index(k) & (naive.count.length - 1);
          long n = ++naive.count[en];
          double x = batch.value(k);
          double delta = x - naive.mean[en];
          naive.mean[en] += delta / n;
          naive.m2[en] += delta * (x - naive.mean[en]);
        }
      }
    }
  }

  private static void runSteps(ModelConfig cfg, double momentum, int steps, boolean regression) {
    Model m = new Model(cfg);
    Naive naive = new Naive(m);
    Random r = new Random(5);
    double[] before = new double[32];
    for (int s = 0; s < steps; s++) {
      SparseBatch batch = Batches.random(r, 32, 40, 6, 2, regression);
      double[] expected = new double[32];
      for (int i = 0; i < 32; i++) {
        expected[i] = naive.predict(batch, i);
      }
      naive.sgdStep(batch, cfg.learningRate(), momentum, cfg.l2(), cfg.gradientClipNorm());
      double l = m.train(batch, before);
      assertThat(l).isFinite();
      for (int i = 0; i < 32; i++) {
        close("prediction before step " + s, before[i], expected[i]);
      }
      naive.assertSameParameters(m);
      // the reference scaler, like the model's, sees the batch after the step
      for (int k = 0; k < batch.nonZeros(); k++) {
        if (batch.isNumeric(k)) {
          int en = batch.index(k) & (naive.count.length - 1);
          long n = ++naive.count[en];
          double x = batch.value(k);
          double delta = x - naive.mean[en];
          naive.mean[en] += delta / n;
          naive.m2[en] += delta * (x - naive.mean[en]);
        }
      }
    }
    assertThat(m.state().scalerMean()).containsExactly(naive.mean);
    assertThat(m.version()).isEqualTo(steps);
  }
}
