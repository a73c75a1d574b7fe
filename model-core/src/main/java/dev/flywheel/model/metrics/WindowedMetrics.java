package dev.flywheel.model.metrics;

/**
 * Progressive metrics over the most recent {@code capacity} examples only (a sliding window), for
 * "recent" figures on a drifting stream.
 *
 * <p>Memory is bounded by the window: four {@code double} arrays and one {@code int} array of
 * {@code capacity} entries (the examples in the window with their log loss and histogram bin, a
 * ring buffer) plus one {@link LogitHistogram}. When an example leaves the window its contribution
 * is subtracted from the running sums and the histogram, so {@link #add} stays O(1); the loss and
 * bin kept with it make that subtraction free of logarithms (two of the four an example otherwise
 * costs; the trainer adds every example it trains on). To keep floating-point drift from the
 * subtractions bounded, the sums are recomputed from the ring once every {@code capacity} evictions
 * (amortised O(1)). Not thread-safe.
 */
public final class WindowedMetrics implements ClassificationMetrics {
  private final double[] predictions;
  private final double[] labels;
  private final double[] weights;
  private final double[] losses;
  private final int[] bins;
  private final LogitHistogram histogram;
  private int next;
  private int size;
  private int evictionsSinceResum;
  private double weight;
  private double logLossSum;
  private double squaredErrorSum;
  private double correctSum;
  private double predictionSum;
  private double labelSum;

  /** A window of {@code capacity} examples with a default {@link LogitHistogram}. */
  public WindowedMetrics(int capacity) {
    this(capacity, new LogitHistogram());
  }

  /**
   * @param capacity number of most recent examples kept, at least 1
   * @param histogram an empty histogram for the AUC, owned from now on
   */
  public WindowedMetrics(int capacity, LogitHistogram histogram) {
    if (capacity < 1) {
      throw new IllegalArgumentException("window capacity must be >= 1, got " + capacity);
    }
    this.predictions = new double[capacity];
    this.labels = new double[capacity];
    this.weights = new double[capacity];
    this.losses = new double[capacity];
    this.bins = new int[capacity];
    this.histogram = histogram;
  }

  /** Counts one example of weight 1, evicting the oldest when the window is full. */
  public void add(double prediction, double label) {
    add(prediction, label, 1.0);
  }

  /** Counts one example, evicting the oldest when the window is full. */
  public void add(double prediction, double label, double weight) {
    if (!(weight >= 0) || Double.isInfinite(weight)) {
      throw new IllegalArgumentException("weight must be finite and >= 0, got " + weight);
    }
    if (size == predictions.length) {
      double w = weights[next];
      accumulate(predictions[next], labels[next], losses[next], -w);
      histogram.addToBin(bins[next], labels[next], -w);
      size--;
      if (++evictionsSinceResum == predictions.length) {
        resum();
      }
    }
    double loss = Losses.logLoss(prediction, label);
    int bin = histogram.bin(prediction);
    predictions[next] = prediction;
    labels[next] = label;
    weights[next] = weight;
    losses[next] = loss;
    bins[next] = bin;
    accumulate(prediction, label, loss, weight);
    histogram.addToBin(bin, label, weight);
    size++;
    next = next + 1 == predictions.length ? 0 : next + 1;
  }

  private void accumulate(double prediction, double label, double loss, double w) {
    weight += w;
    logLossSum += w * loss;
    double error = prediction - label;
    squaredErrorSum += w * error * error;
    correctSum += w * Losses.correct(prediction, label);
    predictionSum += w * prediction;
    labelSum += w * label;
  }

  /** Recomputes the running sums from the examples in the window. */
  private void resum() {
    evictionsSinceResum = 0;
    weight = 0;
    logLossSum = 0;
    squaredErrorSum = 0;
    correctSum = 0;
    predictionSum = 0;
    labelSum = 0;
    int start = next - size;
    if (start < 0) {
      start += predictions.length;
    }
    for (int k = 0, i = start; k < size; k++) {
      accumulate(predictions[i], labels[i], losses[i], weights[i]);
      i = i + 1 == predictions.length ? 0 : i + 1;
    }
  }

  /** The window's capacity. */
  public int capacity() {
    return predictions.length;
  }

  /** Number of examples currently in the window. */
  @Override
  public long count() {
    return size;
  }

  @Override
  public double logLoss() {
    return size > 0 && weight > 0 ? logLossSum / weight : Double.NaN;
  }

  @Override
  public double auc() {
    return histogram.auc();
  }

  @Override
  public double accuracy() {
    return size > 0 && weight > 0 ? correctSum / weight : Double.NaN;
  }

  @Override
  public double calibration() {
    return labelSum > 1e-12 ? predictionSum / labelSum : Double.NaN;
  }

  @Override
  public double meanSquaredError() {
    return size > 0 && weight > 0 ? squaredErrorSum / weight : Double.NaN;
  }
}
