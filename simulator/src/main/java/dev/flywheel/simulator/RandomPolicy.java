package dev.flywheel.simulator;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Shows {@code k} candidates drawn uniformly without replacement, in random order. The propensity
 * at position {@code j} is {@code 1 / (C − j)}: the chance of this item given the {@code j} shown
 * before it.
 */
public final class RandomPolicy implements Policy {

  private final World world;

  /** A random policy over {@code world}'s request streams. */
  public RandomPolicy(World world) {
    this.world = world;
  }

  @Override
  public Slate choose(Request request, Ranking prediction, int k) {
    return randomSlate(request, k, world.policyRandom(request.index()), false);
  }

  /** A uniformly random slate of {@code k} candidates, drawn from {@code rng}. */
  static Slate randomSlate(Request request, int k, SplittableRandom rng, boolean fallback) {
    int[] pool = request.candidates().clone();
    checkK(k, pool.length);
    int[] items = new int[k];
    double[] propensities = new double[k];
    for (int j = 0; j < k; j++) {
      int r = j + rng.nextInt(pool.length - j);
      int tmp = pool[r];
      pool[r] = pool[j];
      pool[j] = tmp;
      items[j] = tmp;
      propensities[j] = 1.0 / (pool.length - j);
    }
    double[] scores = new double[k];
    Arrays.fill(scores, Double.NaN);
    return new Slate(items, propensities, scores, fallback);
  }

  static void checkK(int k, int candidates) {
    if (k < 1 || k > candidates) {
      throw new IllegalArgumentException(
          "k must be in [1, candidates=" + candidates + "], got " + k);
    }
  }

  @Override
  public String name() {
    return "random";
  }
}
