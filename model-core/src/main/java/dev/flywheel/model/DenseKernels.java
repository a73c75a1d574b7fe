package dev.flywheel.model;

import java.util.Arrays;

/**
 * The deep tower's three dense products on row-major arrays, register-blocked: each inner loop
 * keeps eight (or four) independent sums in locals, so consecutive multiply-adds do not wait for
 * each other. EJML's {@code mult}, {@code multTransA} and {@code multTransB} add one product per
 * output element per step and store it back ({@code c[j] += a·b[j]}): one dependent chain through
 * memory, which C2 (JDK 17) neither vectorises nor reorders. In the pipeline profile those three
 * calls were the largest single frame (7.3 % of the samples, mostly the scorer's 1×16 · 16×32);
 * {@code docs/bench/model-core-perf.md} has the before and after.
 *
 * <p>Every output element is summed in the same order as EJML sums it (the inner dimension
 * ascending), so the results are the same doubles; {@code DenseKernelsTest} checks that against
 * EJML. Arrays may be longer than the shapes given (EJML keeps a larger array after a reshape).
 * Allocates nothing.
 */
final class DenseKernels {
  private DenseKernels() {}

  /**
   * {@code C = A · B}: A is n×k, B is k×m, C is n×m. As EJML's {@code mult}, each element starts
   * with the first product (all zeros when k = 0).
   */
  static void mult(double[] a, int n, int k, double[] b, int m, double[] c) {
    if (k == 0) {
      Arrays.fill(c, 0, n * m, 0.0);
      return;
    }
    for (int i = 0; i < n; i++) {
      // row i of A (stride 1) against the rows of B
      sumProducts(a, i * k, 1, b, m, k, c, i * m);
    }
  }

  /**
   * {@code C = Aᵀ · B}: A is n×k, B is n×m, C is k×m. As EJML's {@code multTransA}, each element
   * sums over the rows of A and B in order, starting with the first product (all zeros when n = 0).
   */
  static void multTransA(double[] a, int n, int k, double[] b, int m, double[] c) {
    if (n == 0) {
      Arrays.fill(c, 0, k * m, 0.0);
      return;
    }
    for (int p = 0; p < k; p++) {
      // column p of A (stride k) against the rows of B
      sumProducts(a, p, k, b, m, n, c, p * m);
    }
  }

  /**
   * {@code c[co + j] = Σ_s x_s · b[s·m + j]} for every column {@code j < m}, where {@code x_s =
   * a[ao + s·aStride]}, {@code s < count} (≥ 1) ascending, the first product assigned, the others
   * added: EJML's order. Eight columns at a time, each sum in a local.
   */
  private static void sumProducts(
      double[] a, int ao, int aStride, double[] b, int m, int count, double[] c, int co) {
    int j = 0;
    for (; j + 8 <= m; j += 8) {
      double x = a[ao];
      double s0 = x * b[j];
      double s1 = x * b[j + 1];
      double s2 = x * b[j + 2];
      double s3 = x * b[j + 3];
      double s4 = x * b[j + 4];
      double s5 = x * b[j + 5];
      double s6 = x * b[j + 6];
      double s7 = x * b[j + 7];
      for (int s = 1; s < count; s++) {
        x = a[ao + s * aStride];
        int bo = s * m + j;
        s0 += x * b[bo];
        s1 += x * b[bo + 1];
        s2 += x * b[bo + 2];
        s3 += x * b[bo + 3];
        s4 += x * b[bo + 4];
        s5 += x * b[bo + 5];
        s6 += x * b[bo + 6];
        s7 += x * b[bo + 7];
      }
      c[co + j] = s0;
      c[co + j + 1] = s1;
      c[co + j + 2] = s2;
      c[co + j + 3] = s3;
      c[co + j + 4] = s4;
      c[co + j + 5] = s5;
      c[co + j + 6] = s6;
      c[co + j + 7] = s7;
    }
    for (; j < m; j++) {
      double sum = a[ao] * b[j];
      for (int s = 1; s < count; s++) {
        sum += a[ao + s * aStride] * b[s * m + j];
      }
      c[co + j] = sum;
    }
  }

  /**
   * {@code C = A · Bᵀ}: A is n×m, B is p×m, C is n×p. As EJML's {@code multTransB}, each element is
   * a dot product of two rows, from zero, in column order.
   */
  static void multTransB(double[] a, int n, int m, double[] b, int p, double[] c) {
    for (int i = 0; i < n; i++) {
      int ao = i * m;
      int co = i * p;
      int j = 0;
      for (; j + 4 <= p; j += 4) {
        int b0 = j * m;
        int b1 = b0 + m;
        int b2 = b1 + m;
        int b3 = b2 + m;
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        for (int t = 0; t < m; t++) {
          double x = a[ao + t];
          s0 += x * b[b0 + t];
          s1 += x * b[b1 + t];
          s2 += x * b[b2 + t];
          s3 += x * b[b3 + t];
        }
        c[co + j] = s0;
        c[co + j + 1] = s1;
        c[co + j + 2] = s2;
        c[co + j + 3] = s3;
      }
      for (; j < p; j++) {
        int bo = j * m;
        double s = 0;
        for (int t = 0; t < m; t++) {
          s += a[ao + t] * b[bo + t];
        }
        c[co + j] = s;
      }
    }
  }
}
