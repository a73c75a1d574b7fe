package dev.flywheel.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

/** Which gauges the trainer registers, and when (the local runner's progress line reads them). */
class TrainerMetricsTest {

  /** Records gauges by their dotted name under the operator group. */
  private static final class Recording extends UnregisteredMetricsGroup {
    final String prefix;
    final Map<String, Gauge<?>> gauges;

    Recording(String prefix, Map<String, Gauge<?>> gauges) {
      this.prefix = prefix;
      this.gauges = gauges;
    }

    @Override
    public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
      gauges.put(prefix + name, gauge);
      return gauge;
    }

    @Override
    public MetricGroup addGroup(String name) {
      return new Recording(prefix + name + ".", gauges);
    }

    @Override
    public MetricGroup addGroup(String key, String value) {
      return new Recording(prefix + key + "." + value + ".", gauges);
    }
  }

  @Test
  void subtaskLogLossAppearsWithTheFirstTrainedBatchNeverAsNaN() {
    Map<String, Gauge<?>> gauges = new LinkedHashMap<>();
    TrainerMetrics metrics = new TrainerMetrics(new Recording("", gauges));
    assertThat(gauges).containsKey("flywheel.modelVersion");
    assertThat(gauges)
        .as("a subtask that trains nothing has no log-loss gauge")
        .doesNotContainKey("flywheel.progressiveLogLoss");

    TrainerMetrics.PerModel m = metrics.model("default");
    m.add(0.2, 0.0, 1.0);
    metrics.trained(m, 1);
    metrics.afterBatch(m, 1, 1_732_700_000_000L);

    assertThat(gauges).containsKey("flywheel.progressiveLogLoss");
    assertThat((Double) gauges.get("flywheel.progressiveLogLoss").getValue())
        .isCloseTo(-Math.log(0.8), org.assertj.core.data.Offset.offset(1e-9));
    assertThat((Long) gauges.get("flywheel.modelVersion").getValue()).isEqualTo(1L);
    assertThat(gauges).containsKey("flywheel.model.default.progressiveLogLoss");
  }
}
