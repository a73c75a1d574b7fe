package dev.flywheel.replay;

import dev.flywheel.model.Model;
import dev.flywheel.model.ModelConfig;
import dev.flywheel.model.SparseBatch;

/** A {@link Model} as a replay learner: {@link Model#train} returns pre-update predictions. */
final class ModelLearner implements Learner {
  private final Model model;

  ModelLearner(ModelConfig config) {
    this.model = new Model(config);
  }

  @Override
  public void scoreThenLearn(SparseBatch batch, double[] predictions) {
    model.train(batch, predictions);
  }

  Model model() {
    return model;
  }
}
