package dev.flywheel.model.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FeatureHasherTest {

  /**
   * Indices computed once with the current algorithm and written down literally: the hash is part
   * of the model format, so any change to it (constants, block order, markers, finalisation) must
   * fail here.
   */
  @Test
  void pinnedIndices() {
    FeatureHasher h18 = new FeatureHasher(18, 0);
    assertThat(h18.categorical("country", "cn")).isEqualTo(82207);
    assertThat(h18.categorical("item_id", "14")).isEqualTo(250216);
    assertThat(h18.numeric("nswprice")).isEqualTo(170620);
    assertThat(h18.categorical("", "")).isEqualTo(130489);
    assertThat(h18.numeric("")).isEqualTo(21083);

    FeatureHasher h24 = new FeatureHasher(24, 42);
    assertThat(h24.categorical("country", "cn")).isEqualTo(14664439);
    assertThat(h24.categorical("user_feature_0", "cef3390ed299c09874189c387777674a"))
        .isEqualTo(11712355);
    assertThat(h24.numeric("nswprice")).isEqualTo(5057033);
    assertThat(h24.categorical("a", "bc")).isEqualTo(2083219);
    assertThat(h24.categorical("ab", "c")).isEqualTo(9219702);

    FeatureHasher h10 = new FeatureHasher(10, -7);
    assertThat(h10.categorical("position", "3")).isEqualTo(28);
    assertThat(h10.numeric("period")).isEqualTo(785);
    // non-ASCII text, including a surrogate pair, hashes as UTF-16 code units
    assertThat(new FeatureHasher(28, 123456789).categorical("é€", "\uD83D\uDE00"))
        .isEqualTo(84750821);
  }

  /** Crosses are part of the model format too: pinned like single features. */
  @Test
  void pinnedCrossIndices() {
    FeatureHasher h18 = new FeatureHasher(18, 0);
    int s1 = h18.categoricalKey("segment", "s1");
    int item = h18.categoricalKey("item", "i-17");
    assertThat(s1).isEqualTo(1622921287);
    assertThat(item).isEqualTo(-230310826);
    assertThat(h18.cross(s1, item)).isEqualTo(153135);
    assertThat(h18.cross(item, s1)).isEqualTo(234650);
    assertThat(h18.cross(s1, h18.numericKey("price"))).isEqualTo(79938);
    FeatureHasher h24 = new FeatureHasher(24, 42);
    assertThat(h24.cross(h24.categoricalKey("segment", "s1"), h24.categoricalKey("category", "c3")))
        .isEqualTo(10286510);
  }

  @Test
  void keysReduceToTheBuckets() {
    FeatureHasher h = new FeatureHasher(20, 17);
    for (int i = 0; i < 500; i++) {
      String value = Integer.toString(i);
      assertThat(h.bucket(h.categoricalKey("f", value))).isEqualTo(h.categorical("f", value));
      assertThat(h.bucket(h.numericKey("f" + i))).isEqualTo(h.numeric("f" + i));
      char[] name = ("f" + i).toCharArray();
      char[] text = value.toCharArray();
      assertThat(h.categoricalKey(name, 0, name.length, text, 0, text.length))
          .isEqualTo(h.categoricalKey("f" + i, value));
      assertThat(h.numericKey(name, 0, name.length)).isEqualTo(h.numericKey("f" + i));
    }
  }

  @Test
  void crossesSeparateEveryPairAndTheOrder() {
    FeatureHasher h = new FeatureHasher(28, 3);
    Set<Integer> buckets = new HashSet<>();
    int pairs = 0;
    for (int s = 0; s < 8; s++) {
      for (int i = 0; i < 200; i++) {
        int left = h.categoricalKey("segment", "s" + s);
        int right = h.categoricalKey("item", "i-" + i);
        assertThat(h.cross(left, right))
            .as("the same pair crosses alike")
            .isEqualTo(
                h.cross(h.categoricalKey("segment", "s" + s), h.categoricalKey("item", "i-" + i)));
        buckets.add(h.cross(left, right));
        buckets.add(h.cross(right, left));
        pairs += 2;
      }
    }
    // 3 200 crosses in 2^28 buckets: a chance collision has probability ~2e-2 in total
    assertThat(buckets.size()).isGreaterThanOrEqualTo(pairs - 1);
    // a cross is none of its sides
    int a = h.categoricalKey("segment", "s0");
    int b = h.categoricalKey("item", "i-0");
    assertThat(h.cross(a, b)).isNotIn(h.bucket(a), h.bucket(b));
  }

  @Test
  void charRangeOverloadsEqualCharSequenceOnes() {
    FeatureHasher h = new FeatureHasher(20, 17);
    Random random = new Random(5);
    char[] buffer = new char[64];
    for (int trial = 0; trial < 2_000; trial++) {
      int nameLength = random.nextInt(9);
      int valueLength = random.nextInt(9);
      int nameOffset = random.nextInt(8);
      int valueOffset = nameOffset + nameLength + random.nextInt(8);
      for (int i = 0; i < buffer.length; i++) {
        buffer[i] = (char) (trial % 3 == 0 ? random.nextInt(0x10000) : 'a' + random.nextInt(26));
      }
      String name = new String(buffer, nameOffset, nameLength);
      String value = new String(buffer, valueOffset, valueLength);
      assertThat(h.categorical(buffer, nameOffset, nameLength, buffer, valueOffset, valueLength))
          .as("categorical %s=%s", name, value)
          .isEqualTo(h.categorical(name, value));
      assertThat(h.numeric(buffer, nameOffset, nameLength))
          .as("numeric %s", name)
          .isEqualTo(h.numeric(name));
      // a StringBuilder is a CharSequence too
      assertThat(h.categorical(new StringBuilder(name), new StringBuilder(value)))
          .isEqualTo(h.categorical(name, value));
    }
  }

  @Test
  void categoricalAndNumericOfTheSameTextDiffer() {
    FeatureHasher h = new FeatureHasher(28, 0);
    int same = 0;
    for (int i = 0; i < 1_000; i++) {
      String name = "f" + i;
      if (h.categorical(name, "") == h.numeric(name)) {
        same++;
      }
    }
    // with 2^28 buckets a chance collision among 1000 pairs has probability ~4e-6
    assertThat(same).isZero();
  }

  @Test
  void splitPointOfNameAndValueMatters() {
    FeatureHasher h = new FeatureHasher(28, 0);
    assertThat(h.categorical("a", "bc")).isNotEqualTo(h.categorical("ab", "c"));
    assertThat(h.categorical("", "abc")).isNotEqualTo(h.categorical("abc", ""));
    assertThat(h.categorical("ab", "cd")).isNotEqualTo(h.categorical("abc", "d"));
    assertThat(h.categorical("x", "1")).isNotEqualTo(h.categorical("x", "10"));
  }

  @Test
  void spreadIsRoughlyUniform() {
    int bits = 10;
    int buckets = 1 << bits;
    int keys = 100_000;
    FeatureHasher h = new FeatureHasher(bits, 99);
    long[] counts = new long[buckets];
    Random random = new Random(11);
    for (int i = 0; i < keys; i++) {
      counts[h.categorical("user", Integer.toString(random.nextInt(Integer.MAX_VALUE)))]++;
    }
    double expected = (double) keys / buckets;
    double chiSquare = 0;
    for (long c : counts) {
      chiSquare += (c - expected) * (c - expected) / expected;
    }
    // chi-square with 1023 degrees of freedom: mean 1023, sd ~45; 1023 + 6 sd is ~1294
    assertThat(chiSquare).isBetween(800.0, 1300.0);
    // sequential names (the common case: f0, f1, ...) spread too
    long[] sequential = new long[buckets];
    for (int i = 0; i < keys; i++) {
      sequential[h.numeric("f" + i)]++;
    }
    double chiSequential = 0;
    for (long c : sequential) {
      chiSequential += (c - expected) * (c - expected) / expected;
    }
    assertThat(chiSequential).isBetween(800.0, 1300.0);
  }

  @Test
  void differentSeedsGiveDifferentIndices() {
    FeatureHasher a = new FeatureHasher(24, 1);
    FeatureHasher b = new FeatureHasher(24, 2);
    Set<Integer> differing = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      String value = Integer.toString(i);
      if (a.categorical("k", value) != b.categorical("k", value)) {
        differing.add(i);
      }
    }
    // a chance match at 2^24 buckets is ~6e-8 per key
    assertThat(differing).hasSize(200);
    assertThat(a.numeric("x")).isNotEqualTo(b.numeric("x"));
  }

  @Test
  void indicesStayInsideTheTable() {
    for (int bits = 1; bits <= FeatureHasher.MAX_BITS; bits++) {
      FeatureHasher h = new FeatureHasher(bits, bits * 31);
      assertThat(h.buckets()).isEqualTo(1 << bits);
      assertThat(h.bits()).isEqualTo(bits);
      assertThat(h.seed()).isEqualTo(bits * 31);
      for (int i = 0; i < 100; i++) {
        assertThat(h.categorical("c", Integer.toString(i))).isBetween(0, h.buckets() - 1);
        assertThat(h.numeric("n" + i)).isBetween(0, h.buckets() - 1);
      }
    }
  }

  @Test
  void bitsAreValidated() {
    assertThatThrownBy(() -> new FeatureHasher(0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("hash bits must be in [1, 28], got 0");
    assertThatThrownBy(() -> new FeatureHasher(29, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("hash bits must be in [1, 28], got 29");
    assertThatThrownBy(() -> new FeatureHasher(-3, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("got -3");
  }
}
