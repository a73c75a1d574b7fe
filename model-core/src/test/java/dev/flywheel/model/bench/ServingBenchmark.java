package dev.flywheel.model.bench;

import dev.flywheel.model.Model;
import dev.flywheel.model.ModelConfig;
import dev.flywheel.model.SparseBatch;
import dev.flywheel.model.features.FeatureHasher;
import java.util.SplittableRandom;
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
 * Scoring as the pipeline's scorer does it, one event per call: an impression is one example, a
 * request's three candidates one batch of three. The examples have the pipeline benchmark's five
 * categorical fields (country 12, segment 20, device 3, item 1,000, category 30 values: about a
 * thousand embedding rows in all, so the rows stay in cache and the deep tower's dense product is
 * most of the work, unlike {@link ModelBenchmark}'s 20 fields over a 32 MiB table). {@code
 * trainBatch} is the trainer's step on batches of 256 such examples. The default model (hashBits
 * 18, d 16, hidden [32], AdaGrad); {@code hidden=none} is the baseline without a deep tower. Scores
 * are examples per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class ServingBenchmark {
  static final int EXAMPLES = 4096;
  static final int TRAIN_BATCH = 256;
  static final int CANDIDATES = 3;
  private static final int[] CARDINALITIES = {12, 20, 3, 1_000, 30};

  /** Hidden layer widths, comma-separated, or "none" for no deep tower. */
  @Param({"32", "none"})
  public String hidden;

  private Model model;
  private SparseBatch[] ones;
  private SparseBatch[] threes;
  private SparseBatch[] trainBatches;
  private final double[] out = new double[TRAIN_BATCH];
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    int[] widths =
        hidden.equals("none")
            ? new int[0]
            : java.util.Arrays.stream(hidden.split(",")).mapToInt(Integer::parseInt).toArray();
    ModelConfig config =
        ModelConfig.builder().hiddenLayers(widths).maxBatchSize(TRAIN_BATCH).build();
    model = new Model(config);
    FeatureHasher hasher = new FeatureHasher(config.hashBits(), config.hashSeed());
    SplittableRandom random = new SplittableRandom(7);
    ones = new SparseBatch[EXAMPLES];
    threes = new SparseBatch[EXAMPLES];
    for (int e = 0; e < EXAMPLES; e++) {
      ones[e] = new SparseBatch(1, CARDINALITIES.length);
      add(ones[e], hasher, random);
      threes[e] = new SparseBatch(CANDIDATES, CARDINALITIES.length);
      for (int c = 0; c < CANDIDATES; c++) {
        add(threes[e], hasher, random);
      }
    }
    trainBatches = new SparseBatch[EXAMPLES / TRAIN_BATCH];
    for (int b = 0; b < trainBatches.length; b++) {
      trainBatches[b] = new SparseBatch(TRAIN_BATCH, CARDINALITIES.length);
      for (int i = 0; i < TRAIN_BATCH; i++) {
        add(trainBatches[b], hasher, random);
      }
    }
    for (SparseBatch b : trainBatches) {
      model.train(b, null);
    }
  }

  private static void add(SparseBatch batch, FeatureHasher hasher, SplittableRandom random) {
    for (int f = 0; f < CARDINALITIES.length; f++) {
      batch.add(
          hasher.categorical("f" + f, Integer.toString(random.nextInt(CARDINALITIES[f]))), 1.0);
    }
    batch.endExample(random.nextInt(20) == 0 ? 1.0 : 0.0);
  }

  private int nextIndex() {
    int i = next;
    next = (next + 1) & (EXAMPLES - 1);
    return i;
  }

  @Benchmark
  public double scoreImpression() {
    return model.scoreOne(ones[nextIndex()], 0);
  }

  @Benchmark
  @OperationsPerInvocation(CANDIDATES)
  public double[] scoreRequest() {
    model.score(threes[nextIndex()], out);
    return out;
  }

  @Benchmark
  @OperationsPerInvocation(TRAIN_BATCH)
  public double trainBatch() {
    return model.train(trainBatches[nextIndex() % trainBatches.length], null);
  }
}
