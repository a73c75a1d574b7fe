package dev.flywheel.replay;

/**
 * Parses decimal numbers from char ranges without creating Strings in the common case.
 *
 * <p>Fast path: an optional sign, digits with an optional decimal point, an optional exponent,
 * whose significant digits fit a mantissa below 2^53 and whose decimal exponent is within ±22. Then
 * both the mantissa and the power of ten are exact doubles and one multiplication or division
 * rounds once, so the result equals {@link Double#parseDouble} bit for bit. Everything else (longer
 * mantissas, larger exponents, hexadecimal, {@code Infinity}, surrounding blanks) falls back to
 * {@link Double#parseDouble} on a new String.
 *
 * <p>Second fast path, for mantissas of 2^53 up to 18 digits (such as Elec2's {@code
 * 0.05644299999999999}) with the exponent within ±22: a candidate q is rounded from m·10^e (or
 * m/10^e), then corrected by whole ulps until the exact residual m·10^e − q (computed with {@link
 * Math#fma}, which rounds once, plus the mantissa's own rounding error) is below half an ulp of q.
 * When that comparison is within a relative 2^−30 of the half ulp (a near tie, where the residual's
 * own rounding could decide), or q is a power of two (whose lower neighbour is half an ulp closer),
 * it falls back to {@link Double#parseDouble}: the answer is always the correctly rounded double,
 * bit for bit the JDK's.
 */
final class FastDecimal {
  private static final double[] POWERS = new double[23];
  private static final long MAX_EXACT = 1L << 53;

  /** Mantissas are accumulated while below this (so at most 18 digits, below 2^60). */
  private static final long MAX_DIGITS = 100_000_000_000_000_000L;

  private static final double TIE_MARGIN = 0x1p-30;

  static {
    double p = 1;
    for (int i = 0; i < POWERS.length; i++) {
      POWERS[i] = p;
      p *= 10;
    }
  }

  private FastDecimal() {}

  /**
   * The number in {@code s[offset, offset+length)}, or NaN when it is not a number (an empty range
   * included).
   */
  static double parse(char[] s, int offset, int length) {
    int end = offset + length;
    int i = offset;
    if (i == end) {
      return Double.NaN;
    }
    boolean negative = false;
    char c = s[i];
    if (c == '-' || c == '+') {
      negative = c == '-';
      i++;
    }
    long mantissa = 0;
    int exponent = 0;
    boolean digits = false;
    boolean exact = true;
    for (; i < end; i++) {
      c = s[i];
      int d = c - '0';
      if (d < 0 || d > 9) {
        break;
      }
      digits = true;
      if (mantissa < MAX_DIGITS) {
        mantissa = mantissa * 10 + d;
      } else {
        exact = false;
        break;
      }
    }
    if (exact && i < end && s[i] == '.') {
      i++;
      for (; i < end; i++) {
        c = s[i];
        int d = c - '0';
        if (d < 0 || d > 9) {
          break;
        }
        digits = true;
        if (mantissa < MAX_DIGITS) {
          mantissa = mantissa * 10 + d;
          exponent--;
        } else {
          exact = false;
          break;
        }
      }
    }
    if (exact && digits && i < end && (s[i] == 'e' || s[i] == 'E')) {
      i++;
      boolean negativeExponent = false;
      if (i < end && (s[i] == '-' || s[i] == '+')) {
        negativeExponent = s[i] == '-';
        i++;
      }
      int e = 0;
      boolean expDigits = false;
      for (; i < end; i++) {
        int d = s[i] - '0';
        if (d < 0 || d > 9) {
          break;
        }
        expDigits = true;
        if (e < 10_000) {
          e = e * 10 + d;
        }
      }
      if (!expDigits) {
        exact = false;
      }
      exponent += negativeExponent ? -e : e;
    }
    if (exact && digits && i == end && exponent >= -22 && exponent <= 22) {
      double v;
      if (mantissa <= MAX_EXACT || exponent == 0) {
        // both operands exact: one rounding (long → double rounds correctly too)
        v = mantissa;
        v = exponent >= 0 ? v * POWERS[exponent] : v / POWERS[-exponent];
      } else {
        v = corrected(mantissa, exponent);
        if (Double.isNaN(v)) {
          return slow(s, offset, length);
        }
      }
      return negative ? -v : v;
    }
    return slow(s, offset, length);
  }

  /**
   * The correctly rounded m·10^e for 2^53 < m < 10^18 and 0 < |e| ≤ 22, or NaN when a near tie
   * needs the exact algorithm.
   */
  private static double corrected(long m, int e) {
    double x = m; // rounded; m = x + mLo exactly
    double mLo = m - (long) x; // |mLo| ≤ 64, exact
    double p = POWERS[Math.abs(e)]; // exact
    double q = e > 0 ? x * p : x / p;
    for (int step = 0; step < 4; step++) {
      double u = Math.ulp(q);
      if (q == Double.longBitsToDouble(Double.doubleToRawLongBits(q) & 0xFFF0_0000_0000_0000L)) {
        return Double.NaN; // q is a power of two
      }
      double residual;
      double half;
      if (e > 0) {
        // m·p − q = (x·p − q) + mLo·p ; half an ulp of q is u/2
        residual = Math.fma(x, p, -q) + mLo * p;
        half = 0.5 * u;
      } else {
        // (m/p − q)·p = (x − q·p) + mLo ; half an ulp of q, times p, is u·p/2
        residual = Math.fma(-q, p, x) + mLo;
        half = 0.5 * u * p;
      }
      double r = Math.abs(residual);
      if (r < half * (1 - TIE_MARGIN)) {
        return q;
      }
      if (r <= half * (1 + TIE_MARGIN)) {
        return Double.NaN;
      }
      q = residual > 0 ? Math.nextUp(q) : Math.nextDown(q);
    }
    return Double.NaN;
  }

  private static double slow(char[] s, int offset, int length) {
    try {
      return Double.parseDouble(new String(s, offset, length));
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }
}
