package dev.flywheel.jobs.score;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The scorer's Flink metrics, under the operator's group {@value #GROUP}. Per subtask: predictions,
 * events ignored, scoring latency (a histogram over the last {@value #LATENCY_WINDOW} predictions,
 * microseconds), updates applied / ignored (a delta whose base is not the served version) /
 * invalid, chunk sets dropped, the newest model version served, events held after a restore and
 * held events that had to be scored without their model (version 0). Per model id ({@code
 * flywheel.model.<id>.<name>}): the version served and its freshness (now minus the event time of
 * the newest example trained into it).
 */
public final class ScorerMetrics {
  public static final String PREDICTIONS = "predictions";
  public static final String EVENTS_IGNORED = "eventsIgnored";
  public static final String SCORING_LATENCY_US = "scoringLatencyUs";
  public static final String UPDATES_APPLIED = "updatesApplied";
  public static final String UPDATES_IGNORED = "updatesIgnored";
  public static final String UPDATES_INVALID = "updatesInvalid";
  public static final String CHUNK_SETS_DROPPED = "chunkSetsDropped";
  public static final String EVENTS_HELD = "eventsHeld";
  public static final String HELD_SCORED_WITHOUT_MODEL = "heldScoredWithoutModel";
  public static final String GROUP = "flywheel";
  public static final String MODEL_GROUP = "model";
  public static final String MODEL_VERSION = "modelVersion";
  public static final String FRESHNESS_MS = "modelFreshnessMs";

  /** Predictions in the latency histogram's window. */
  public static final int LATENCY_WINDOW = 1024;

  final Counter predictions;
  final Counter eventsIgnored;
  final Counter updatesApplied;
  final Counter updatesIgnored;
  final Counter updatesInvalid;
  final Histogram latencyUs;
  final Counter heldScoredWithoutModel;
  private volatile long chunkSetsDropped;
  private volatile long held;
  private final MetricGroup group;
  private volatile long newestVersion;
  private final Map<String, Served> served = new HashMap<>();

  ScorerMetrics(MetricGroup operatorGroup) {
    group = operatorGroup.addGroup(GROUP);
    predictions = group.counter(PREDICTIONS);
    eventsIgnored = group.counter(EVENTS_IGNORED);
    updatesApplied = group.counter(UPDATES_APPLIED);
    updatesIgnored = group.counter(UPDATES_IGNORED);
    updatesInvalid = group.counter(UPDATES_INVALID);
    latencyUs =
        group.histogram(SCORING_LATENCY_US, new DescriptiveStatisticsHistogram(LATENCY_WINDOW));
    group.gauge(CHUNK_SETS_DROPPED, (Gauge<Long>) () -> chunkSetsDropped);
    heldScoredWithoutModel = group.counter(HELD_SCORED_WITHOUT_MODEL);
    group.gauge(EVENTS_HELD, (Gauge<Long>) () -> held);
    group.gauge(MODEL_VERSION, (Gauge<Long>) () -> newestVersion);
  }

  /** Records that a model id is served at {@code version} (per record: two volatile accesses). */
  void serving(Served served, long version) {
    served.version = version;
    if (version > newestVersion) {
      newestVersion = version;
    }
  }

  void held(long n) {
    held = n;
  }

  /** Events held after a restore, waiting for their model (for tests). */
  long held() {
    return held;
  }

  void chunkSetsDropped(long n) {
    chunkSetsDropped = n;
  }

  /** The per-model gauges of {@code modelId}, registered on first use. */
  Served served(String modelId) {
    Served s = served.get(modelId);
    if (s == null) {
      s = new Served();
      MetricGroup g = group.addGroup(MODEL_GROUP, modelId);
      Served gauges = s;
      g.gauge(MODEL_VERSION, (Gauge<Long>) () -> gauges.version);
      g.gauge(
          FRESHNESS_MS,
          (Gauge<Long>)
              () ->
                  gauges.newestEventTime <= 0
                      ? -1L
                      : System.currentTimeMillis() - gauges.newestEventTime);
      served.put(modelId, s);
    }
    return s;
  }

  /** What one model id is served with. */
  static final class Served {
    volatile long version;
    volatile long newestEventTime;
  }
}
