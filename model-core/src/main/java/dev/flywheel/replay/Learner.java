package dev.flywheel.replay;

import dev.flywheel.model.SparseBatch;

/** One learner of the replay: scores a batch with its state before the batch, then learns it. */
interface Learner {
  /**
   * Writes into {@code predictions[i]} the prediction for example {@code i} made before learning
   * the batch, then learns the batch.
   */
  void scoreThenLearn(SparseBatch batch, double[] predictions);
}
