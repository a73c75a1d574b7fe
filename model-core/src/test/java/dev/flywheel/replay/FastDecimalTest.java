package dev.flywheel.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class FastDecimalTest {

  private static double parse(String s) {
    char[] padded = ("xx" + s + "yy").toCharArray();
    return FastDecimal.parse(padded, 2, s.length());
  }

  @Test
  void plainDecimals() {
    assertThat(parse("0")).isEqualTo(0.0);
    assertThat(parse("-0")).isEqualTo(-0.0);
    assertThat(parse("1")).isEqualTo(1.0);
    assertThat(parse("0.5")).isEqualTo(0.5);
    assertThat(parse("-12.25")).isEqualTo(-12.25);
    assertThat(parse("+3.0")).isEqualTo(3.0);
    assertThat(parse(".5")).isEqualTo(0.5);
    assertThat(parse("5.")).isEqualTo(5.0);
    assertThat(parse("1e3")).isEqualTo(1000.0);
    assertThat(parse("2.5E-3")).isEqualTo(0.0025);
    assertThat(parse("0.05644299999999999")).isEqualTo(0.05644299999999999);
    assertThat(parse("0.029411764705882353")).isEqualTo(0.029411764705882353);
  }

  @Test
  void exoticFormsFallBackToParseDouble() {
    assertThat(parse("1e300")).isEqualTo(1e300);
    assertThat(parse("123456789012345678901234567890")).isEqualTo(1.2345678901234568e29);
    assertThat(parse("0x1p3")).isEqualTo(8.0);
    assertThat(parse(" 7 ")).isEqualTo(7.0);
    assertThat(parse("Infinity")).isInfinite();
  }

  @Test
  void nonNumbersAreNaN() {
    assertThat(parse("")).isNaN();
    assertThat(parse("abc")).isNaN();
    assertThat(parse("1.2.3")).isNaN();
    assertThat(parse("1e")).isNaN();
    assertThat(parse("-")).isNaN();
    assertThat(parse(".")).isNaN();
    assertThat(parse("2019-11-24")).isNaN();
    assertThat(parse("cef3390ed299")).isNaN();
  }

  /** The fast path against the JDK, bit for bit, on random decimals of many shapes. */
  @Test
  void agreesWithParseDoubleBitForBit() {
    Random random = new Random(13);
    for (int trial = 0; trial < 200_000; trial++) {
      StringBuilder sb = new StringBuilder();
      if (random.nextInt(4) == 0) {
        sb.append('-');
      }
      int intDigits = random.nextInt(10);
      for (int i = 0; i < intDigits; i++) {
        sb.append((char) ('0' + random.nextInt(10)));
      }
      if (intDigits == 0 || random.nextBoolean()) {
        sb.append('.');
        int fracDigits = 1 + random.nextInt(18);
        for (int i = 0; i < fracDigits; i++) {
          sb.append((char) ('0' + random.nextInt(10)));
        }
      }
      if (random.nextInt(5) == 0) {
        sb.append(random.nextBoolean() ? 'e' : 'E').append(random.nextInt(61) - 30);
      }
      String s = sb.toString();
      assertThat(Double.doubleToRawLongBits(parse(s)))
          .as(s)
          .isEqualTo(Double.doubleToRawLongBits(Double.parseDouble(s)));
    }
    for (int trial = 0; trial < 50_000; trial++) {
      double d = random.nextDouble() * Math.pow(10, random.nextInt(12) - 6);
      String s = Double.toString(d);
      assertThat(parse(s)).as(s).isEqualTo(d);
    }
  }

  /**
   * The corrected path (mantissas of 2^53 up to 18 digits, exponent within ±22) against the JDK,
   * bit for bit: random long mantissas, and decimals rounded from the exact midpoints between
   * neighbouring doubles (the near ties where a wrong correction would show).
   */
  @Test
  void longMantissasAgreeWithParseDoubleBitForBit() {
    Random random = new Random(17);
    for (int trial = 0; trial < 300_000; trial++) {
      int digits = 16 + random.nextInt(3);
      StringBuilder sb = new StringBuilder();
      sb.append((char) ('1' + random.nextInt(9)));
      for (int i = 1; i < digits; i++) {
        sb.append((char) ('0' + random.nextInt(10)));
      }
      int e = random.nextInt(45) - 22;
      String s = sb + "e" + e;
      int shape = random.nextInt(3);
      if (shape == 1) {
        int point = 1 + random.nextInt(digits - 1);
        s = sb.substring(0, point) + "." + sb.substring(point);
      } else if (shape == 2) {
        s = "0." + "0".repeat(random.nextInt(3)) + sb;
      }
      assertThat(Double.doubleToRawLongBits(parse(s)))
          .as(s)
          .isEqualTo(Double.doubleToRawLongBits(Double.parseDouble(s)));
    }
    for (int trial = 0; trial < 100_000; trial++) {
      double d = random.nextDouble() * Math.pow(10, random.nextInt(20) - 10);
      java.math.BigDecimal mid =
          new java.math.BigDecimal(d)
              .add(new java.math.BigDecimal(Math.nextUp(d)))
              .divide(java.math.BigDecimal.valueOf(2));
      String s =
          mid.round(new java.math.MathContext(16 + random.nextInt(3))).toString().replace("E", "e");
      assertThat(Double.doubleToRawLongBits(parse(s)))
          .as(s)
          .isEqualTo(Double.doubleToRawLongBits(Double.parseDouble(s)));
    }
  }

  /**
   * Exact ties and their neighbours on the corrected path: integers halfway between two doubles
   * above 2^54 (and one off), written with a ".0" so the parser sees an 18-digit mantissa and
   * exponent −1. A tie must go to the JDK's round-half-even, not to the first candidate.
   */
  @Test
  void exactTiesAgreeWithParseDoubleBitForBit() {
    Random random = new Random(19);
    for (int trial = 0; trial < 100_000; trial++) {
      long m = (1L << 54) + (long) (random.nextDouble() * (1e17 - (1L << 54)));
      long d = (long) (double) m;
      long mid = d + (long) (Math.ulp((double) d) / 2) + (random.nextInt(3) - 1);
      String s = mid + ".0";
      assertThat(Double.doubleToRawLongBits(parse(s)))
          .as(s)
          .isEqualTo(Double.doubleToRawLongBits(Double.parseDouble(s)));
    }
  }
}
