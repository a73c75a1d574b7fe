package dev.flywheel.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class WorldTest {

  private static final int CANDIDATES = 20;
  private static final int K = 5;

  @Test
  void sameSeedReproducesRequestsProbabilitiesAndOutcomes() {
    World a = new World(WorldConfig.defaults());
    World b = new World(WorldConfig.defaults());
    for (long n = 0; n < 500; n++) {
      Request ra = a.request(n, CANDIDATES);
      Request rb = b.request(n, CANDIDATES);
      assertThat(rb.user()).isEqualTo(ra.user());
      assertThat(rb.hour()).isEqualTo(ra.hour());
      assertThat(rb.device()).isEqualTo(ra.device());
      assertThat(rb.candidates()).containsExactly(ra.candidates());
      for (int item : ra.candidates()) {
        assertThat(b.relevance(rb, item)).isEqualTo(a.relevance(ra, item));
        assertThat(b.price(item)).isEqualTo(a.price(item));
        assertThat(b.category(item)).isEqualTo(a.category(item));
      }
      int[] shown = Arrays.copyOf(ra.candidates(), K);
      Outcome oa = a.outcome(ra, shown);
      Outcome ob = b.outcome(rb, shown);
      assertThat(ob.clicked()).containsExactly(oa.clicked());
      assertThat(ob.delaySeconds()).containsExactly(oa.delaySeconds());
    }
  }

  @Test
  void anotherSeedGivesAnotherWorld() {
    World a = new World(WorldConfig.defaults());
    World b = new World(WorldConfig.defaults().withSeed(43));
    int sameUser = 0;
    int sameCandidates = 0;
    for (long n = 0; n < 200; n++) {
      Request ra = a.request(n, CANDIDATES);
      Request rb = b.request(n, CANDIDATES);
      sameUser += ra.user() == rb.user() ? 1 : 0;
      sameCandidates += Arrays.equals(ra.candidates(), rb.candidates()) ? 1 : 0;
    }
    assertThat(sameUser).isLessThan(5);
    assertThat(sameCandidates).isZero();
  }

  @Test
  void requestsHaveDistinctCandidatesFromTheCatalog() {
    World w = new World(WorldConfig.defaults());
    for (long n = 0; n < 1000; n++) {
      int[] c = w.request(n, CANDIDATES).candidates();
      assertThat(c).hasSize(CANDIDATES).doesNotHaveDuplicates();
      assertThat(Arrays.stream(c).allMatch(i -> i >= 0 && i < 1000)).isTrue();
    }
    // The whole catalog as candidates is a permutation.
    assertThat(w.request(7, 1000).candidates()).doesNotHaveDuplicates().hasSize(1000);
    assertThatThrownBy(() -> w.request(0, 1001)).hasMessageContaining("candidates");
  }

  @Test
  void probabilitiesArePositionBiasedAndInRange() {
    World w = new World(WorldConfig.defaults());
    assertThat(w.positionBias(0)).isEqualTo(1.0);
    for (int k = 1; k < 100; k++) {
      assertThat(w.positionBias(k)).isLessThan(w.positionBias(k - 1)).isPositive();
    }
    // (1 + k)^-0.7 at k = 3: 4^-0.7
    assertThat(w.positionBias(3))
        .isCloseTo(Math.pow(4, -0.7), org.assertj.core.data.Offset.offset(1e-12));
    Request r = w.request(3, CANDIDATES);
    for (int item : r.candidates()) {
      double rel = w.relevance(r, item);
      assertThat(rel).isStrictlyBetween(0.0, 1.0);
      assertThat(w.clickProbability(r, item, 2)).isEqualTo(rel * w.positionBias(2));
    }
  }

  @Test
  void clickDelaysAreLogNormalAroundTheMedianAndCapped() {
    World w = new World(WorldConfig.defaults());
    int n = 20_000;
    double[] delays = new double[n * K];
    int m = 0;
    for (long i = 0; i < n; i++) {
      Request r = w.request(i, CANDIDATES);
      for (double d : w.outcome(r, Arrays.copyOf(r.candidates(), K)).delaySeconds()) {
        delays[m++] = d;
      }
    }
    Arrays.sort(delays);
    assertThat(delays[0]).isPositive();
    assertThat(delays[delays.length - 1]).isLessThanOrEqualTo(120.0);
    // Median of a log-normal is exp(mu) = 5 s; the sample median of 100k draws is within 2%.
    assertThat(delays[delays.length / 2]).isBetween(4.9, 5.1);
  }

  @Test
  void driftChangesTheOraclesRankingFromTheDriftPointOn() {
    long driftAt = 1_000;
    World drifted =
        new World(WorldConfig.defaults().withDrift(driftAt, WorldConfig.DriftKind.BOTH));
    World stable = new World(WorldConfig.defaults());
    // Before the drift point both worlds are one world.
    for (long n = 0; n < driftAt; n += 37) {
      Request a = drifted.request(n, CANDIDATES);
      assertThat(a.phase()).isZero();
      assertThat(OraclePolicy.rank(drifted, a))
          .containsExactly(OraclePolicy.rank(stable, stable.request(n, CANDIDATES)));
    }
    for (WorldConfig.DriftKind kind : WorldConfig.DriftKind.values()) {
      World w = new World(WorldConfig.defaults().withDrift(driftAt, kind));
      int requests = 2_000;
      long overlap = 0;
      int topChanged = 0;
      for (long n = driftAt; n < driftAt + requests; n++) {
        Request after = w.request(n, CANDIDATES);
        assertThat(after.phase()).isEqualTo(1);
        Request before =
            new Request(n, after.user(), after.hour(), after.device(), after.candidates(), 0);
        int[] topAfter = Arrays.copyOf(OraclePolicy.rank(w, after), K);
        int[] topBefore = Arrays.copyOf(OraclePolicy.rank(w, before), K);
        overlap +=
            Arrays.stream(topAfter)
                .filter(i -> Arrays.stream(topBefore).anyMatch(j -> j == i))
                .count();
        topChanged += topAfter[0] != topBefore[0] ? 1 : 0;
      }
      double meanOverlap = (double) overlap / requests;
      // Without drift the overlap is 5 of 5; two independent top-5s of 20 share 1.25 on average.
      assertThat(meanOverlap).as("top-%d overlap after %s", K, kind).isLessThan(3.6);
      assertThat(topChanged)
          .as("requests whose best item changed after %s", kind)
          .isGreaterThan(requests / 3);
    }
  }

  @Test
  void itemIdsRoundTrip() {
    World w = new World(WorldConfig.defaults());
    for (int i : new int[] {0, 17, 999}) {
      assertThat(w.itemIndex(w.itemId(i))).isEqualTo(i);
    }
    for (String bad : new String[] {null, "", "i-", "i-1000", "x-3", "i-3a", "i-99999999999"}) {
      assertThat(w.itemIndex(bad)).as(bad).isEqualTo(-1);
    }
  }

  @Test
  void badConfigNamesTheParameter() {
    WorldConfig d = WorldConfig.defaults();
    assertThatThrownBy(
            () ->
                new World(
                    new WorldConfig(
                        0,
                        d.items(),
                        d.segments(),
                        d.categories(),
                        d.latentDim(),
                        d.bias(),
                        d.popularityScale(),
                        d.groupFactorScale(),
                        d.individualFactorScale(),
                        d.affinityScale(),
                        d.maxPriceSensitivity(),
                        d.positionDecay(),
                        d.clickDelayMedianSeconds(),
                        d.clickDelaySigma(),
                        d.maxClickDelaySeconds(),
                        0,
                        d.drift(),
                        1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("users");
    assertThatThrownBy(() -> d.withDrift(-1, WorldConfig.DriftKind.BOTH).validate())
        .hasMessageContaining("driftAtRequest");
  }
}
