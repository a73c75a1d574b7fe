package dev.flywheel.jobs.train;

import dev.flywheel.jobs.config.FlywheelOptions;
import dev.flywheel.jobs.config.JobSettings;
import dev.flywheel.model.ModelConfig;

/**
 * The {@link ModelConfig} of a job's models, from its settings. Trainer and scorer build it alike,
 * so the scorer's version-0 model equals the trainer's first model. The hashing seed is the job's
 * model seed, as the decoder uses it.
 */
public final class JobModelConfig {
  private JobModelConfig() {}

  /** The model configuration the job's settings describe; training batches up to batch size. */
  public static ModelConfig of(JobSettings s) {
    return ModelConfig.builder()
        .hashBits(s.hashBits())
        .hashSeed(s.seed())
        .seed(s.seed())
        .embeddingDim(s.embeddingDim())
        .hiddenLayers(s.hiddenLayers())
        .loss(
            s.loss() == FlywheelOptions.Loss.LOG
                ? ModelConfig.LossType.LOGISTIC
                : ModelConfig.LossType.SQUARED)
        .optimizer(
            switch (s.optimizer()) {
              case SGD -> ModelConfig.OptimizerType.SGD;
              case ADAGRAD -> ModelConfig.OptimizerType.ADAGRAD;
              case ADAM -> ModelConfig.OptimizerType.ADAM;
            })
        .learningRate(s.learningRate())
        .l2(s.l2())
        .gradientClipNorm(s.clip())
        .maxBatchSize(s.batchSize())
        .build();
  }
}
