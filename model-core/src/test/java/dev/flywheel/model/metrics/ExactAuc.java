package dev.flywheel.model.metrics;

import java.util.Arrays;
import java.util.Comparator;

/** Reference AUC for tests: Mann-Whitney over sorted predictions, ties counted ½, O(n log n). */
final class ExactAuc {
  private ExactAuc() {}

  static double auc(double[] predictions, double[] labels) {
    Integer[] order = new Integer[predictions.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingDouble(i -> predictions[i]));
    double negativesBelow = 0;
    double ordered = 0;
    double positives = 0;
    int i = 0;
    while (i < order.length) {
      int j = i;
      double pos = 0;
      double neg = 0;
      while (j < order.length && predictions[order[j]] == predictions[order[i]]) {
        if (labels[order[j]] >= 0.5) {
          pos++;
        } else {
          neg++;
        }
        j++;
      }
      ordered += pos * (negativesBelow + 0.5 * neg);
      negativesBelow += neg;
      positives += pos;
      i = j;
    }
    return ordered / (positives * negativesBelow);
  }
}
