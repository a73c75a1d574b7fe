package dev.flywheel.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The observable features carry the signal: a small online logistic regression over hashed features
 * (the wide part of the pipeline's model, with the segment crosses written out), trained on the
 * impressions its own ε-greedy policy logged, closes most of the gap between random and the oracle.
 * This is the whole loop, offline and in miniature.
 */
class LearnabilityTest {

  private static final int CANDIDATES = 20;
  private static final int K = 5;
  private static final int BITS = 18;
  private static final int FEATURES = 10;

  /** Online logistic regression with AdaGrad on hashed features. */
  private static final class Learner {
    final double[] w = new double[1 << BITS];
    final double[] g2 = new double[1 << BITS];
    final int[] idx = new int[FEATURES];
    final double[] val = new double[FEATURES];
    final World world;

    Learner(World world) {
      this.world = world;
    }

    void features(Request r, int item) {
      int s = world.segmentIndex(r.user());
      int c = world.categoryIndex(item);
      int n = 0;
      idx[n] = hash(1, 0);
      val[n++] = 1;
      idx[n] = hash(2, item);
      val[n++] = 1;
      idx[n] = hash(3, c);
      val[n++] = 1;
      idx[n] = hash(4, s * 1000 + c);
      val[n++] = 1;
      idx[n] = hash(5, s * 100_000 + item);
      val[n++] = 1;
      idx[n] = hash(6, r.device());
      val[n++] = 1;
      idx[n] = hash(7, r.hour());
      val[n++] = 1;
      idx[n] = hash(8, world.country(r.user()).hashCode());
      val[n++] = 1;
      idx[n] = hash(9, s);
      val[n++] = Math.log(world.price(item)) - Math.log(20);
      idx[n] = hash(10, s);
      val[n++] = 1;
    }

    double score(Request r, int item) {
      features(r, item);
      double z = 0;
      for (int j = 0; j < FEATURES; j++) {
        z += w[idx[j]] * val[j];
      }
      return 1 / (1 + Math.exp(-z));
    }

    void learn(Request r, int item, boolean clicked) {
      double p = score(r, item);
      double g = p - (clicked ? 1 : 0);
      for (int j = 0; j < FEATURES; j++) {
        double gj = g * val[j];
        g2[idx[j]] += gj * gj;
        w[idx[j]] -= 0.1 * gj / Math.sqrt(g2[idx[j]] + 1e-8);
      }
    }

    static int hash(int field, int value) {
      return (int) (World.mix(((long) field << 40) ^ value) >>> (64 - BITS));
    }
  }

  /** Plays the learner's ε-greedy policy and trains it on its own impressions. */
  private static CurveRecorder loop(World world, int requests, int window) {
    Learner learner = new Learner(world);
    ModelPolicy policy = new ModelPolicy(world, 0.1);
    CurveRecorder model = new CurveRecorder("model", window);
    for (long n = 0; n < requests; n++) {
      Request r = world.request(n, CANDIDATES);
      int[] c = r.candidates();
      String[] ids = new String[c.length];
      double[] scores = new double[c.length];
      for (int j = 0; j < c.length; j++) {
        ids[j] = world.itemId(c[j]);
        scores[j] = learner.score(r, c[j]);
      }
      Slate slate = policy.choose(r, new Ranking("r-" + n, "default", n, ids, scores), K);
      Outcome o = world.outcome(r, slate.items());
      model.record(n, slate, o, n);
      for (int pos = 0; pos < K; pos++) {
        learner.learn(r, slate.items()[pos], o.clicked()[pos]);
      }
    }
    return model;
  }

  @Test
  void aHashedLogisticRegressionLearnsMostOfTheGapFromItsOwnLogs() {
    World world = new World(WorldConfig.defaults());
    int requests = 60_000;
    CurveRecorder model = loop(world, requests, 10_000);
    CurveRecorder random =
        OfflineRun.run(world, new RandomPolicy(world), requests, CANDIDATES, K, 10_000);
    CurveRecorder oracle =
        OfflineRun.run(world, new OraclePolicy(world), requests, CANDIDATES, K, 10_000);
    double[] m = model.windows().stream().mapToDouble(CurveRecorder.Window::ctr).toArray();
    double last = m[m.length - 1];
    double r = random.windows().get(m.length - 1).ctr();
    double o = oracle.windows().get(m.length - 1).ctr();
    double share = (last - r) / (o - r);
    System.out.printf(
        "learner CTR per window %s; last window: random %.4f, learner %.4f, oracle %.4f (%.0f%% of"
            + " the gap)%n",
        Arrays.toString(m), r, last, o, 100 * share);
    assertThat(m[0]).as("the first window learns from scratch").isLessThan(last);
    assertThat(share).as("share of the random→oracle gap closed").isGreaterThan(0.5);
  }

  @Test
  void afterDriftTheLoopDropsAndRecovers() {
    World world = new World(WorldConfig.defaults().withDrift(40_000, WorldConfig.DriftKind.BOTH));
    double[] m =
        loop(world, 80_000, 5_000).windows().stream()
            .mapToDouble(CurveRecorder.Window::ctr)
            .toArray();
    System.out.printf("learner CTR per window of 5000, drift at 40000: %s%n", Arrays.toString(m));
    double beforeDrift = m[7];
    double justAfter = m[8];
    double end = m[m.length - 1];
    // Binomial noise of a window of 25 000 impressions at ~13 % CTR is ~0.2 points.
    assertThat(justAfter).as("first window after the drift").isLessThan(beforeDrift - 0.01);
    assertThat(end).as("last window: recovered").isGreaterThan(justAfter + 0.005);
  }
}
