package dev.flywheel.simulator;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Ranks the candidates by the model's prediction and shows the top {@code k}, with ε-greedy
 * exploration: at each position, with probability ε, the greedy item is replaced by a candidate
 * drawn uniformly from those outside the greedy top {@code k} not yet shown.
 *
 * <p>Propensities (the probability of this item at this position given the positions before it):
 * {@code 1 − ε} for a greedy item ({@code 1} when no candidate is left to explore with), {@code ε /
 * |pool|} for an explored one. Without a prediction the slate is uniformly random ({@link
 * Slate#fallback()} true, random propensities).
 *
 * <p>Candidates the prediction does not mention rank after those it does, in candidate order; item
 * ids in the prediction that are not candidates are ignored.
 */
public final class ModelPolicy implements Policy {

  private final World world;
  private final double epsilon;

  /**
   * @param world the world whose request streams supply the exploration draws
   * @param epsilon exploration probability per position, in [0, 1]
   */
  public ModelPolicy(World world, double epsilon) {
    if (!(epsilon >= 0 && epsilon <= 1)) {
      throw new IllegalArgumentException("epsilon must be in [0, 1], got " + epsilon);
    }
    this.world = world;
    this.epsilon = epsilon;
  }

  @Override
  public Slate choose(Request request, Ranking prediction, int k) {
    SplittableRandom rng = world.policyRandom(request.index());
    if (prediction == null) {
      return RandomPolicy.randomSlate(request, k, rng, true);
    }
    int[] c = request.candidates();
    RandomPolicy.checkK(k, c.length);

    // Scores by candidate position; candidates the prediction does not mention get NaN.
    double[] score = new double[c.length];
    int[] rankInPrediction = new int[c.length];
    Arrays.fill(score, Double.NaN);
    Arrays.fill(rankInPrediction, Integer.MAX_VALUE);
    String[] ids = prediction.itemIds();
    double[] predicted = prediction.scores();
    for (int r = 0; r < ids.length; r++) {
      int item = world.itemIndex(ids[r]);
      for (int j = 0; j < c.length; j++) {
        if (c[j] == item && rankInPrediction[j] == Integer.MAX_VALUE) {
          rankInPrediction[j] = r;
          score[j] = predicted != null && r < predicted.length ? predicted[r] : Double.NaN;
          break;
        }
      }
    }
    // Greedy order: by score (descending) where both have one, else by the prediction's order.
    Integer[] order = new Integer[c.length];
    for (int j = 0; j < c.length; j++) {
      order[j] = j;
    }
    Arrays.sort(
        order,
        (a, b) -> {
          boolean sa = !Double.isNaN(score[a]);
          boolean sb = !Double.isNaN(score[b]);
          if (sa && sb && score[a] != score[b]) {
            return Double.compare(score[b], score[a]);
          }
          return Integer.compare(rankInPrediction[a], rankInPrediction[b]);
        });

    int[] items = new int[k];
    double[] propensities = new double[k];
    double[] scores = new double[k];
    // The exploration pool: candidates outside the greedy top k.
    int[] pool = new int[c.length - k];
    for (int j = k; j < c.length; j++) {
      pool[j - k] = order[j];
    }
    int poolSize = pool.length;
    for (int pos = 0; pos < k; pos++) {
      int chosen = order[pos];
      double propensity = poolSize > 0 ? 1 - epsilon : 1.0;
      if (poolSize > 0 && rng.nextDouble() < epsilon) {
        int r = rng.nextInt(poolSize);
        chosen = pool[r];
        pool[r] = pool[--poolSize];
        propensity = epsilon / (poolSize + 1);
      }
      items[pos] = c[chosen];
      propensities[pos] = propensity;
      scores[pos] = score[chosen];
    }
    return new Slate(items, propensities, scores, false);
  }

  @Override
  public String name() {
    return "model";
  }
}
