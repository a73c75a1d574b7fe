package dev.flywheel.jobs.testing;

import dev.flywheel.jobs.config.JobSettings;
import dev.flywheel.jobs.events.LabeledExample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;

/** Shared test data: small settings and a synthetic logistic click model. */
public final class Fixtures {
  private Fixtures() {}

  /** Fields of the synthetic click model, and values per field. */
  public static final int FIELDS = 3;

  public static final int VALUES = 6;

  /**
   * A small model (2^8 buckets, d=4, one hidden layer of 8), batch 4, max wait 100 ms, publish
   * every second, a snapshot every 2 deltas, 1 KiB chunks; {@code overrides} are more {@code --key
   * value} pairs.
   */
  public static JobSettings settings(String... overrides) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--flywheel.model.hash-bits", "8",
                "--flywheel.model.embedding-dim", "4",
                "--flywheel.model.hidden-layers", "8",
                "--flywheel.trainer.batch-size", "4",
                "--flywheel.trainer.max-wait", "100ms",
                "--flywheel.trainer.publish-interval", "1s",
                "--flywheel.trainer.full-snapshot-every", "2",
                "--flywheel.model-updates.chunk-bytes", "1024"));
    args.addAll(Arrays.asList(overrides));
    return JobSettings.fromArgs(args.toArray(String[]::new));
  }

  /** Makes a Kryo fallback fail for everything created with {@code config} from now on. */
  public static void disableGenericTypes(ExecutionConfig config) {
    Configuration c = new Configuration();
    c.set(PipelineOptions.GENERIC_TYPES, false);
    config.getSerializerConfig().configure(c, Fixtures.class.getClassLoader());
  }

  /** The true logit of value {@code v} of field {@code f} in the synthetic click model. */
  public static double trueWeight(int f, int v) {
    return (v - (VALUES - 1) / 2.0) * (f == 0 ? 1.2 : 0.6);
  }

  /** The true intercept of the synthetic click model (a base rate of roughly 15%). */
  public static final double TRUE_BIAS = -2.0;

  /** Click probability of an example with values {@code vs} (one per field). */
  public static double clickProbability(int[] vs) {
    double z = TRUE_BIAS;
    for (int f = 0; f < FIELDS; f++) {
      z += trueWeight(f, vs[f]);
    }
    return 1 / (1 + Math.exp(-z));
  }

  /**
   * An example of the synthetic model: field {@code f} value {@code v} is bucket {@code 16f + v}
   * (no hashing), label drawn from {@link #clickProbability}.
   */
  public static LabeledExample example(String model, String id, long ts, Random random) {
    int[] vs = new int[FIELDS];
    int[] indices = new int[FIELDS];
    for (int f = 0; f < FIELDS; f++) {
      vs[f] = random.nextInt(VALUES);
      indices[f] = 16 * f + vs[f];
    }
    double[] values = new double[FIELDS];
    Arrays.fill(values, 1.0);
    double label = random.nextDouble() < clickProbability(vs) ? 1 : 0;
    return new LabeledExample(model, id, ts, indices, values, new boolean[FIELDS], label, 1.0);
  }

  /** {@code n} examples of model {@code model}, event times {@code 1000 + i}. */
  public static List<LabeledExample> examples(String model, int n, long seed) {
    Random random = new Random(seed);
    List<LabeledExample> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(example(model, model + "-" + i, 1000 + i, random));
    }
    return out;
  }
}
