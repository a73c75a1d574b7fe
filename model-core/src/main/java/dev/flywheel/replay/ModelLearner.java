package dev.flywheel.replay;

import dev.flywheel.model.Model;
import dev.flywheel.model.ModelConfig;
import dev.flywheel.model.SparseBatch;

/** A {@link Model} as a replay learner: {@link Model#train} returns pre-update predictions. */
final class ModelLearner implements Learner {
  private final Model model;

  /**
   * @param initialBias the starting value of the output bias b (the model initialises it to 0); for
   *     the logistic loss {@code logit(r)} starts the model at rate r
   */
  ModelLearner(ModelConfig config, double initialBias) {
    this.model = new Model(config);
    // block 0 of the state is the output bias b; we own this model and nothing uses it yet
    model.state().values(0)[0] = initialBias;
  }

  @Override
  public void scoreThenLearn(SparseBatch batch, double[] predictions) {
    model.train(batch, predictions);
  }

  Model model() {
    return model;
  }
}
