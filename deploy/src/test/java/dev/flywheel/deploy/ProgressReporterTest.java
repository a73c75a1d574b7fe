package dev.flywheel.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class ProgressReporterTest {

  @Test
  void metricPatternsMatchWholeNameSegments() {
    assertThat(
            ProgressMetrics.matches(
                ProgressMetrics.SOURCE_RECORDS_IN, "Source__Kafka_events.numRecordsIn"))
        .isTrue();
    assertThat(ProgressMetrics.matches(ProgressMetrics.SOURCE_RECORDS_IN, "numRecordsIn"))
        .isFalse();
    assertThat(ProgressMetrics.matches(ProgressMetrics.SOURCE_RECORDS_IN, "Map.numRecordsIn"))
        .isFalse();
    assertThat(
            ProgressMetrics.matches(
                ProgressMetrics.SOURCE_RECORDS_IN, "Source__Kafka_events.numRecordsInPerSecond"))
        .isFalse();
    assertThat(
            ProgressMetrics.matches(ProgressMetrics.MODEL_VERSION, "Trainer.flywheel.modelVersion"))
        .isTrue();
    assertThat(ProgressMetrics.matches(ProgressMetrics.MODEL_VERSION, "flywheel.modelVersion"))
        .isTrue();
    assertThat(
            ProgressMetrics.matches(
                ProgressMetrics.MODEL_VERSION, "Trainer.xflywheel.modelVersion"))
        .isFalse();
  }

  @Test
  void formatsRateFromTwoSamplesAndDashesForMissingMetrics() {
    OptionalDouble none = OptionalDouble.empty();
    ProgressReporter.Sample before =
        new ProgressReporter.Sample(
            1_000_000_000L, "RUNNING", OptionalDouble.of(1_000), none, none, none, none);
    ProgressReporter.Sample after =
        new ProgressReporter.Sample(
            3_000_000_000L,
            "RUNNING",
            OptionalDouble.of(21_000),
            OptionalDouble.of(5_000),
            OptionalDouble.of(7),
            OptionalDouble.of(0.4321),
            none);
    assertThat(ProgressReporter.format(before, after, Duration.ofSeconds(3725)))
        .isEqualTo(
            "[1:02:05] RUNNING   events 21,000 (10,000/s) | trained 5,000 | model v7"
                + " | log loss 0.4321 | DLQ -");
    assertThat(ProgressReporter.format(null, before, Duration.ZERO))
        .isEqualTo(
            "[0:00:00] RUNNING   events 1,000 (-/s) | trained - | model v- | log loss - | DLQ -");
  }

  @Test
  void rateIsTakenOverTheLastTenSecondsOfSamples() {
    ProgressReporter reporter =
        new ProgressReporter(
            new FlinkRestClient(URI.create("http://localhost:1"), Duration.ofSeconds(1)),
            "job",
            ProgressMetrics.PIPELINE);
    OptionalDouble none = OptionalDouble.empty();
    String line = "";
    for (int second = 0; second <= 14; second += 2) {
      // Counts as a stale REST cache would serve them: flat, then a jump every 4 s.
      double events = 1000.0 * (second / 4 * 4);
      line =
          reporter.line(
              new ProgressReporter.Sample(
                  second * 1_000_000_000L,
                  "RUNNING",
                  OptionalDouble.of(events),
                  none,
                  none,
                  none,
                  none),
              Duration.ofSeconds(second));
    }
    // At 14 s the base is the sample at 4 s: (12,000 - 4,000) / 10 s.
    assertThat(line).startsWith("[0:00:14] RUNNING   events 12,000 (800/s)");
  }

  @Test
  void parsesDurationsInBothForms() {
    assertThat(DurationConverter.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(DurationConverter.parse("5s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(DurationConverter.parse("10m")).isEqualTo(Duration.ofMinutes(10));
    assertThat(DurationConverter.parse("PT2H")).isEqualTo(Duration.ofHours(2));
  }
}
