package dev.flywheel.deploy.bench;

import java.util.Arrays;
import java.util.List;

/**
 * Median and range of one measurement over its repeats. NaN values (a repeat that produced no
 * figure) are left out; {@code n} says how many were kept.
 *
 * @param median the median (the mean of the middle two for an even count)
 * @param min smallest value
 * @param max largest value
 * @param n number of values summarised
 */
public record Summary(double median, double min, double max, int n) {

  /** The summary of {@code values}; all NaN when none is a number. */
  public static Summary of(List<Double> values) {
    double[] v =
        values.stream().mapToDouble(Double::doubleValue).filter(x -> !Double.isNaN(x)).toArray();
    if (v.length == 0) {
      return new Summary(Double.NaN, Double.NaN, Double.NaN, 0);
    }
    Arrays.sort(v);
    int mid = v.length / 2;
    double median = v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
    return new Summary(median, v[0], v[v.length - 1], v.length);
  }
}
