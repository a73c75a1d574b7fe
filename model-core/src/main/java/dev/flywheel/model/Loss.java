package dev.flywheel.model;

/**
 * A pointwise training loss ℓ(z, y) of the model's raw output (logit) {@code z} and a label {@code
 * y}, with the output transform that turns {@code z} into a prediction.
 *
 * <p>Call order inside one training step (see {@link Model#train}): for every example, {@link
 * #validLabel} (a batch with an invalid label is skipped), then {@link #loss} and {@link
 * #gradient}; {@link #prediction} whenever a prediction is reported. Implementations are stateless,
 * immutable and thread-safe; no method allocates or mutates its inputs.
 */
public interface Loss {

  /** The prediction reported for the raw output {@code z}. */
  double prediction(double z);

  /** ℓ(z, y), computed without overflow for any finite {@code z}. */
  double loss(double z, double label);

  /** ∂ℓ/∂z at (z, y). */
  double gradient(double z, double label);

  /** Whether {@code label} is a label this loss accepts (finite, and in range). */
  boolean validLabel(double label);

  /** The loss of a {@link ModelConfig.LossType}. */
  static Loss of(ModelConfig.LossType type) {
    switch (type) {
      case LOGISTIC:
        return LogisticLoss.INSTANCE;
      case SQUARED:
        return SquaredLoss.INSTANCE;
      default:
        throw new IllegalArgumentException("unknown loss " + type);
    }
  }
}
