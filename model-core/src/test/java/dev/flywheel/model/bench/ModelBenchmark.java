package dev.flywheel.model.bench;

import dev.flywheel.model.Model;
import dev.flywheel.model.ModelConfig;
import dev.flywheel.model.SparseBatch;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Per-example throughput of scoring and training for the reference model (hashBits 18, d 16, hidden
 * [32], batch 64, 20 active features per example: {@link ReferenceWorkload}); {@code hidden=none}
 * is the hidden-layer-free baseline (logistic regression on the same features). Scores are examples
 * per second ({@code @OperationsPerInvocation(64)}); with {@code -prof gc}, {@code
 * gc.alloc.rate.norm} is bytes per example.
 *
 * <p>Run with {@code model-core/bench.sh}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class ModelBenchmark {
  static final int BATCH = 64;
  static final int BATCHES = 256;

  /** Hidden layer widths, comma-separated, or "none" for no deep tower. */
  @Param({"32", "none"})
  public String hidden;

  @Param({"ADAGRAD"})
  public String optimizer;

  private Model model;
  private SparseBatch[] batches;
  private double[] out;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    int[] widths =
        hidden.equals("none")
            ? new int[0]
            : java.util.Arrays.stream(hidden.split(",")).mapToInt(Integer::parseInt).toArray();
    ModelConfig config =
        ModelConfig.builder()
            .hashBits(18)
            .embeddingDim(16)
            .hiddenLayers(widths)
            .optimizer(ModelConfig.OptimizerType.valueOf(optimizer))
            .maxBatchSize(BATCH)
            .build();
    model = new Model(config);
    batches = ReferenceWorkload.batches(BATCHES, BATCH, 18, config.hashSeed(), 42);
    out = new double[BATCH];
    // warm the scaler and the parameters with one pass
    for (SparseBatch b : batches) {
      model.train(b, null);
    }
  }

  private SparseBatch nextBatch() {
    SparseBatch b = batches[next];
    next = (next + 1) & (BATCHES - 1);
    return b;
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public double[] score() {
    model.score(nextBatch(), out);
    return out;
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public double train() {
    return model.train(nextBatch(), null);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public double[] testThenTrain() {
    model.train(nextBatch(), out);
    return out;
  }
}
