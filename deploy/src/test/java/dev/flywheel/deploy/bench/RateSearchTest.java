package dev.flywheel.deploy.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.function.DoublePredicate;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The sustainable-rate search's decisions ({@link RateSearch}) for scripted answers, and how its
 * result is recorded and reported: no broker, no cluster.
 */
class RateSearchTest {
  private static final RateSearch SEARCH = LatencyBench.SEARCH;
  private static final Offset<Double> EXACT = within(1e-12);

  /** Runs the search, answering the i-th probe with {@code script[i]}; returns every answer. */
  private static List<RateSearch.Answer> run(RateSearch search, boolean... script) {
    List<RateSearch.Answer> answers = new ArrayList<>();
    for (OptionalDouble next = search.next(answers);
        next.isPresent();
        next = search.next(answers)) {
      assertThat(answers.size())
          .as("probes asked for, with %d answers scripted", script.length)
          .isLessThan(script.length);
      answers.add(new RateSearch.Answer(next.getAsDouble(), script[answers.size()]));
    }
    return answers;
  }

  /** Runs the search against a pipeline that sustains exactly the fractions {@code keepsUp}. */
  private static List<RateSearch.Answer> run(RateSearch search, DoublePredicate keepsUp) {
    List<RateSearch.Answer> answers = new ArrayList<>();
    for (OptionalDouble next = search.next(answers);
        next.isPresent();
        next = search.next(answers)) {
      answers.add(new RateSearch.Answer(next.getAsDouble(), keepsUp.test(next.getAsDouble())));
    }
    return answers;
  }

  private static double[] fractions(List<RateSearch.Answer> answers) {
    return answers.stream().mapToDouble(RateSearch.Answer::fraction).toArray();
  }

  @Test
  void theDefaultSearchIsTheStatedOne() {
    assertThat(SEARCH).isEqualTo(new RateSearch(0.2, 1, 1.5, 4, 6));
  }

  @Test
  void everyProbeSustainedGrowsByHalfUpToTheCapAndStopsThereWithALowerBound() {
    List<RateSearch.Answer> answers = run(SEARCH, true, true, true, true, true, true);

    assertThat(fractions(answers)).containsExactly(new double[] {1, 1.5, 2.25, 3.375, 4}, EXACT);
    RateSearch.Outcome o = RateSearch.outcome(answers);
    assertThat(o.sustained()).isEqualTo(4);
    assertThat(o.failed()).isNaN();
    assertThat(o.found()).isTrue();
    assertThat(o.bracketed()).as("only a lower bound: the cap was sustained").isFalse();
  }

  @Test
  void aFailureAboveTheReplayRateIsBisectedAgainstTheHighestSustained() {
    List<RateSearch.Answer> answers = run(SEARCH, true, false, true, false, true, true);

    assertThat(fractions(answers))
        .containsExactly(new double[] {1, 1.5, 1.25, 1.375, 1.3125, 1.34375}, EXACT);
    RateSearch.Outcome o = RateSearch.outcome(answers);
    assertThat(o.sustained()).isEqualTo(1.34375);
    assertThat(o.failed()).isEqualTo(1.375);
    assertThat(o.bracketed()).isTrue();
  }

  @Test
  void aFailureAtTheReplayRateBisectsTheOldInterval() {
    List<RateSearch.Answer> answers = run(SEARCH, false, true, false, true, false, false);

    assertThat(fractions(answers))
        .containsExactly(new double[] {1, 0.6, 0.8, 0.7, 0.75, 0.725}, EXACT);
    RateSearch.Outcome o = RateSearch.outcome(answers);
    assertThat(o.sustained()).isCloseTo(0.7, EXACT);
    assertThat(o.failed()).isCloseTo(0.725, EXACT);
    assertThat(o.bracketed()).isTrue();
  }

  @Test
  void nothingSustainedBisectsDownTowardsTheUnprobedBottom() {
    List<RateSearch.Answer> answers = run(SEARCH, false, false, false, false, false, false);

    assertThat(fractions(answers))
        .containsExactly(new double[] {1, 0.6, 0.4, 0.3, 0.25, 0.225}, EXACT);
    RateSearch.Outcome o = RateSearch.outcome(answers);
    assertThat(o.found()).isFalse();
    assertThat(o.bracketed()).isFalse();
    assertThat(o.failed()).isCloseTo(0.225, EXACT);
  }

  @Test
  void aFailureAtTheCapLeavesOneProbeToBisect() {
    List<RateSearch.Answer> answers = run(SEARCH, true, true, true, true, false, true);

    assertThat(fractions(answers))
        .containsExactly(new double[] {1, 1.5, 2.25, 3.375, 4, 3.6875}, EXACT);
    RateSearch.Outcome o = RateSearch.outcome(answers);
    assertThat(o.sustained()).isEqualTo(3.6875);
    assertThat(o.failed()).isEqualTo(4);
  }

  @Test
  void aPipelineThatKeepsUpAboveTheReplayRateIsFoundThere() {
    // The case the old search (a bisection of 20-100 % of replay) could only report as 98 %.
    List<RateSearch.Answer> answers = run(SEARCH, f -> f <= 1.2);

    assertThat(fractions(answers))
        .containsExactly(new double[] {1, 1.5, 1.25, 1.125, 1.1875, 1.21875}, EXACT);
    assertThat(RateSearch.outcome(answers)).isEqualTo(new RateSearch.Outcome(1.1875, 1.21875));
  }

