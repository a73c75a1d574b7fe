package dev.flywheel.jobs.train;

import dev.flywheel.model.metrics.ProgressiveMetrics;
import dev.flywheel.model.metrics.WindowedMetrics;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

/**
 * The trainer's Flink metrics, under the operator's group {@value #GROUP}: per subtask ({@code
 * flywheel.<name>}, summed or aggregated over the model ids it trains) and per model id ({@code
 * flywheel.model.<id>.<name>}).
 *
 * <p>The subtask's {@value #LOG_LOSS} gauge appears with its first trained batch (a subtask that
 * trains no model id has none, rather than a NaN that would poison the aggregate over subtasks).
 * Progressive metrics count every example scored before it was learned; they live in the subtask
 * (not in state) and restart at zero after a restore. Gauges read {@code volatile} copies the task
 * thread refreshes, so the reporter thread never touches the accumulators.
 */
public final class TrainerMetrics {
  public static final String GROUP = "flywheel";
  public static final String MODEL_GROUP = "model";
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
  public static final String UPDATES_QUEUED_BYTES = "updatesQueuedBytes";
  public static final String UPDATES_FLUSHED_UNPACED = "updatesFlushedUnpaced";
  public static final String MODEL_SPARES_OFFERED = "modelSparesOffered";

  /** Examples in the recent window of {@link #LOG_LOSS_RECENT} and {@link #AUC_RECENT}. */
  public static final int RECENT_WINDOW = 10_000;

  private final MetricGroup group;
  private final Map<String, PerModel> models = new HashMap<>();
  private final Counter examplesTrained;
  private final Counter examplesRejected;
  private final Counter batchesSkipped;
  private final Counter updatesPublished;
  private final Counter updatesFlushedUnpaced;
  private final Counter modelSparesOffered;
  private volatile long queuedBytes;
  private volatile long newestVersion;
  private volatile long newestEventTime;
  private volatile double logLoss = Double.NaN;
  private boolean logLossRegistered;

  TrainerMetrics(MetricGroup operatorGroup) {
    group = operatorGroup.addGroup(GROUP);
    examplesTrained = group.counter(EXAMPLES_TRAINED);
    examplesRejected = group.counter(EXAMPLES_REJECTED);
    batchesSkipped = group.counter(BATCHES_SKIPPED);
    updatesPublished = group.counter(UPDATES_PUBLISHED);
    updatesFlushedUnpaced = group.counter(UPDATES_FLUSHED_UNPACED);
    modelSparesOffered = group.counter(MODEL_SPARES_OFFERED);
    group.gauge(UPDATES_QUEUED_BYTES, (Gauge<Long>) () -> queuedBytes);
    group.gauge(MODEL_VERSION, (Gauge<Long>) () -> newestVersion);
    // LOG_LOSS is registered by the first batch: a subtask that trains no model id has none, so
    // it does not turn the REST API's aggregate over subtasks into NaN.
    group.gauge(FRESHNESS_MS, (Gauge<Long>) () -> freshness(newestEventTime));
  }

  private static long freshness(long eventTime) {
    return eventTime <= 0 ? -1L : System.currentTimeMillis() - eventTime;
  }

  /** The metrics of {@code modelId}, registered on first use. */
  PerModel model(String modelId) {
    PerModel m = models.get(modelId);
    if (m == null) {
      m = new PerModel(group.addGroup(MODEL_GROUP, modelId));
      models.put(modelId, m);
    }
    return m;
  }

  /**
   * After the topic output was drained: the bytes still queued for the model-updates topic (this
   * subtask, every model id) and how many flushes the pacer's bound forced this time.
   */
  void afterDrain(long queued, long newOverflows) {
    queuedBytes = queued;
    if (newOverflows > 0) {
      updatesFlushedUnpaced.inc(newOverflows);
    }
  }

  /** A completed checkpoint's frozen model became the spare of the model in state. */
  void spareOffered() {
    modelSparesOffered.inc();
  }

  /** The {@value #MODEL_SPARES_OFFERED} counter (for tests). */
  long sparesOffered() {
    return modelSparesOffered.getCount();
  }

  void rejected(String modelId) {
    examplesRejected.inc();
    model(modelId).examplesRejected.inc();
  }

  void skipped(PerModel m) {
    batchesSkipped.inc();
    m.batchesSkipped.inc();
  }

  void trained(PerModel m, int examples) {
    examplesTrained.inc(examples);
    m.examplesTrained.inc(examples);
  }

  /** Cheap refresh after a batch: log losses, versions, freshness (subtask level too). */
  void afterBatch(PerModel m, long version, long eventTime) {
    m.modelVersion = version;
    m.newestEventTime = eventTime;
    m.logLoss = m.total.logLoss();
    m.logLossRecent = m.recent.logLoss();
    newestVersion = Math.max(newestVersion, version);
    newestEventTime = Math.max(newestEventTime, eventTime);
    double weighted = 0;
    double weight = 0;
    for (PerModel each : models.values()) {
      if (each.total.weight() > 0) {
        weighted += each.total.logLoss() * each.total.weight();
        weight += each.total.weight();
      }
    }
    logLoss = weight > 0 ? weighted / weight : Double.NaN;
    if (!logLossRegistered && weight > 0) {
      group.gauge(LOG_LOSS, (Gauge<Double>) () -> logLoss);
      logLossRegistered = true;
    }
  }

  /** Full refresh after a publication (adds the binned AUCs and calibration). */
  void afterPublish(PerModel m, int bytes) {
    updatesPublished.inc();
    m.updatesPublished.inc();
    m.lastUpdateBytes = bytes;
    m.auc = m.total.auc();
    m.aucRecent = m.recent.auc();
    m.calibration = m.total.calibration();
  }

  // ---------------------------------------------------------------- read back (tests)

  long examplesTrained() {
    return examplesTrained.getCount();
  }

  long examplesRejected() {
    return examplesRejected.getCount();
  }

  long batchesSkipped() {
    return batchesSkipped.getCount();
  }

  long updatesPublished() {
    return updatesPublished.getCount();
  }

  long modelVersion() {
    return newestVersion;
  }

  double logLoss() {
    return logLoss;
  }

  /** One model id's metrics. */
  static final class PerModel {
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

    PerModel(MetricGroup g) {
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
      g.gauge(FRESHNESS_MS, (Gauge<Long>) () -> freshness(newestEventTime));
      g.gauge(LAST_UPDATE_BYTES, (Gauge<Long>) () -> lastUpdateBytes);
    }

    double auc() {
      return auc;
    }

    double calibration() {
      return calibration;
    }

    double logLossRecent() {
      return logLossRecent;
    }

    /** Counts one example's pre-update prediction. */
    void add(double prediction, double label, double weight) {
      total.add(prediction, label, weight);
      recent.add(prediction, label, weight);
    }
  }
}
