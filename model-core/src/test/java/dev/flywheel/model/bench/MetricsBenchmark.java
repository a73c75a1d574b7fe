package dev.flywheel.model.bench;

import dev.flywheel.model.metrics.ProgressiveMetrics;
import dev.flywheel.model.metrics.WindowedMetrics;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The trainer's per-example metrics: every trained example goes into a cumulative {@link
 * ProgressiveMetrics} (the baseline: one addition) and a full {@link WindowedMetrics} of the
 * trainer's window (an addition and an eviction). Predictions are click-rate-like (mostly below
 * 0.2), labels drawn from them. Scores are examples per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class MetricsBenchmark {
  static final int EXAMPLES = 4096;

  /** The trainer's recent window (TrainerMetrics.RECENT_WINDOW). */
  static final int WINDOW = 10_000;

  private final double[] predictions = new double[EXAMPLES];
  private final double[] labels = new double[EXAMPLES];
  private ProgressiveMetrics total;
  private WindowedMetrics recent;

  @Setup(Level.Trial)
  public void setUp() {
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < EXAMPLES; i++) {
      predictions[i] = 0.2 * random.nextDouble() * random.nextDouble();
      labels[i] = random.nextDouble() < predictions[i] ? 1 : 0;
    }
    total = new ProgressiveMetrics();
    recent = new WindowedMetrics(WINDOW);
    for (int k = 0; k < 3; k++) { // fill the window: every measured addition evicts
      for (int i = 0; i < EXAMPLES; i++) {
        recent.add(predictions[i], labels[i], 1.0);
      }
    }
  }

  @Benchmark
  @OperationsPerInvocation(EXAMPLES)
  public double progressive() {
    for (int i = 0; i < EXAMPLES; i++) {
      total.add(predictions[i], labels[i], 1.0);
    }
    return total.logLoss();
  }

  @Benchmark
  @OperationsPerInvocation(EXAMPLES)
  public double windowed() {
    for (int i = 0; i < EXAMPLES; i++) {
      recent.add(predictions[i], labels[i], 1.0);
    }
    return recent.logLoss();
  }
}
