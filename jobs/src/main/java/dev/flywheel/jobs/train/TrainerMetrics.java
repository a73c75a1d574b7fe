package dev.flywheel.jobs.train;

import dev.flywheel.model.metrics.ProgressiveMetrics;
import dev.flywheel.model.metrics.WindowedMetrics;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

/**
 * The Flink metrics of one model id in a trainer subtask, registered under the operator's metric
 * group as {@code model.<id>.<name>}. Progressive metrics count every example scored before it was
 * learned; they live in the subtask (not in state) and restart at zero after a restore.
 *
 * <p>Gauges read {@code volatile} fields the task thread refreshes ({@link #refresh}), so the
 * reporter thread never touches the metric accumulators themselves.
 */
public final class TrainerMetrics {
  public static final String GROUP = "model";
  public static final String EXAMPLES_TRAINED = "examplesTrained";
  public static final String EXAMPLES_REJECTED = "examplesRejected";
  public static final String BATCHES_SKIPPED = "batchesSkipped";
  public static final String UPDATES_PUBLISHED = "updatesPublished";
  public static final String LOG_LOSS = "progressiveLogLoss";
  public static final String LOG_LOSS_RECENT = "progressiveLogLossRecent";
  public static final String AUC = "progressiveAuc";
  public static final String AUC_RECENT = "progressiveAucRecent";
  public static final String CALIBRATION = "calibration";
  public static final String MODEL_VERSION = "modelVersion";
  public static final String FRESHNESS_MS = "modelFreshnessMs";
  public static final String LAST_UPDATE_BYTES = "lastUpdateBytes";

  /** Examples in the recent window of {@link #LOG_LOSS_RECENT}. */
  public static final int RECENT_WINDOW = 10_000;

  final ProgressiveMetrics total = new ProgressiveMetrics();
  final WindowedMetrics recent = new WindowedMetrics(RECENT_WINDOW);
  final Counter examplesTrained;
  final Counter examplesRejected;
  final Counter batchesSkipped;
  final Counter updatesPublished;

  private volatile double logLoss = Double.NaN;
  private volatile double logLossRecent = Double.NaN;
  private volatile double auc = Double.NaN;
  private volatile double aucRecent = Double.NaN;
  private volatile double calibration = Double.NaN;
  private volatile long modelVersion;
  private volatile long newestEventTime;
  private volatile long lastUpdateBytes;

  TrainerMetrics(MetricGroup operatorGroup, String modelId) {
    MetricGroup g = operatorGroup.addGroup(GROUP, modelId);
    examplesTrained = g.counter(EXAMPLES_TRAINED);
    examplesRejected = g.counter(EXAMPLES_REJECTED);
    batchesSkipped = g.counter(BATCHES_SKIPPED);
    updatesPublished = g.counter(UPDATES_PUBLISHED);
    g.gauge(LOG_LOSS, (Gauge<Double>) () -> logLoss);
    g.gauge(LOG_LOSS_RECENT, (Gauge<Double>) () -> logLossRecent);
    g.gauge(AUC, (Gauge<Double>) () -> auc);
    g.gauge(AUC_RECENT, (Gauge<Double>) () -> aucRecent);
    g.gauge(CALIBRATION, (Gauge<Double>) () -> calibration);
    g.gauge(MODEL_VERSION, (Gauge<Long>) () -> modelVersion);
    g.gauge(
        FRESHNESS_MS,
        (Gauge<Long>)
            () -> newestEventTime == 0 ? -1L : System.currentTimeMillis() - newestEventTime);
    g.gauge(LAST_UPDATE_BYTES, (Gauge<Long>) () -> lastUpdateBytes);
  }

  /** Counts one example's pre-update prediction. */
  void add(double prediction, double label, double weight) {
    total.add(prediction, label, weight);
    recent.add(prediction, label, weight);
  }

  /** Cheap refresh after a batch (log losses, version, freshness). */
  void afterBatch(long version, long newestEventTime) {
    this.modelVersion = version;
    this.newestEventTime = newestEventTime;
    this.logLoss = total.logLoss();
    this.logLossRecent = recent.logLoss();
  }

  /** Full refresh after a publication (adds the binned AUCs and calibration). */
  void afterPublish(int bytes) {
    lastUpdateBytes = bytes;
    auc = total.auc();
    aucRecent = recent.auc();
    calibration = total.calibration();
  }
}
