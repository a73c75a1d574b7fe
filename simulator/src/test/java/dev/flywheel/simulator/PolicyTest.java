package dev.flywheel.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PolicyTest {

  private static final int CANDIDATES = 20;
  private static final int K = 5;
  private static final int REQUESTS = 100_000;

  private final World world = new World(WorldConfig.defaults());

  @Test
  void oracleCtrMatchesTheAnalyticExpectation() {
    CurveRecorder rec =
        OfflineRun.run(world, new OraclePolicy(world), REQUESTS, CANDIDATES, K, 10_000);
    double mean = 0;
    double var = 0;
    for (long n = 0; n < REQUESTS; n++) {
      double[] e = OfflineRun.oracleExpectation(world, world.request(n, CANDIDATES), K);
      mean += e[0];
      var += e[1];
    }
    // Clicks are a sum of independent Bernoullis with known p: within 4 standard errors.
    assertThat((double) rec.clicks()).isCloseTo(mean, offset(4 * Math.sqrt(var)));
    assertThat(rec.impressions()).isEqualTo((long) REQUESTS * K);
  }

  @Test
  void randomCtrMatchesTheAnalyticExpectation() {
    CurveRecorder rec =
        OfflineRun.run(world, new RandomPolicy(world), REQUESTS, CANDIDATES, K, 10_000);
    double mean = 0;
    double var = 0;
    for (long n = 0; n < REQUESTS; n++) {
      double[] e = OfflineRun.randomExpectation(world, world.request(n, CANDIDATES), K);
      mean += e[0];
      var += e[1];
    }
    assertThat((double) rec.clicks()).isCloseTo(mean, offset(4 * Math.sqrt(var)));
  }

  @Test
  void theOracleBeatsRandomByFarOnTheDefaultWorld() {
    double random =
        OfflineRun.run(world, new RandomPolicy(world), 20_000, CANDIDATES, K, 1000).ctr();
    double oracle =
        OfflineRun.run(world, new OraclePolicy(world), 20_000, CANDIDATES, K, 1000).ctr();
    assertThat(random).isBetween(0.04, 0.07);
    assertThat(oracle).isBetween(0.14, 0.20);
  }

  @Test
  void offlineRunsReproduceExactlyForASeedAndDifferForAnother() {
    CurveRecorder a = OfflineRun.run(world, new RandomPolicy(world), 5_000, CANDIDATES, K, 500);
    CurveRecorder b =
        OfflineRun.run(
            new World(WorldConfig.defaults()),
            new RandomPolicy(new World(WorldConfig.defaults())),
            5_000,
            CANDIDATES,
            K,
            500);
    World other = new World(WorldConfig.defaults().withSeed(7));
    CurveRecorder c = OfflineRun.run(other, new RandomPolicy(other), 5_000, CANDIDATES, K, 500);
    assertThat(clicksPerWindow(b)).containsExactly(clicksPerWindow(a));
    assertThat(clicksPerWindow(c)).isNotEqualTo(clicksPerWindow(a));
    assertThat(a.windows()).hasSize(10);
  }

  @Test
  void randomSlatesAreDistinctCandidatesWithConditionalPropensities() {
    RandomPolicy p = new RandomPolicy(world);
    Request r = world.request(11, CANDIDATES);
    Slate s = p.choose(r, null, K);
    assertThat(s.items()).hasSize(K).doesNotHaveDuplicates();
    assertThat(Arrays.stream(s.items()).allMatch(i -> contains(r.candidates(), i))).isTrue();
    assertThat(s.propensities()).containsExactly(1 / 20.0, 1 / 19.0, 1 / 18.0, 1 / 17.0, 1 / 16.0);
    assertThat(s.fallback()).isFalse();
    // Same request, same draws.
    assertThat(p.choose(r, null, K).items()).containsExactly(s.items());
    assertThatThrownBy(() -> p.choose(r, null, 21)).hasMessageContaining("k must be");
  }

  @Test
  void modelPolicyWithTheOraclesRankingAndNoExplorationIsTheOracle() {
    ModelPolicy model = new ModelPolicy(world, 0.0);
    OraclePolicy oracle = new OraclePolicy(world);
    for (long n = 0; n < 300; n++) {
      Request r = world.request(n, CANDIDATES);
      Ranking ranking = oracleRanking(r, true);
      Slate m = model.choose(r, ranking, K);
      assertThat(m.items()).containsExactly(oracle.choose(r, null, K).items());
      assertThat(m.propensities()).containsOnly(1.0);
      assertThat(m.scores()[0]).isEqualTo(world.relevance(r, m.items()[0]));
    }
  }

  @Test
  void modelPolicyRanksByScoreNotByListOrder() {
    ModelPolicy model = new ModelPolicy(world, 0.0);
    Request r = world.request(5, CANDIDATES);
    int[] c = r.candidates();
    // Listed worst first: the policy must still show c[2] (score 0.9) first.
    Ranking ranking =
        new Ranking(
            "r-5",
            "default",
            3,
            new String[] {world.itemId(c[0]), world.itemId(c[1]), world.itemId(c[2]), "i-unknown"},
            new double[] {0.1, 0.5, 0.9, 0.99});
    Slate s = model.choose(r, ranking, 3);
    assertThat(s.items()).containsExactly(c[2], c[1], c[0]);
    // Candidates the prediction does not mention come after, in candidate order.
    assertThat(model.choose(r, ranking, 5).items()).containsExactly(c[2], c[1], c[0], c[3], c[4]);
  }

  @Test
  void modelPolicyExploresAtRateEpsilonWithMatchingPropensities() {
    double epsilon = 0.2;
    ModelPolicy model = new ModelPolicy(world, epsilon);
    int requests = 20_000;
    long explored = 0;
    for (long n = 0; n < requests; n++) {
      Request r = world.request(n, CANDIDATES);
      Ranking ranking = oracleRanking(r, true);
      int[] greedy = Arrays.copyOf(OraclePolicy.rank(world, r), K);
      Slate s = model.choose(r, ranking, K);
      assertThat(s.items()).doesNotHaveDuplicates();
      assertThat(s.fallback()).isFalse();
      for (int pos = 0; pos < K; pos++) {
        if (s.items()[pos] == greedy[pos]) {
          assertThat(s.propensities()[pos]).isEqualTo(1 - epsilon);
        } else {
          explored++;
          assertThat(contains(greedy, s.items()[pos])).isFalse();
          // ε / |pool|, the pool being 15 minus the items explored before this position.
          assertThat(s.propensities()[pos]).isBetween(epsilon / 15, epsilon / 11);
        }
      }
    }
    double rate = (double) explored / (requests * K);
    double se = Math.sqrt(epsilon * (1 - epsilon) / (requests * K));
    assertThat(rate).isCloseTo(epsilon, offset(4 * se));
  }

  @Test
  void modelPolicyFallsBackToARandomSlateWithoutAPrediction() {
    ModelPolicy model = new ModelPolicy(world, 0.1);
    Request r = world.request(9, CANDIDATES);
    Slate s = model.choose(r, null, K);
    assertThat(s.fallback()).isTrue();
    assertThat(s.items()).containsExactly(new RandomPolicy(world).choose(r, null, K).items());
    assertThatThrownBy(() -> new ModelPolicy(world, 1.5)).hasMessageContaining("epsilon");
  }

  private Ranking oracleRanking(Request r, boolean withScores) {
    int[] ranked = OraclePolicy.rank(world, r);
    String[] ids = new String[ranked.length];
    double[] scores = new double[ranked.length];
    for (int j = 0; j < ranked.length; j++) {
      ids[j] = world.itemId(ranked[j]);
      scores[j] = withScores ? world.relevance(r, ranked[j]) : Double.NaN;
    }
    return new Ranking("r-" + r.index(), "default", 1, ids, scores);
  }

  private static long[] clicksPerWindow(CurveRecorder rec) {
    return rec.windows().stream().mapToLong(CurveRecorder.Window::clicks).toArray();
  }

  private static boolean contains(int[] a, int v) {
    for (int x : a) {
      if (x == v) {
        return true;
      }
    }
    return false;
  }
}
