package dev.flywheel.deploy.bench;

import java.util.List;
import java.util.OptionalDouble;

/**
 * Which rate the sustainable-rate search ({@link LatencyBench#searchSustainable}) probes next,
 * given the answers so far: pure, no Kafka, no Flink, no clock. Rates are fractions of the replay
 * rate.
 *
 * <p>The rule:
 *
 * <ol>
 *   <li>The first probe is at {@code start} (the replay rate).
 *   <li>While no probe has failed, the next is the highest sustained × {@code growth}, at most
 *       {@code cap}; a sustained probe at the cap ends the search, its rate only a lower bound.
 *   <li>Once a probe has failed, the next bisects [highest sustained, lowest failed], or [{@code
 *       low}, lowest failed] if none was sustained ({@code low} itself is never probed).
 *   <li>At most {@code budget} probes.
 * </ol>
 *
 * <p>Growing by a factor bounds the overshoot above the start: a probe above {@code start} offers
 * at most {@code growth} × a rate the pipeline sustained, so if it fails the backlog it leaves
 * takes at most ({@code growth} − 1) × the probe's length to drain (with 1.5 and 20 s, 10 s: within
 * the default drain timeout of 30 s), and is not charged to the next probe.
 *
 * @param low the bottom of the bracket while nothing was sustained, > 0
 * @param start the first probe, in ({@code low}, {@code cap}]
 * @param growth factor between probes while every probe was sustained, > 1
 * @param cap the highest rate probed
 * @param budget the most probes, >= 1
 */
record RateSearch(double low, double start, double growth, double cap, int budget) {

  RateSearch {
    if (!(low > 0) || Double.isInfinite(low)) {
      throw new IllegalArgumentException("low must be a positive number, got " + low);
    }
    if (!(start > low && start <= cap)) {
      throw new IllegalArgumentException(
          "start must be in (low, cap] = (" + low + ", " + cap + "], got " + start);
    }
    if (!(growth > 1) || Double.isInfinite(growth)) {
      throw new IllegalArgumentException("growth must be a number > 1, got " + growth);
    }
    if (Double.isInfinite(cap)) {
      throw new IllegalArgumentException("cap must be finite, got " + cap);
    }
    if (budget < 1) {
      throw new IllegalArgumentException("budget must be >= 1, got " + budget);
    }
  }

  /** One probe's answer: its rate (fraction of the replay rate) and whether it was sustained. */
  record Answer(double fraction, boolean sustained) {}

  /**
   * What the answers established.
   *
   * @param sustained the highest sustained fraction below {@code failed}; NaN if none
   * @param failed the lowest failed fraction; NaN if every probe was sustained
   */
  record Outcome(double sustained, double failed) {
    /** Whether any probe was sustained. */
    boolean found() {
      return !Double.isNaN(sustained);
    }

    /**
     * Whether {@link #sustained} is bracketed by a failed probe above it; if not, it is only a
     * lower bound (or nothing was sustained).
     */
    boolean bracketed() {
      return found() && !Double.isNaN(failed);
    }
  }

  /**
   * The next probe's fraction, or empty when the search is over.
   *
   * @param answers every probe so far, in the order run (input, not modified)
   */
  OptionalDouble next(List<Answer> answers) {
    if (answers.size() >= budget) {
      return OptionalDouble.empty();
    }
    if (answers.isEmpty()) {
      return OptionalDouble.of(start);
    }
    Outcome o = outcome(answers);
    if (Double.isNaN(o.failed())) {
      return o.sustained() >= cap
          ? OptionalDouble.empty()
          : OptionalDouble.of(Math.min(o.sustained() * growth, cap));
    }
    double bottom = o.found() ? o.sustained() : low;
    return OptionalDouble.of((bottom + o.failed()) / 2);
  }

  /**
   * The lowest failed fraction and the highest sustained one below it.
   *
   * @param answers every probe so far (input, not modified)
   */
  static Outcome outcome(List<Answer> answers) {
    double failed = Double.NaN;
    for (Answer a : answers) {
      if (!a.sustained() && !(a.fraction() >= failed)) {
        failed = a.fraction();
      }
    }
    double sustained = Double.NaN;
    for (Answer a : answers) {
      if (a.sustained() && !(a.fraction() >= failed) && !(a.fraction() <= sustained)) {
        sustained = a.fraction();
      }
    }
    return new Outcome(sustained, failed);
  }
}
