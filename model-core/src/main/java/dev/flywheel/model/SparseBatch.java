package dev.flywheel.model;

import java.util.Arrays;

/**
 * A reusable mini-batch of sparse examples in compressed-row form: the input of every scoring and
 * training call in {@code model-core}.
 *
 * <p>Example {@code i} owns the feature slots {@code [start(i), end(i))}; slot {@code k} holds a
 * hashed bucket {@link #index(int)} and a value {@link #value(int)} (1 for a categorical feature,
 * the scaled number for a numeric one). Buffers grow by doubling and are never shrunk, so a batch
 * that is {@link #clear() cleared} and refilled allocates nothing once it has seen its largest
 * input.
 *
 * <p>Lifecycle: {@link #clear()}, then for each example {@link #add(int, double)} its features and
 * {@link #endExample(double, double)} it. Not thread-safe.
 */
public final class SparseBatch {
  private int size;
  private int[] offsets;
  private int[] indices;
  private double[] values;
  private boolean[] numeric;
  private double[] labels;
  private double[] weights;
  private int nnz;

  /**
   * @param expectedExamples initial example capacity (grows if exceeded)
   * @param expectedFeaturesPerExample initial per-example feature capacity (grows if exceeded)
   */
  public SparseBatch(int expectedExamples, int expectedFeaturesPerExample) {
    if (expectedExamples < 1) {
      throw new IllegalArgumentException("expectedExamples must be >= 1, got " + expectedExamples);
    }
    if (expectedFeaturesPerExample < 1) {
      throw new IllegalArgumentException(
          "expectedFeaturesPerExample must be >= 1, got " + expectedFeaturesPerExample);
    }
    offsets = new int[expectedExamples + 1];
    labels = new double[expectedExamples];
    weights = new double[expectedExamples];
    indices = new int[expectedExamples * expectedFeaturesPerExample];
    values = new double[indices.length];
    numeric = new boolean[indices.length];
  }

  /** Empties the batch, keeping its buffers. */
  public void clear() {
    size = 0;
    nnz = 0;
    offsets[0] = 0;
  }

  /**
   * Adds a categorical (or pre-scaled) feature {@code (index, value)} to the example being built;
   * the model uses {@code value} as it is (1 for a plain categorical feature).
   */
  public void add(int index, double value) {
    put(index, value, false);
  }

  /**
   * Adds a numeric feature with its raw value; the model scales it online (the scaling statistics
   * are part of the model, so trainer and scorer scale alike).
   */
  public void addNumeric(int index, double rawValue) {
    put(index, rawValue, true);
  }

  private void put(int index, double value, boolean isNumeric) {
    if (nnz == indices.length) {
      int capacity = Math.max(16, indices.length * 2);
      indices = Arrays.copyOf(indices, capacity);
      values = Arrays.copyOf(values, capacity);
      numeric = Arrays.copyOf(numeric, capacity);
    }
    indices[nnz] = index;
    values[nnz] = value;
    numeric[nnz] = isNumeric;
    nnz++;
  }

  /** Closes the example being built with weight 1. */
  public void endExample(double label) {
    endExample(label, 1.0);
  }

  /** Closes the example being built: its features are those added since the previous end. */
  public void endExample(double label, double weight) {
    if (size + 1 == offsets.length) {
      int capacity = Math.max(2, offsets.length * 2);
      offsets = Arrays.copyOf(offsets, capacity);
      labels = Arrays.copyOf(labels, capacity);
      weights = Arrays.copyOf(weights, capacity);
    }
    labels[size] = label;
    weights[size] = weight;
    size++;
    offsets[size] = nnz;
  }

  /** Drops the features added since the last {@link #endExample} (an example being abandoned). */
  public void abandonExample() {
    nnz = offsets[size];
  }

  /** Number of completed examples. */
  public int size() {
    return size;
  }

  /** Total feature slots of the completed examples. */
  public int nonZeros() {
    return offsets[size];
  }

  /** First feature slot of example {@code i}. */
  public int start(int i) {
    return offsets[i];
  }

  /** One past the last feature slot of example {@code i}. */
  public int end(int i) {
    return offsets[i + 1];
  }

  public int index(int slot) {
    return indices[slot];
  }

  public double value(int slot) {
    return values[slot];
  }

  /** Whether slot {@code slot} holds a raw numeric value to be scaled by the model. */
  public boolean isNumeric(int slot) {
    return numeric[slot];
  }

  public double label(int i) {
    return labels[i];
  }

  public double weight(int i) {
    return weights[i];
  }

  /** The raw index buffer (read only; valid slots are {@code [0, nonZeros())}). */
  public int[] indexBuffer() {
    return indices;
  }

  /** The raw numeric-flag buffer (read only; valid slots are {@code [0, nonZeros())}). */
  public boolean[] numericBuffer() {
    return numeric;
  }

  /** The raw value buffer (read only; valid slots are {@code [0, nonZeros())}). */
  public double[] valueBuffer() {
    return values;
  }
}
