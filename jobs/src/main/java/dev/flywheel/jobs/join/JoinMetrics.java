package dev.flywheel.jobs.join;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

/**
 * The label join's metrics, group {@code flywheel.join} of its operator: counters {@code
 * positives}, {@code negatives}, {@code lateClicks}, {@code orphanClicks}, {@code duplicates},
 * {@code shed}, {@code forgottenEarly}; gauges {@code pending} and {@code remembered}
 * (docs/join.md, "Metrics"). Public so that the descriptors' tests can list what the job registers.
 */
public final class JoinMetrics {
  final Counter positives;
  final Counter negatives;
  final Counter lateClicks;
  final Counter orphanClicks;
  final Counter duplicates;
  final Counter shed;
  final Counter forgottenEarly;

  /**
   * Registers the metrics under {@code operatorGroup}.
   *
   * @param pending impressions and early clicks waiting on the subtask
   * @param remembered labelled ids the subtask remembers
   */
  public JoinMetrics(MetricGroup operatorGroup, Gauge<Long> pending, Gauge<Long> remembered) {
    MetricGroup group = operatorGroup.addGroup("flywheel").addGroup("join");
    positives = group.counter("positives");
    negatives = group.counter("negatives");
    lateClicks = group.counter("lateClicks");
    orphanClicks = group.counter("orphanClicks");
    duplicates = group.counter("duplicates");
    shed = group.counter("shed");
    forgottenEarly = group.counter("forgottenEarly");
    group.gauge("pending", pending);
    group.gauge("remembered", remembered);
  }
}
