package dev.flywheel.model.bench;

import dev.flywheel.model.SparseBatch;
import dev.flywheel.model.features.FeatureHasher;
import java.util.Random;

/**
 * A seeded, realistic input stream for the benchmarks: 17 categorical fields with cardinalities
 * from 3 to 1,000,000, values drawn Zipf-like (P(v) ∝ 1/v, via v = ⌊card^u⌋ with u uniform), hashed
 * as {@code field=value} with the production {@link FeatureHasher}, plus 3 numeric fields with
 * log-normal raw values: 20 active features per example. Labels are Bernoulli with a rate near 5 %
 * that depends on a few fields, like clicks.
 */
final class ReferenceWorkload {
  static final int[] CARDINALITIES = {
    3, 5, 7, 12, 24, 50, 100, 200, 500, 1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000,
    1_000_000
  };
  static final int NUMERICS = 3;

  private ReferenceWorkload() {}

  /** {@code count} batches of {@code batchSize} examples. */
  static SparseBatch[] batches(int count, int batchSize, int hashBits, int hashSeed, long seed) {
    FeatureHasher hasher = new FeatureHasher(hashBits, hashSeed);
    Random r = new Random(seed);
    int[] numericBuckets = new int[NUMERICS];
    for (int k = 0; k < NUMERICS; k++) {
      numericBuckets[k] = hasher.numeric("num" + k);
    }
    SparseBatch[] out = new SparseBatch[count];
    for (int b = 0; b < count; b++) {
      SparseBatch batch = new SparseBatch(batchSize, CARDINALITIES.length + NUMERICS);
      for (int i = 0; i < batchSize; i++) {
        double z = -3.0;
        for (int f = 0; f < CARDINALITIES.length; f++) {
          int v = (int) Math.floor(Math.pow(CARDINALITIES[f], r.nextDouble()));
          batch.add(hasher.categorical("f" + f, Integer.toString(v)), 1.0);
          if (f < 4) {
            z += (v % 3) * 0.4;
          }
        }
        for (int k = 0; k < NUMERICS; k++) {
          batch.addNumeric(numericBuckets[k], Math.exp(1 + r.nextGaussian()));
        }
        batch.endExample(r.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1.0 : 0.0);
      }
      out[b] = batch;
    }
    return out;
  }
}
