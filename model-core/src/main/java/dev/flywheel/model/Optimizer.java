package dev.flywheel.model;

/**
 * Turns gradients into parameter updates, keeping its per-parameter state ("slots") in arrays
 * beside each parameter array: slot array {@code s} of a parameter array {@code p} has the same
 * length and indexing as {@code p}, so a sparse row update touches {@code p} and its slots at the
 * same offsets.
 *
 * <p>Call order, owned by {@link Model}:
 *
 * <ol>
 *   <li>At model creation, for every parameter array, {@link #slotCount()} slot arrays are
 *       allocated and filled with {@link #initialSlotValue(int)}.
 *   <li>Once per <em>applied</em> training step (skipped batches do not count), {@link
 *       #beginStep(long)} with the 1-based step number (the model version after the step).
 *   <li>Then, for each parameter array, {@link #updateDense} (every element) or {@link #updateRows}
 *       (only the rows the batch touched; untouched rows and their slots are left exactly as they
 *       are: "lazy" sparse updates).
 * </ol>
 *
 * <p>Gradients are read, never written; {@code gradScale} multiplies every gradient element (the
 * model passes its gradient-clipping factor, 1 when no clipping applies). An optimiser holds only
 * per-step scalars besides its configuration; all persistent state is in the slots, which the model
 * format stores. Not thread-safe.
 */
public interface Optimizer {

  /** Number of slot arrays per parameter array. */
  int slotCount();

  /** Initial value of every element of slot array {@code slot}. */
  double initialSlotValue(int slot);

  /** Starts applied step {@code step} (1-based); computes per-step factors such as Adam's. */
  void beginStep(long step);

  /**
   * Updates every element of {@code param}.
   *
   * @param param parameters, updated in place (input/output)
   * @param slots this parameter's slot arrays, updated in place (input/output)
   * @param grad gradient, same length and indexing as {@code param} (input)
   * @param gradScale factor applied to every gradient element
   */
  void updateDense(double[] param, double[][] slots, double[] grad, double gradScale);

  /**
   * Updates the rows {@code rows[0..rowCount)} of a row-major parameter table with rows of length
   * {@code rowLength}: row {@code r} occupies {@code param[r·rowLength, (r+1)·rowLength)}.
   *
   * @param param parameter table, updated in place (input/output)
   * @param slots its slot arrays, updated in place (input/output)
   * @param rows the distinct rows to update (input)
   * @param rowCount number of valid entries of {@code rows}
   * @param rowLength elements per row
   * @param grad packed gradients: row {@code rows[u]} at {@code grad[u·rowLength, …)} (input)
   * @param gradScale factor applied to every gradient element
   */
  void updateRows(
      double[] param,
      double[][] slots,
      int[] rows,
      int rowCount,
      int rowLength,
      double[] grad,
      double gradScale);

  /** The optimiser a configuration asks for. */
  static Optimizer of(ModelConfig config) {
    switch (config.optimizer()) {
      case SGD:
        return new SgdOptimizer(config.learningRate(), config.momentum());
      case ADAGRAD:
        return new AdaGradOptimizer(
            config.learningRate(), config.adagradInitialAccumulator(), config.adagradEpsilon());
      case ADAM:
        return new AdamOptimizer(
            config.learningRate(), config.beta1(), config.beta2(), config.epsilon());
      default:
        throw new IllegalArgumentException("unknown optimizer " + config.optimizer());
    }
  }
}
