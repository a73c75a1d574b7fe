package dev.flywheel.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Scoring and training allocate nothing in steady state: bytes allocated by this thread (HotSpot's
 * per-thread allocation counter) over 100 calls, after a warm-up that lets the feature buffers
 * grow. Not a timing test: it counts bytes.
 */
class AllocationTest {

  @Test
  void steadyStateScoringAndTrainingAllocateNothing() {
    java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "HotSpot allocation counter");
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) bean;
    assumeTrue(mx.isThreadAllocatedMemorySupported(), "thread allocation counter supported");
    long tid = Thread.currentThread().getId();

    for (ModelConfig.OptimizerType opt : ModelConfig.OptimizerType.values()) {
      for (ModelConfig.Interactions fm : ModelConfig.Interactions.values()) {
        Model m =
            new Model(
                ModelConfig.builder()
                    .hashBits(12)
                    .embeddingDim(8)
                    .hiddenLayers(16, 8)
                    .optimizer(opt)
                    .momentum(opt == ModelConfig.OptimizerType.SGD ? 0.5 : 0)
                    .gradientClipNorm(1)
                    .l2(1e-4)
                    .maxBatchSize(64)
                    .interactions(fm)
                    .build());
        Random r = new Random(1);
        SparseBatch[] batches = new SparseBatch[10];
        for (int i = 0; i < batches.length; i++) {
          batches[i] = Batches.random(r, 64, 4000, 20, 3, false);
        }
        double[] out = new double[64];
        for (int i = 0; i < 20; i++) {
          m.train(batches[i % 10], out);
          m.score(batches[i % 10], out);
        }
        // the least of three windows: a JIT compilation or deoptimisation that lands in one window
        // can charge the thread a few hundred bytes once (1,136 bytes seen once in CI); an
        // allocation per call shows in every window (100 calls of each, 16 bytes at least)
        long allocated = Long.MAX_VALUE;
        double sink = 0;
        for (int window = 0; window < 3; window++) {
          long before = mx.getThreadAllocatedBytes(tid);
          for (int i = 0; i < 100; i++) {
            sink += m.train(batches[i % 10], out);
            m.score(batches[(i + 3) % 10], out);
            sink += out[7];
          }
          allocated = Math.min(allocated, mx.getThreadAllocatedBytes(tid) - before);
        }
        assertThat(sink).isFinite();
        assertThat(allocated)
            .as("%s, %s: bytes allocated by 100 train + 100 score calls", opt, fm)
            .isLessThan(1024);
      }
    }
  }
}
