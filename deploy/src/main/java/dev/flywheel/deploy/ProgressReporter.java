package dev.flywheel.deploy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Samples a running job's metrics through the REST API and formats the runner's progress line:
 * events read (and the rate since the previous sample), then the pipeline's metrics (examples
 * trained, model version, log loss, DLQ count) or "-" while a job does not report them.
 *
 * <p>The REST API serves metric values cached for up to {@code metrics.fetcher.update-interval}
 * (the runner sets 1 s), so the rate is taken over the last {@value #RATE_WINDOW_SECONDS} seconds
 * of samples rather than between two neighbours, which would jitter.
 */
public final class ProgressReporter {
  /** The rate is computed against the oldest sample at most this old. */
  public static final int RATE_WINDOW_SECONDS = 10;

  private final FlinkRestClient rest;
  private final String jobId;
  private final ProgressMetrics metrics;
  private final ArrayDeque<Sample> history = new ArrayDeque<>();

  /**
   * One reading of the metrics; a value is empty when no metric matched.
   *
   * @param nanos {@link System#nanoTime()} when taken
   * @param state the job's state, or {@code UNREACHABLE} when the REST API did not answer
   */
  public record Sample(
      long nanos,
      String state,
      OptionalDouble eventsIn,
      OptionalDouble examplesTrained,
      OptionalDouble modelVersion,
      OptionalDouble logLoss,
      OptionalDouble dlqRecords) {}

  /** Reads {@code metrics} of job {@code jobId} through {@code rest}. */
  public ProgressReporter(FlinkRestClient rest, String jobId, ProgressMetrics metrics) {
    this.rest = rest;
    this.jobId = jobId;
    this.metrics = metrics;
  }

  /** Takes a sample; never throws (an unreachable API gives state UNREACHABLE, no values). */
  public Sample sample() {
    long now = System.nanoTime();
    OptionalDouble none = OptionalDouble.empty();
    try {
      String state = rest.jobState(jobId);
      List<String> wanted =
          List.of(
              metrics.eventsIn(),
              metrics.examplesTrained(),
              metrics.modelVersion(),
              metrics.logLoss(),
              metrics.dlqRecords());
      List<List<FlinkRestClient.Aggregate>> found = new ArrayList<>();
      for (int i = 0; i < wanted.size(); i++) {
        found.add(new ArrayList<>());
      }
      for (FlinkRestClient.Vertex vertex : rest.vertices(jobId)) {
        List<String> ids = rest.metricIds(jobId, vertex.id());
        List<String> matched = new ArrayList<>();
        for (String id : ids) {
          for (String pattern : wanted) {
            if (ProgressMetrics.matches(pattern, id)) {
              matched.add(id);
              break;
            }
          }
        }
        Map<String, FlinkRestClient.Aggregate> values =
            rest.aggregates(jobId, vertex.id(), matched);
        for (Map.Entry<String, FlinkRestClient.Aggregate> e : values.entrySet()) {
          for (int i = 0; i < wanted.size(); i++) {
            if (ProgressMetrics.matches(wanted.get(i), e.getKey())) {
              found.get(i).add(e.getValue());
            }
          }
        }
      }
      return new Sample(
          now,
          state,
          combine(found.get(0), FlinkRestClient.Aggregate::sum, false),
          combine(found.get(1), FlinkRestClient.Aggregate::sum, false),
          combine(found.get(2), FlinkRestClient.Aggregate::max, true),
          average(found.get(3)),
          combine(found.get(4), FlinkRestClient.Aggregate::sum, false));
    } catch (IOException e) {
      return new Sample(now, "UNREACHABLE", none, none, none, none, none);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Sample(now, "INTERRUPTED", none, none, none, none, none);
    }
  }

  /** Takes a sample and formats it, with the rate over the last {@value #RATE_WINDOW_SECONDS} s. */
  public String nextLine(Duration elapsed) {
    return line(sample(), elapsed);
  }

  /** Formats {@code current} against the history of samples and records it. */
  String line(Sample current, Duration elapsed) {
    long windowStart = current.nanos() - TimeUnit.SECONDS.toNanos(RATE_WINDOW_SECONDS);
    while (history.size() > 1 && history.peekFirst().nanos() < windowStart) {
      history.pollFirst();
    }
    String line = format(history.peekFirst(), current, elapsed);
    history.addLast(current);
    return line;
  }

  /**
   * The progress line for {@code current}; the rate is taken since {@code previous} (none when it
   * is null).
   */
  public static String format(Sample previous, Sample current, Duration elapsed) {
    StringBuilder line = new StringBuilder();
    long seconds = elapsed.toSeconds();
    line.append(
        String.format(
            Locale.ROOT,
            "[%d:%02d:%02d] %-9s",
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60,
            current.state()));
    line.append(" events ").append(count(current.eventsIn()));
    if (previous != null
        && previous.eventsIn().isPresent()
        && current.eventsIn().isPresent()
        && current.nanos() > previous.nanos()) {
      double perSecond =
          (current.eventsIn().getAsDouble() - previous.eventsIn().getAsDouble())
              * 1e9
              / (current.nanos() - previous.nanos());
      line.append(String.format(Locale.ROOT, " (%,.0f/s)", Math.max(0, perSecond)));
    } else {
      line.append(" (-/s)");
    }
    line.append(" | trained ").append(count(current.examplesTrained()));
    line.append(" | model v").append(count(current.modelVersion()));
    line.append(" | log loss ")
        .append(
            current.logLoss().isPresent()
                ? String.format(Locale.ROOT, "%.4f", current.logLoss().getAsDouble())
                : "-");
    line.append(" | DLQ ").append(count(current.dlqRecords()));
    return line.toString();
  }

  private static String count(OptionalDouble value) {
    return value.isPresent() ? String.format(Locale.ROOT, "%,d", (long) value.getAsDouble()) : "-";
  }

  private static OptionalDouble combine(
      List<FlinkRestClient.Aggregate> values,
      ToDoubleFunction<FlinkRestClient.Aggregate> field,
      boolean max) {
    if (values.isEmpty()) {
      return OptionalDouble.empty();
    }
    double result = max ? Double.NEGATIVE_INFINITY : 0;
    for (FlinkRestClient.Aggregate value : values) {
      double v = field.applyAsDouble(value);
      if (Double.isNaN(v)) {
        continue;
      }
      result = max ? Math.max(result, v) : result + v;
    }
    return Double.isInfinite(result) ? OptionalDouble.empty() : OptionalDouble.of(result);
  }

  private static OptionalDouble average(List<FlinkRestClient.Aggregate> values) {
    double sum = 0;
    int n = 0;
    for (FlinkRestClient.Aggregate value : values) {
      if (!Double.isNaN(value.avg())) {
        sum += value.avg();
        n++;
      }
    }
    return n == 0 ? OptionalDouble.empty() : OptionalDouble.of(sum / n);
  }
}