  @Test
  void everyAnswerSequenceStaysWithinTheBudgetAndInsideTheBracket() {
    int sequences = 1 << SEARCH.budget();
    for (int bits = 0; bits < sequences; bits++) {
      boolean[] script = new boolean[SEARCH.budget()];
      for (int i = 0; i < script.length; i++) {
        script[i] = (bits >> i & 1) == 1;
      }
      List<RateSearch.Answer> answers = run(SEARCH, script);
      assertThat(answers.size()).as("script %s", bits).isBetween(1, SEARCH.budget());
      for (int i = 0; i < answers.size(); i++) {
        double f = answers.get(i).fraction();
        RateSearch.Outcome before = RateSearch.outcome(answers.subList(0, i));
        assertThat(f).as("probe %d of script %s", i + 1, bits).isGreaterThan(SEARCH.low());
        assertThat(f).as("probe %d of script %s", i + 1, bits).isLessThanOrEqualTo(SEARCH.cap());
        if (before.found()) {
          assertThat(f).as("above the highest sustained").isGreaterThan(before.sustained());
        }
        if (!Double.isNaN(before.failed())) {
          assertThat(f).as("below the lowest failed").isLessThan(before.failed());
        }
      }
      RateSearch.Outcome o = RateSearch.outcome(answers);
      double highestSustained =
          answers.stream()
              .filter(RateSearch.Answer::sustained)
              .mapToDouble(RateSearch.Answer::fraction)
              .max()
              .orElse(Double.NaN);
      assertThat(Double.valueOf(o.sustained()))
          .as("script %s", bits)
          .isEqualTo(Double.valueOf(highestSustained));
      if (o.found() && !o.bracketed()) {
        assertThat(answers).as("a lower bound only if nothing failed").allMatch(a -> a.sustained());
      }
    }
  }

  @Test
  void aBudgetSpentWhileGrowingLeavesALowerBoundBelowTheCap() {
    RateSearch small = new RateSearch(0.2, 1, 2, 8, 3);
    List<RateSearch.Answer> answers = run(small, true, true, true);

    assertThat(fractions(answers)).containsExactly(new double[] {1, 2, 4}, EXACT);
    assertThat(small.next(answers)).isEmpty();
    assertThat(RateSearch.outcome(answers)).isEqualTo(new RateSearch.Outcome(4, Double.NaN));
    assertThat(RateSearch.outcome(answers).bracketed()).isFalse();
  }

  @Test
  void badParametersAreRejectedNamingTheValue() {
    assertThatThrownBy(() -> new RateSearch(0, 1, 1.5, 4, 6))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("low must be a positive number, got 0.0");
    assertThatThrownBy(() -> new RateSearch(0.2, 5, 1.5, 4, 6))
        .hasMessageContaining("start must be in (low, cap] = (0.2, 4.0], got 5.0");
    assertThatThrownBy(() -> new RateSearch(0.2, 1, 1, 4, 6))
        .hasMessageContaining("growth must be a number > 1, got 1.0");
    assertThatThrownBy(() -> new RateSearch(0.2, 1, Double.NaN, 4, 6))
        .hasMessageContaining("growth must be a number > 1, got NaN");
    assertThatThrownBy(() -> new RateSearch(0.2, 1, 1.5, 4, 0))
        .hasMessageContaining("budget must be >= 1, got 0");
  }

  @Test
  void theResultSaysWhetherItsRateIsBracketedOrOnlyALowerBound() {
    List<BenchResult.Probe> probes = List.of();
    BenchResult.Sustainable bracketed =
        LatencyBench.sustainable(100_000, RateSearch.outcome(run(SEARCH, f -> f <= 1.2)), probes);
    assertThat(bracketed.rate()).isEqualTo(118_750);
    assertThat(bracketed.found()).isTrue();
    assertThat(bracketed.bracketed()).isTrue();
    assertThat(bracketed.failedRate()).isEqualTo(121_875);
    assertThat(BenchReport.searchOutcome(bracketed))
        .isEqualTo("bracketed: 121,875/s (122 % of replay) was not sustained");

    BenchResult.Sustainable lowerBound =
        LatencyBench.sustainable(100_000, RateSearch.outcome(run(SEARCH, f -> true)), probes);
    assertThat(lowerBound.rate()).isEqualTo(400_000);
    assertThat(lowerBound.bracketed()).isFalse();
    assertThat(lowerBound.failedRate()).isNull();
    assertThat(BenchReport.searchOutcome(lowerBound))
        .isEqualTo("only a lower bound: every probe was sustained");

    BenchResult.Sustainable none =
        LatencyBench.sustainable(100_000, RateSearch.outcome(run(SEARCH, f -> false)), probes);
    assertThat(none.found()).isFalse();
    assertThat(none.bracketed()).isFalse();
    assertThat(none.rate()).as("the unprobed bottom, 20 %").isEqualTo(20_000);
    assertThat(none.failedRate()).isEqualTo(22_500);
    assertThat(BenchReport.searchOutcome(none)).startsWith("no probe was sustained");
  }

  @Test
  void theHelpStatesTheSearchThatRuns() {
    String help =
        String.join(
            " ",
            new CommandLine(new BenchMain())
                .getCommandSpec()
                .findOption("--rate-basis")
                .description());
    assertThat(help)
        .contains(
            "at most "
                + SEARCH.budget()
                + " probes of "
                + LatencyBench.PROBE_DURATION.toSeconds()
                + " s")
        .contains("the first at the replay rate")
        .contains("x" + SEARCH.growth() + " while sustained")
        .contains("up to " + Math.round(SEARCH.cap()) + "x it");
    assertThat(SEARCH.start()).isEqualTo(1);
  }
}
