package dev.flywheel.jobs.score;

import dev.flywheel.model.Model;
import dev.flywheel.model.io.ModelCodec;
import java.util.Arrays;
import java.util.Objects;

/**
 * One served model as the scorer checkpoints it: the model id and a {@link Model} that nobody
 * changes any more. Immutable by contract: the scorer hands a model to a checkpoint only after it
 * has stopped mutating it (it applies the next delta to a copy), so Flink's synchronous snapshot
 * phase copies a reference ({@link ServedModelSerializer} declares the type immutable) and the
 * asynchronous phase streams the model while the scorer goes on serving.
 */
public final class ServedModel {
  private final String modelId;
  private final Model model;

  /**
   * @param modelId the model id
   * @param model the model; the caller must never change it again
   */
  public ServedModel(String modelId, Model model) {
    this.modelId = Objects.requireNonNull(modelId, "modelId");
    this.model = Objects.requireNonNull(model, "model");
  }

  /** The model id. */
  public String modelId() {
    return modelId;
  }

  /** The model (do not modify). */
  public Model model() {
    return model;
  }

  /** Same id and the same model bit for bit (model-core's snapshot format). */
  @Override
  public boolean equals(Object o) {
    return o instanceof ServedModel s
        && modelId.equals(s.modelId)
        && (model == s.model
            || Arrays.equals(ModelCodec.writeSnapshot(model), ModelCodec.writeSnapshot(s.model)));
  }

  @Override
  public int hashCode() {
    return 31 * modelId.hashCode() + Long.hashCode(model.version());
  }

  @Override
  public String toString() {
    return "ServedModel{" + modelId + " v" + model.version() + '}';
  }
}
