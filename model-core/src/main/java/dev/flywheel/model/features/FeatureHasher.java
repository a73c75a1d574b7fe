package dev.flywheel.model.features;

/**
 * Hashes features into {@code 2^bits} buckets with a seeded 32-bit MurmurHash3 over UTF-16 code
 * units, without building strings: a categorical feature {@code name=value} hashes its two parts in
 * sequence, a numeric feature hashes its name alone. The two kinds never share a hash input because
 * a kind marker that no UTF-16 text can produce is mixed in after the name.
 *
 * <p>Feature crosses (Wide &amp; Deep's cross-product transformations) hash a pair of features:
 * each side is given by its full 32-bit {@link #categoricalKey key} (or {@link #numericKey numeric
 * key}), the hash before it is reduced to a bucket, so two crossed pairs collide only when their
 * buckets do, not when their sides' buckets do. {@link #cross} mixes a marker no single feature
 * starts with, then the two keys in order: {@code cross(a, b)} and {@code cross(b, a)} differ.
 *
 * <p>The output is part of the model format: it is stable across JVMs and releases (indices are
 * pinned in {@code FeatureHasherTest}) and must never change for a given seed.
 *
 * <p>Immutable and thread-safe; no call allocates.
 */
public final class FeatureHasher {
  private static final int C1 = 0xcc9e2d51;
  private static final int C2 = 0x1b873593;
  private static final int CATEGORICAL_MARK = 0x80000000;
  private static final int NUMERIC_MARK = 0x40000000;
  private static final int CROSS_MARK = 0xC0000000;

  /** Largest supported table: 2^28 buckets. */
  public static final int MAX_BITS = 28;

  private final int bits;
  private final int seed;
  private final int mask;

  public FeatureHasher(int bits, int seed) {
    if (bits < 1 || bits > MAX_BITS) {
      throw new IllegalArgumentException("hash bits must be in [1, " + MAX_BITS + "], got " + bits);
    }
    this.bits = bits;
    this.seed = seed;
    this.mask = (1 << bits) - 1;
  }

  public int bits() {
    return bits;
  }

  public int seed() {
    return seed;
  }

  /** Number of buckets, {@code 2^bits}. */
  public int buckets() {
    return mask + 1;
  }

  /** Bucket of the categorical feature {@code name=value}. */
  public int categorical(CharSequence name, CharSequence value) {
    return categoricalKey(name, value) & mask;
  }

  /** Bucket of the categorical feature {@code name=value}, both given as char ranges. */
  public int categorical(
      char[] name, int nameOffset, int nameLength, char[] value, int valueOffset, int valueLength) {
    return categoricalKey(name, nameOffset, nameLength, value, valueOffset, valueLength) & mask;
  }

  /**
   * The full 32-bit hash of the categorical feature {@code name=value}: its bucket is {@code key &
   * (2^bits − 1)} ({@link #bucket}); crosses take keys.
   */
  public int categoricalKey(CharSequence name, CharSequence value) {
    int h = mixChars(seed, name);
    h = mixBlock(h, CATEGORICAL_MARK | name.length());
    h = mixChars(h, value);
    return finish(h, name.length() + value.length() + 2);
  }

  /** {@link #categoricalKey(CharSequence, CharSequence)} of two char ranges. */
  public int categoricalKey(
      char[] name, int nameOffset, int nameLength, char[] value, int valueOffset, int valueLength) {
    int h = mixChars(seed, name, nameOffset, nameLength);
    h = mixBlock(h, CATEGORICAL_MARK | nameLength);
    h = mixChars(h, value, valueOffset, valueLength);
    return finish(h, nameLength + valueLength + 2);
  }

  /** Bucket of the numeric feature {@code name}. */
  public int numeric(CharSequence name) {
    return numericKey(name) & mask;
  }

  /** Bucket of the numeric feature {@code name}, given as a char range. */
  public int numeric(char[] name, int offset, int length) {
    return numericKey(name, offset, length) & mask;
  }

  /** The full 32-bit hash of the numeric feature {@code name}; its bucket is {@code key & mask}. */
  public int numericKey(CharSequence name) {
    int h = mixChars(seed, name);
    h = mixBlock(h, NUMERIC_MARK | name.length());
    return finish(h, name.length() + 2);
  }

  /** {@link #numericKey(CharSequence)} of a char range. */
  public int numericKey(char[] name, int offset, int length) {
    int h = mixChars(seed, name, offset, length);
    h = mixBlock(h, NUMERIC_MARK | length);
    return finish(h, length + 2);
  }

  /** The bucket of a feature given its full key: {@code key & (2^bits − 1)}. */
  public int bucket(int key) {
    return key & mask;
  }

  /**
   * Bucket of the cross of two features given by their keys ({@link #categoricalKey}, {@link
   * #numericKey}), left then right: order matters.
   */
  public int cross(int leftKey, int rightKey) {
    int h = mixBlock(seed, CROSS_MARK);
    h = mixBlock(h, leftKey);
    h = mixBlock(h, rightKey);
    return finish(h, 3) & mask;
  }

  private static int mixChars(int h, CharSequence s) {
    int n = s.length();
    int i = 0;
    for (; i + 1 < n; i += 2) {
      h = mixBlock(h, s.charAt(i) | (s.charAt(i + 1) << 16));
    }
    if (i < n) {
      h = mixBlock(h, s.charAt(i));
    }
    return h;
  }

  private static int mixChars(int h, char[] s, int offset, int length) {
    int end = offset + length;
    int i = offset;
    for (; i + 1 < end; i += 2) {
      h = mixBlock(h, s[i] | (s[i + 1] << 16));
    }
    if (i < end) {
      h = mixBlock(h, s[i]);
    }
    return h;
  }

  private static int mixBlock(int h, int k) {
    k *= C1;
    k = Integer.rotateLeft(k, 15);
    k *= C2;
    h ^= k;
    h = Integer.rotateLeft(h, 13);
    return h * 5 + 0xe6546b64;
  }

  private static int finish(int h, int length) {
    h ^= length;
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }
}
