package dev.flywheel.jobs.score;

/**
 * Orders candidate indices by descending score without allocating: a stable merge sort over a
 * caller-owned index buffer, ties kept in the order sent, NaN last.
 */
final class Ranking {
  private int[] order = new int[16];
  private int[] work = new int[16];

  /**
   * Sorts {@code [0, n)} by {@code scores} descending.
   *
   * @param scores input, length at least {@code n}; not modified
   * @return the index buffer, valid in {@code [0, n)}; overwritten by the next call
   */
  int[] rank(double[] scores, int n) {
    if (order.length < n) {
      order = new int[Math.max(n, order.length * 2)];
      work = new int[order.length];
    }
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int width = 1; width < n; width *= 2) {
      for (int lo = 0; lo < n - width; lo += 2 * width) {
        merge(scores, lo, lo + width, Math.min(lo + 2 * width, n));
      }
    }
    return order;
  }

  private void merge(double[] scores, int lo, int mid, int hi) {
    System.arraycopy(order, lo, work, lo, hi - lo);
    int i = lo;
    int j = mid;
    for (int k = lo; k < hi; k++) {
      if (i < mid && (j >= hi || !before(scores[work[j]], scores[work[i]]))) {
        order[k] = work[i++];
      } else {
        order[k] = work[j++];
      }
    }
  }

  /** Whether score {@code a} ranks strictly before {@code b} (higher first, NaN last). */
  private static boolean before(double a, double b) {
    if (Double.isNaN(a)) {
      return false;
    }
    return Double.isNaN(b) || a > b;
  }
}
