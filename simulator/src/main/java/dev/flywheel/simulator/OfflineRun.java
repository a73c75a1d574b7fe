package dev.flywheel.simulator;

/**
 * Runs a policy against a world without Kafka: request {@code n} is drawn, the policy chooses (with
 * no prediction), the world draws the outcome. Also the analytic expectations that the tests check
 * the simulation against.
 */
public final class OfflineRun {

  private OfflineRun() {}

  /**
   * Simulates requests {@code [0, requests)}.
   *
   * @param world the world
   * @param policy the policy (called with a null prediction)
   * @param requests number of requests
   * @param candidates candidates per request
   * @param k items shown per request
   * @param window requests per curve window
   * @return the recorded curve
   */
  public static CurveRecorder run(
      World world, Policy policy, long requests, int candidates, int k, int window) {
    CurveRecorder rec = new CurveRecorder(policy.name(), window);
    for (long n = 0; n < requests; n++) {
      Request r = world.request(n, candidates);
      Slate slate = policy.choose(r, null, k);
      rec.record(n, slate, world.outcome(r, slate.items()), -1);
    }
    return rec;
  }

  /**
   * The oracle's expected clicks on one request: {@code Σ_j pb(j) · rel(top_j)}.
   *
   * @return {expected clicks, variance of the click count}
   */
  public static double[] oracleExpectation(World world, Request r, int k) {
    int[] ranked = OraclePolicy.rank(world, r);
    double mean = 0;
    double var = 0;
    for (int j = 0; j < k; j++) {
      double p = world.clickProbability(r, ranked[j], j);
      mean += p;
      var += p * (1 - p);
    }
    return new double[] {mean, var};
  }

  /**
   * The random policy's expected clicks on one request: every candidate is equally likely at every
   * position, so {@code E = Σ_j pb(j) · mean_c rel(c)}.
   *
   * @return {expected clicks, variance of the click count given the request}
   */
  public static double[] randomExpectation(World world, Request r, int k) {
    int[] c = r.candidates();
    double meanRel = 0;
    for (int item : c) {
      meanRel += world.relevance(r, item) / c.length;
    }
    double mean = 0;
    double var = 0;
    for (int j = 0; j < k; j++) {
      // Position j shows a uniformly random candidate: a Bernoulli with p = pb(j) · mean rel.
      // Positions covary slightly negatively (no replacement), so Σ p(1 − p) bounds the variance.
      double p = world.positionBias(j) * meanRel;
      mean += p;
      var += p * (1 - p);
    }
    return new double[] {mean, var};
  }
}
