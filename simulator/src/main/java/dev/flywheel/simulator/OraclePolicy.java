package dev.flywheel.simulator;

import java.util.Arrays;

/**
 * Shows the {@code k} candidates with the highest true click probability, best first. Since the
 * position bias decreases with the position, this maximises the expected clicks of the slate. It
 * reads the world's hidden truth: the upper bound any learned policy can approach. Propensity 1.
 */
public final class OraclePolicy implements Policy {

  private final World world;

  /** The oracle of {@code world}. */
  public OraclePolicy(World world) {
    this.world = world;
  }

  @Override
  public Slate choose(Request request, Ranking prediction, int k) {
    int[] ranked = rank(world, request);
    RandomPolicy.checkK(k, ranked.length);
    double[] ones = new double[k];
    Arrays.fill(ones, 1.0);
    double[] scores = new double[k];
    Arrays.fill(scores, Double.NaN);
    return new Slate(Arrays.copyOf(ranked, k), ones, scores, false);
  }

  /** All candidates of {@code request} by decreasing true relevance (ties: candidate order). */
  public static int[] rank(World world, Request request) {
    int[] c = request.candidates();
    double[] rel = new double[c.length];
    Integer[] order = new Integer[c.length];
    for (int j = 0; j < c.length; j++) {
      rel[j] = world.relevance(request, c[j]);
      order[j] = j;
    }
    Arrays.sort(order, (a, b) -> Double.compare(rel[b], rel[a]));
    int[] ranked = new int[c.length];
    for (int j = 0; j < c.length; j++) {
      ranked[j] = c[order[j]];
    }
    return ranked;
  }

  @Override
  public String name() {
    return "oracle";
  }
}
