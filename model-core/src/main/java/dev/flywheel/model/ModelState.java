package dev.flywheel.model;

/**
 * Raw access to a {@link Model}'s parameters, optimiser slots, scaler statistics and counters, for
 * the model format ({@code dev.flywheel.model.io}) and for tests. The arrays returned are the
 * model's own: writing them changes the model, so only the owner of a model that is not in use may
 * do so (the format reader does, on a model it has just created).
 *
 * <p>Parameter blocks, in format order: {@code b} (1), then per hidden layer l = 1..L {@code Wl}
 * (width(l−1)·width(l), row-major) and {@code cl} (width(l)), then {@code v} (width(L)); then the
 * sparse tables {@code w} (2^hashBits rows of 1) and, with a deep tower, {@code E} (2^hashBits rows
 * of embeddingDim). Every block has {@code optimizer slotCount} slot arrays of its own length.
 */
public final class ModelState {
  private final Model m;
  private final int denseCount;

  ModelState(Model m) {
    this.m = m;
    this.denseCount = m.denseValues.length;
  }

  /**
   * A model of this configuration with every parameter zero, slots at their initial values, empty
   * scaler and zero counters, to be filled by a reader (skips the random initialisation).
   */
  public static Model blankModel(ModelConfig config) {
    return new Model(config, false);
  }

  /** Number of parameter blocks. */
  public int blockCount() {
    return denseCount + (m.config().hasDeepTower() ? 2 : 1);
  }

  /** Name of block {@code k} (see the class comment). */
  public String blockName(int k) {
    if (k >= denseCount) {
      return k == denseCount ? "w" : "E";
    }
    if (k == 0) {
      return "b";
    }
    int layers = m.config().hiddenLayerCount();
    if (k == 2 * layers + 1) {
      return "v";
    }
    int l = (k + 1) / 2;
    return (k % 2 == 1 ? "W" : "c") + l;
  }

  /** Whether block {@code k} is a sparse table (row-wise lazy updates, delta by rows). */
  public boolean isSparse(int k) {
    return k >= denseCount;
  }

  /** Row length of sparse block {@code k} (1 for w, embeddingDim for E); its length otherwise. */
  public int rowLength(int k) {
    if (k == denseCount) {
      return 1;
    }
    if (k > denseCount) {
      return m.config().embeddingDim();
    }
    return m.denseValues[k].length;
  }

  /** The parameter values of block {@code k} (the model's own array). */
  public double[] values(int k) {
    if (k == denseCount) {
      return m.wide;
    }
    if (k > denseCount) {
      return m.emb;
    }
    return m.denseValues[k];
  }

  /** The optimiser slot arrays of block {@code k} (the model's own arrays). */
  public double[][] slots(int k) {
    if (k == denseCount) {
      return m.wideSlots;
    }
    if (k > denseCount) {
      return m.embSlots;
    }
    return m.denseSlots[k];
  }

  /** Scaler observation counts, 2^scalerBits entries (the model's own array). */
  public long[] scalerCount() {
    return m.scaler.count;
  }

  /** Scaler means (the model's own array). */
  public double[] scalerMean() {
    return m.scaler.mean;
  }

  /** Scaler sums of squared deviations M2 (the model's own array). */
  public double[] scalerM2() {
    return m.scaler.m2;
  }

  /** Buckets changed since the last markPublished, in first-touch order: entry {@code i}. */
  public int touchedRow(int i) {
    if (i < 0 || i >= m.touchedRowCount()) {
      throw new IndexOutOfBoundsException("touched row " + i + " of " + m.touchedRowCount());
    }
    return m.touchedRows()[i];
  }

  /** Scaler entries changed since the last markPublished: entry {@code i}. */
  public int touchedScalerEntry(int i) {
    if (i < 0 || i >= m.scaler.touchedCount()) {
      throw new IndexOutOfBoundsException(
          "touched scaler entry " + i + " of " + m.scaler.touchedCount());
    }
    return m.scaler.touchedEntries()[i];
  }

  /**
   * Sets the counters (used by the format reader); the published version becomes {@code version}.
   */
  public void setCounters(long version, long examplesSeen, long skippedBatches) {
    m.version = version;
    m.examplesSeen = examplesSeen;
    m.skippedBatches = skippedBatches;
    m.publishedVersion = version;
  }

  /** Whether every parameter, slot and scaler statistic is finite. */
  public boolean allFinite() {
    for (int k = 0; k < blockCount(); k++) {
      if (!finite(values(k))) {
        return false;
      }
      for (double[] s : slots(k)) {
        if (!finite(s)) {
          return false;
        }
      }
    }
    return finite(scalerMean()) && finite(scalerM2());
  }

  private static boolean finite(double[] a) {
    for (double x : a) {
      if (!Double.isFinite(x)) {
        return false;
      }
    }
    return true;
  }
}
