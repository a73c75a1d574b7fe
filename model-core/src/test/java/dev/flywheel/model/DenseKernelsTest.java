package dev.flywheel.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

/** The tower's kernels give EJML's doubles, for every shape the blocking splits differently. */
class DenseKernelsTest {
  private static final int[] ROWS = {1, 2, 3, 7, 64, 256};
  private static final int[] SIZES = {1, 3, 4, 7, 8, 9, 16, 17, 32, 33};

  @Test
  void multMatchesEjml() {
    SplittableRandom random = new SplittableRandom(1);
    for (int n : ROWS) {
      for (int k : SIZES) {
        for (int m : SIZES) {
          DMatrixRMaj a = random(n, k, random);
          DMatrixRMaj b = random(k, m, random);
          DMatrixRMaj expected = new DMatrixRMaj(n, m);
          CommonOps_DDRM.mult(a, b, expected);
          double[] actual = garbage(n * m + 5, random);
          DenseKernels.mult(a.data, n, k, b.data, m, actual);
          assertSame(expected, actual, "mult " + n + "x" + k + " · " + k + "x" + m);
        }
      }
    }
  }

  @Test
  void multTransAMatchesEjml() {
    SplittableRandom random = new SplittableRandom(2);
    for (int n : ROWS) {
      for (int k : SIZES) {
        for (int m : SIZES) {
          DMatrixRMaj a = random(n, k, random);
          DMatrixRMaj b = random(n, m, random);
          DMatrixRMaj expected = new DMatrixRMaj(k, m);
          CommonOps_DDRM.multTransA(a, b, expected);
          double[] actual = garbage(k * m + 5, random);
          DenseKernels.multTransA(a.data, n, k, b.data, m, actual);
          assertSame(expected, actual, "multTransA " + n + "x" + k + "ᵀ · " + n + "x" + m);
        }
      }
    }
  }

  @Test
  void multTransBMatchesEjml() {
    SplittableRandom random = new SplittableRandom(3);
    for (int n : ROWS) {
      for (int m : SIZES) {
        for (int p : SIZES) {
          DMatrixRMaj a = random(n, m, random);
          DMatrixRMaj b = random(p, m, random);
          DMatrixRMaj expected = new DMatrixRMaj(n, p);
          CommonOps_DDRM.multTransB(a, b, expected);
          double[] actual = garbage(n * p + 5, random);
          DenseKernels.multTransB(a.data, n, m, b.data, p, actual);
          assertSame(expected, actual, "multTransB " + n + "x" + m + " · " + p + "x" + m + "ᵀ");
        }
      }
    }
  }

  @Test
  void emptyInnerDimensionGivesZeros() {
    double[] c = {7, 7, 7, 7, 7, 7, 9};
    DenseKernels.mult(new double[0], 2, 0, new double[0], 3, c);
    assertThat(c).containsExactly(0, 0, 0, 0, 0, 0, 9);
    double[] g = {7, 7, 7, 7, 9};
    DenseKernels.multTransA(new double[0], 0, 2, new double[0], 2, g);
    assertThat(g).containsExactly(0, 0, 0, 0, 9);
  }

  /** Values in [-1, 1), a third of them exactly 0 (as after a ReLU), in a longer array. */
  private static DMatrixRMaj random(int rows, int cols, SplittableRandom random) {
    DMatrixRMaj m = new DMatrixRMaj(rows, cols);
    for (int i = 0; i < rows * cols; i++) {
      m.data[i] = random.nextInt(3) == 0 ? 0.0 : random.nextDouble(-1, 1);
    }
    return m;
  }

  private static double[] garbage(int length, SplittableRandom random) {
    double[] a = new double[length];
    for (int i = 0; i < length; i++) {
      a[i] = random.nextDouble(100, 200);
    }
    return a;
  }

  /** Equal as doubles (0.0 == -0.0: EJML's small and reordered loops differ in the zero's sign). */
  private static void assertSame(DMatrixRMaj expected, double[] actual, String what) {
    int size = expected.getNumElements();
    for (int i = 0; i < size; i++) {
      if (!(expected.data[i] == actual[i])) {
        throw new AssertionError(
            what + ": element " + i + " is " + actual[i] + ", EJML gives " + expected.data[i]);
      }
    }
    assertThat(actual[size]).as(what + ": wrote past the result").isGreaterThanOrEqualTo(100);
  }
}
