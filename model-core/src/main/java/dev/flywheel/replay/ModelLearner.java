package dev.flywheel.replay;

import dev.flywheel.model.Model;
import dev.flywheel.model.ModelConfig;
import dev.flywheel.model.SparseBatch;

/** A {@link Model} as a replay learner: {@link Model#train} returns pre-update predictions. */
final class ModelLearner implements Learner {
  private final Model model;

  /**
   * @param initialPrediction what the untrained model predicts ({@link Model#startAt}): a rate in
   *     (0, 1) for the logistic loss, a value for the squared loss
   */
  ModelLearner(ModelConfig config, double initialPrediction) {
    this.model = new Model(config);
    model.startAt(initialPrediction);
  }

  @Override
  public void scoreThenLearn(SparseBatch batch, double[] predictions) {
    model.train(batch, predictions);
  }

  Model model() {
    return model;
  }
}
