package dev.flywheel.model.bench;

import dev.flywheel.model.Model;
import dev.flywheel.model.ModelConfig;
import dev.flywheel.model.SparseBatch;
import java.lang.management.ManagementFactory;

/**
 * A companion to {@link ModelBenchmark} for a shared machine: the same workload, but throughput per
 * second of this thread's CPU time ({@code ThreadMXBean.getCurrentThreadCpuTime}) instead of wall
 * time, so it is not divided by the number of other runnable processes. It still suffers from the
 * cache pollution of a busy machine. Prints one line per round and the median of the last rounds.
 *
 * <p>Run with {@code model-core/bench.sh --cpu-probe}.
 */
public final class CpuTimeProbe {
  private CpuTimeProbe() {}

  public static void main(String[] args) {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    for (int[] hidden : new int[][] {{32}, {}}) {
      ModelConfig config =
          ModelConfig.builder()
              .hashBits(18)
              .embeddingDim(16)
              .hiddenLayers(hidden)
              .maxBatchSize(ModelBenchmark.BATCH)
              .build();
      Model model = new Model(config);
      SparseBatch[] batches =
          ReferenceWorkload.batches(
              ModelBenchmark.BATCHES, ModelBenchmark.BATCH, 18, config.hashSeed(), 42);
      double[] out = new double[ModelBenchmark.BATCH];
      int rounds = 8;
      double[][] rates = new double[3][rounds];
      double[] bytes = new double[3];
      for (int round = 0; round < rounds; round++) {
        for (int op = 0; op < 3; op++) {
          int reps = op == 0 ? 20 : 5;
          long a0 = mx.getThreadAllocatedBytes(tid);
          long c0 = mx.getCurrentThreadCpuTime();
          long examples = 0;
          for (int rep = 0; rep < reps; rep++) {
            for (SparseBatch b : batches) {
              if (op == 0) {
                model.score(b, out);
              } else {
                model.train(b, op == 2 ? out : null);
              }
              examples += b.size();
            }
          }
          long c1 = mx.getCurrentThreadCpuTime();
          long a1 = mx.getThreadAllocatedBytes(tid);
          rates[op][round] = examples / ((c1 - c0) / 1e9);
          bytes[op] = (a1 - a0) / (double) examples;
        }
        System.out.printf(
            "hidden=%s round %d: score %.0f, train %.0f, testThenTrain %.0f examples per CPU-second%n",
            hidden.length == 0 ? "none" : "32",
            round,
            rates[0][round],
            rates[1][round],
            rates[2][round]);
      }
      String[] names = {"score", "train", "testThenTrain"};
      for (int op = 0; op < 3; op++) {
        double[] last = java.util.Arrays.copyOfRange(rates[op], rounds / 2, rounds);
        java.util.Arrays.sort(last);
        System.out.printf(
            "RESULT hidden=%s %s: median %.0f examples per CPU-second (rounds %d-%d), %.3f bytes"
                + " allocated per example (last round)%n",
            hidden.length == 0 ? "none" : "32",
            names[op],
            (last[last.length / 2 - 1] + last[last.length / 2]) / 2,
            rounds / 2,
            rounds - 1,
            bytes[op]);
      }
    }
  }
}
