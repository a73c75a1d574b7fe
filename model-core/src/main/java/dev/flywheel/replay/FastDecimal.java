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
 */
final class FastDecimal {
  private static final double[] POWERS = new double[23];
  private static final long MAX_EXACT = 1L << 53;

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
      if (mantissa < MAX_EXACT / 10) {
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
        if (mantissa < MAX_EXACT / 10) {
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
      double v = mantissa;
      v = exponent >= 0 ? v * POWERS[exponent] : v / POWERS[-exponent];
      return negative ? -v : v;
    }
    return slow(s, offset, length);
  }

  private static double slow(char[] s, int offset, int length) {
    try {
      return Double.parseDouble(new String(s, offset, length));
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }
}
