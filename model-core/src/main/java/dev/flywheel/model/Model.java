package dev.flywheel.model;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;

/**
 * A wide-and-deep model over hashed sparse features, trained online in mini-batches.
 *
 * <pre>
 *   x (sparse: bucket, value)        numeric slots scaled by the model's {@link NumericScaler}
 *   wide:  z_w = b + Σ value·w[bucket]
 *   deep:  h0 = Σ value·E[bucket]                 (E is 2^hashBits × d)
 *          h_l = relu(h_(l−1)·W_l + c_l)           l = 1..L   (W_l is width(l−1) × width(l))
 *          z_d = h_L · v
 *   fm:    z_fm = Σ_(j&lt;j') ⟨x_j·E[r_j], x_j'·E[r_j']⟩                (only with interactions FM)
 *               = ½·(‖h0‖² − Σ_j x_j²·‖E[r_j]‖²)
 *   z = z_w + z_d (+ z_fm) ;   prediction = σ(z) (LOGISTIC) or z (SQUARED)
 * </pre>
 *
 * With no hidden layers there is no deep tower (no E, W, c, v): the model is logistic or linear
 * regression on the hashed features.
 *
 * <h2>Factorisation-machine term</h2>
 *
 * With {@link ModelConfig.Interactions#FM} the logit also gets every pairwise inner product of the
 * example's scaled embedding rows (DeepFM: the FM and the deep tower share E, and the FM adds no
 * parameters). j runs over the example's feature slots, so a bucket listed twice counts as two
 * features (the two copies form a pair), exactly as h0 counts it twice. Why: a click logit with a
 * low-rank user × item part ⟨U_user, V_item⟩ is learnt by the FM from shared statistics (an item's
 * row learns from every segment that sees it), where a hashed cross segment × item must learn each
 * pair from its own few impressions. Gradient: ∂z_fm/∂E[r] = Σ_(j: r_j = r) x_j·(h0 − x_j·E[r]),
 * added to the deep tower's ∂z/∂h0 in the backward pass (no extra workspace).
 *
 * <h2>Initialisation</h2>
 *
 * Seeded by {@code config.seed()} through {@link SplittableRandom} and its {@code nextGaussian}
 * (both algorithms are specified: SplitMix64 and, from {@code RandomGenerator}'s default,
 * McFarland's modified ziggurat; so the result is the same on every JVM from Java 17), drawn in
 * this order: E ~ N(0, initStdDev²) row by row; each W_l ~ N(0, 2/width(l−1)) (He) row-major; v ~
 * N(0, 1/width(L)). b, w, c_l start at 0.
 *
 * <h2>Training step</h2>
 *
 * {@link #train} on a batch of n examples (weights ω_i, labels y_i) minimises the mean weighted
 * loss (1/n)·Σ ω_i·ℓ(z_i, y_i) + ½·l2·‖θ‖², where the L2 term covers the weights w, E, W_l and v
 * but not the biases b and c_l, and for the sparse tables w and E only the rows the batch touches
 * (their penalty gradient l2·θ is added when a row is touched: lazy L2). The step:
 *
 * <ol>
 *   <li>forward pass with the current parameters and scaler (the same numbers {@link #score} gives;
 *       written to {@code predictionsBefore} if given);
 *   <li>if any label is invalid for the loss, any weight is negative or not finite, or the loss is
 *       not finite: the whole batch is skipped (validation is per batch, not per example: one bad
 *       example skips its batch, so callers should validate records upstream);
 *   <li>backward pass: dense gradients of b, W_l, c_l, v; sparse gradients for the distinct rows of
 *       w and E the batch touched (accumulated over duplicate features);
 *   <li>L2 terms added; the global L2 norm of the whole gradient computed; if it is not finite the
 *       batch is skipped; if {@code gradientClipNorm > 0} and the norm exceeds it, the gradient is
 *       scaled by gradientClipNorm / norm;
 *   <li>the {@link Optimizer} updates the dense parameters and the touched rows only;
 *   <li>the numeric scaler observes the batch's raw numeric values; version, examplesSeen and the
 *       touched-row set advance.
 * </ol>
 *
 * A skipped batch changes nothing but {@link #skippedBatches()}, so parameters and scaler never
 * hold NaN or infinity.
 *
 * <h2>Deltas</h2>
 *
 * The model tracks the buckets (rows of w and E) and scaler entries changed since {@link
 * #markPublished()}; {@code dev.flywheel.model.io.ModelCodec#writeDelta} ships them. The touched
 * set is not part of a snapshot: a model read from a snapshot starts with an empty set and {@link
 * #publishedVersion()} equal to its version.
 *
 * <h2>Cost</h2>
 *
 * All work matrices are allocated once at {@code maxBatchSize} and reshaped; scoring and training
 * allocate nothing once the per-batch feature buffers have grown to the largest batch seen. Not
 * thread-safe: a scorer on another thread uses its own {@link #copy()}.
 */
public final class Model {
  private static final int NO_ROW = -1;

  private final ModelConfig config;
  private final Loss loss;
  private final Optimizer optimizer;
  private final int mask;
  private final int buckets;
  private final int dim;
  private final int layers;
  private final boolean deep;
  private final int[] widths;
  private final int maxBatch;
  private final double l2;
  private final double clipNorm;
  private final boolean fm;

  // ---- parameters and optimiser slots ----
  final double[] bias;
  final double[][] biasSlots;
  final double[] wide;
  final double[][] wideSlots;
  final double[] emb;
  final double[][] embSlots;

  /** weights[l] (l = 1..L) is width(l−1) × width(l); weights[0] unused. */
  final DMatrixRMaj[] weights;

  /** All dense parameter arrays in format order: b, then W_1, c_1, …, W_L, c_L, then v. */
  final double[][] denseValues;

  final double[][][] denseSlots;
  private final double[][] denseGrads;
  private final boolean[] denseDecay;
  final NumericScaler scaler;

  long version;
  long examplesSeen;
  long skippedBatches;
  long publishedVersion;

  private final long[] touchedBits;
  private int[] touchedList;
  private int touchedCount;

  // ---- workspaces ----
  /** act[l]: n × width(l); act[0] = h0, act[l] = h_l. */
  private final DMatrixRMaj[] act;

  /** dAct[l]: ∂loss/∂act[l], masked by relu' (i.e. ∂loss/∂pre-activation) for l ≥ 1. */
  private final DMatrixRMaj[] dAct;

  private final DMatrixRMaj[] gradWeights;
  private final double[][] layerBias;
  private final double[][] gradLayerBias;
  private final double[] out;
  private final double[] gradOut;
  private final double[] gradBias;
  private final double[] z;
  private final double[] dz;
  private double[] slotValues;
  private final int[] rowSlot;
  private int[] uniqueRows;
  private double[] gradWide;
  private double[] gradEmb;
  private int uniqueCount;
  private double gradientNormSquared;

  /** The model the next {@link #copy()} copies into, or null ({@link #offerSpare}). */
  private Model spare;

  /** Keeps {@link #prefetchRows} loads from being optimised away; never read. */
  @SuppressWarnings("unused")
  private double prefetchSink;

  /** A freshly initialised model (seeded, deterministic). */
  public Model(ModelConfig config) {
    this(config, true);
  }

  Model(ModelConfig config, boolean initialise) {
    this.config = config;
    this.loss = Loss.of(config.loss());
    this.optimizer = Optimizer.of(config);
    this.buckets = config.buckets();
    this.mask = buckets - 1;
    this.deep = config.hasDeepTower();
    this.dim = deep ? config.embeddingDim() : 0;
    this.layers = config.hiddenLayerCount();
    this.widths = new int[layers + 1];
    widths[0] = dim;
    for (int l = 1; l <= layers; l++) {
      widths[l] = config.hiddenLayer(l - 1);
    }
    this.maxBatch = config.maxBatchSize();
    this.l2 = config.l2();
    this.clipNorm = config.gradientClipNorm();
    this.fm = config.hasFactorizationMachine();

    bias = new double[1];
    biasSlots = newSlots(1);
    wide = new double[buckets];
    wideSlots = newSlots(buckets);
    emb = new double[deep ? buckets * dim : 0];
    embSlots = newSlots(emb.length);
    weights = new DMatrixRMaj[layers + 1];
    layerBias = new double[layers + 1][];
    gradWeights = new DMatrixRMaj[layers + 1];
    gradLayerBias = new double[layers + 1][];
    for (int l = 1; l <= layers; l++) {
      weights[l] = new DMatrixRMaj(widths[l - 1], widths[l]);
      layerBias[l] = new double[widths[l]];
      gradWeights[l] = new DMatrixRMaj(widths[l - 1], widths[l]);
      gradLayerBias[l] = new double[widths[l]];
    }
    out = new double[deep ? widths[layers] : 0];
    gradOut = new double[out.length];
    gradBias = new double[1];

    int denseCount = deep ? 2 + 2 * layers : 1;
    denseValues = new double[denseCount][];
    denseSlots = new double[denseCount][][];
    denseGrads = new double[denseCount][];
    denseDecay = new boolean[denseCount];
    int k = 0;
    denseValues[k] = bias;
    denseSlots[k] = biasSlots;
    denseGrads[k] = gradBias;
    denseDecay[k++] = false;
    for (int l = 1; l <= layers; l++) {
      denseValues[k] = weights[l].data;
      denseSlots[k] = newSlots(weights[l].data.length);
      denseGrads[k] = gradWeights[l].data;
      denseDecay[k++] = true;
      denseValues[k] = layerBias[l];
      denseSlots[k] = newSlots(layerBias[l].length);
      denseGrads[k] = gradLayerBias[l];
      denseDecay[k++] = false;
    }
    if (deep) {
      denseValues[k] = out;
      denseSlots[k] = newSlots(out.length);
      denseGrads[k] = gradOut;
      denseDecay[k] = true;
    }

    scaler = new NumericScaler(config.scalerBits(), config.scalerWarmup(), config.numericClip());
    touchedBits = new long[(buckets + 63) >>> 6];
    touchedList = new int[Math.min(buckets, 1024)];

    act = new DMatrixRMaj[layers + 1];
    dAct = new DMatrixRMaj[layers + 1];
    for (int l = 0; l <= layers; l++) {
      act[l] = new DMatrixRMaj(maxBatch, Math.max(1, widths[l]));
      dAct[l] = new DMatrixRMaj(maxBatch, Math.max(1, widths[l]));
    }
    z = new double[maxBatch];
    dz = new double[maxBatch];
    int slotCap = Math.min(maxBatch * 32, 1 << 16); // grows with the largest batch seen
    slotValues = new double[slotCap];
    rowSlot = new int[buckets];
    Arrays.fill(rowSlot, NO_ROW);
    uniqueRows = new int[slotCap];
    gradWide = new double[slotCap];
    gradEmb = new double[slotCap * dim];

    if (initialise) {
      initialise();
    }
  }

  /** Deep copy: parameters, slots, scaler, counters and touched set; fresh workspaces. */
  private Model(Model o) {
    this(o.config, false);
    copyState(o, this);
  }

  private static void copyState(Model from, Model to) {
    for (int k = 0; k < from.denseValues.length; k++) {
      System.arraycopy(from.denseValues[k], 0, to.denseValues[k], 0, from.denseValues[k].length);
      copySlots(from.denseSlots[k], to.denseSlots[k]);
    }
    System.arraycopy(from.wide, 0, to.wide, 0, from.wide.length);
    copySlots(from.wideSlots, to.wideSlots);
    System.arraycopy(from.emb, 0, to.emb, 0, from.emb.length);
    copySlots(from.embSlots, to.embSlots);
    NumericScaler s = from.scaler;
    System.arraycopy(s.count, 0, to.scaler.count, 0, s.count.length);
    System.arraycopy(s.mean, 0, to.scaler.mean, 0, s.mean.length);
    System.arraycopy(s.m2, 0, to.scaler.m2, 0, s.m2.length);
    for (int i = 0; i < s.touchedCount(); i++) {
      to.scaler.markTouched(s.touchedEntries()[i]);
    }
    to.version = from.version;
    to.examplesSeen = from.examplesSeen;
    to.skippedBatches = from.skippedBatches;
    to.publishedVersion = from.publishedVersion;
    for (int i = 0; i < from.touchedCount; i++) {
      to.markRowTouched(from.touchedList[i]);
    }
  }

  private static void copySlots(double[][] from, double[][] to) {
    for (int s = 0; s < from.length; s++) {
      System.arraycopy(from[s], 0, to[s], 0, from[s].length);
    }
  }

  private double[][] newSlots(int length) {
    int n = optimizer.slotCount();
    double[][] slots = new double[n][length];
    for (int s = 0; s < n; s++) {
      double init = optimizer.initialSlotValue(s);
      if (init != 0.0) {
        Arrays.fill(slots[s], init);
      }
    }
    return slots;
  }

  private void initialise() {
    // Not java.util.Random: its polar method (StrictMath.log, a synchronized method) took 330 ms
    // for the 8.4M weights of the bench's model against 35 ms, and every job start draws one model
    // per scorer subtask and one in the trainer (4 % of a pipeline profile: docs/bench/pipeline.md,
    // "Sixth round").
    SplittableRandom random = new SplittableRandom(config.seed());
    double std = config.initStdDev();
    for (int i = 0; i < emb.length; i++) {
      emb[i] = std * random.nextGaussian();
    }
    for (int l = 1; l <= layers; l++) {
      double s = Math.sqrt(2.0 / widths[l - 1]);
      double[] w = weights[l].data;
      for (int i = 0; i < w.length; i++) {
        w[i] = s * random.nextGaussian();
      }
    }
    double s = deep ? Math.sqrt(1.0 / widths[layers]) : 0;
    for (int j = 0; j < out.length; j++) {
      out[j] = s * random.nextGaussian();
    }
  }

  public ModelConfig config() {
    return config;
  }

  /** Number of applied (not skipped) training steps. */
  public long version() {
    return version;
  }

  /** Examples in applied training steps. */
  public long examplesSeen() {
    return examplesSeen;
  }

  /**
   * Training batches skipped because of an invalid label or weight or a non-finite loss/gradient.
   */
  public long skippedBatches() {
    return skippedBatches;
  }

  /** The version at the last {@link #markPublished()} (the base version of the next delta). */
  public long publishedVersion() {
    return publishedVersion;
  }

  /**
   * Number of distinct buckets (rows of w and E) changed since the last {@link #markPublished()}.
   */
  public int touchedRowCount() {
    return touchedCount;
  }

  /** Number of scaler entries changed since the last {@link #markPublished()}. */
  public int touchedScalerCount() {
    return scaler.touchedCount();
  }

  /** Starts a new delta: forgets the touched rows and records the current version as its base. */
  public void markPublished() {
    for (int i = 0; i < touchedCount; i++) {
      int r = touchedList[i];
      touchedBits[r >>> 6] &= ~(1L << r);
    }
    touchedCount = 0;
    scaler.markPublished();
    publishedVersion = version;
  }

  /**
   * Sets the output bias b of a model that has not trained yet, so that it starts out predicting
   * {@code prediction} (before any feature weight moves): b = logit(prediction) for the logistic
   * loss, b = prediction for the squared loss. A prior for the base rate: a click model that starts
   * at ½ spends its first hundreds of examples unlearning it, which costs more than it ever wins
   * back on streams with 0.5 % positives.
   *
   * @throws IllegalStateException if the model has already trained
   * @throws IllegalArgumentException if {@code prediction} is outside (0, 1) for the logistic loss
   *     or not finite
   */
  public void startAt(double prediction) {
    if (version != 0 || examplesSeen != 0) {
      throw new IllegalStateException(
          "startAt applies to an untrained model, this one is at version " + version);
    }
    if (!Double.isFinite(prediction)) {
      throw new IllegalArgumentException("initial prediction must be finite, got " + prediction);
    }
    if (config.loss() == ModelConfig.LossType.LOGISTIC) {
      if (!(prediction > 0 && prediction < 1)) {
        throw new IllegalArgumentException(
            "initial prediction of a logistic model must be in (0, 1), got " + prediction);
      }
      bias[0] = Math.log(prediction / (1 - prediction)); // b = logit(p)
    } else {
      bias[0] = prediction;
    }
  }

  /**
   * A deep copy (parameters, optimiser slots, scaler, counters, touched set): into the spare given
   * to {@link #offerSpare} if there is one (which this call then forgets), else into a new model.
   */
  public Model copy() {
    Model target = spare;
    if (target == null) {
      return new Model(this);
    }
    spare = null;
    target.markPublished(); // an empty touched set before copyState adds this model's
    copyState(this, target);
    return target;
  }

  /**
   * Gives the next {@link #copy()} a model of the same configuration to copy into instead of
   * allocating one: a copy-on-write user that copies a large model over and over (a state backend
   * at every checkpoint) then reuses two models' arrays instead of allocating a new model each
   * time, hundreds of megabytes of short-lived large arrays that make the JVM's collector work.
   *
   * <p>The caller hands {@code spare} over: nothing else may read or write it afterwards (the copy
   * overwrites it). {@code null} withdraws an earlier offer.
   *
   * @throws IllegalArgumentException if {@code spare} is this model or has another configuration
   */
  public void offerSpare(Model spare) {
    if (spare == this) {
      throw new IllegalArgumentException("a model cannot be its own spare");
    }
    if (spare != null && !spare.config.equals(config)) {
      throw new IllegalArgumentException(
          "spare model has another configuration: " + spare.config + ", this model's: " + config);
    }
    this.spare = spare;
  }

  /** Whether a spare offered by {@link #offerSpare} waits for the next {@link #copy()}. */
  public boolean hasSpare() {
    return spare != null;
  }

  /** Raw access to the parameters for the model format and tests. */
  public ModelState state() {
    return new ModelState(this);
  }

  // -------------------------------------------------------------------------------------------
  // scoring

  /**
   * Predicts every example of {@code batch}: {@code out[i]} is the probability (LOGISTIC) or value
   * (SQUARED) of example {@code i}. Any batch size is accepted (scored in chunks of maxBatchSize).
   * Reads the model, never changes it; allocates nothing once the feature buffers have grown.
   *
   * @param batch the examples (input; labels and weights are ignored)
   * @param out predictions, length at least {@code batch.size()} (output)
   * @throws IllegalArgumentException if a bucket index is outside [0, 2^hashBits) or out is short
   */
  public void score(SparseBatch batch, double[] out) {
    int n = batch.size();
    if (out.length < n) {
      throw new IllegalArgumentException(
          "out has length " + out.length + " but the batch has " + n + " examples");
    }
    ensureSlotCapacity(batch.nonZeros());
    for (int from = 0; from < n; from += maxBatch) {
      int m = Math.min(maxBatch, n - from);
      forward(batch, from, m, false);
      for (int i = 0; i < m; i++) {
        out[from + i] = loss.prediction(z[i]);
      }
    }
  }

  /** Predicts example {@code i} of {@code batch} alone (convenience; same numbers as score). */
  public double scoreOne(SparseBatch batch, int i) {
    ensureSlotCapacity(batch.nonZeros());
    forward(batch, i, 1, false);
    return loss.prediction(z[0]);
  }

  // -------------------------------------------------------------------------------------------
  // training

  /**
   * One mini-batch training step (see the class comment for the exact sequence).
   *
   * @param batch examples with labels and weights (input; never modified)
   * @param predictionsBefore if not null, receives the predictions before the update (output,
   *     length at least {@code batch.size()}), for test-then-train evaluation
   * @return the batch's mean weighted loss (1/n)·Σ ω_i·ℓ_i before the update (without the L2 term),
   *     or NaN if the batch was skipped or is empty (an empty batch is a no-op and is not counted
   *     as skipped)
   * @throws IllegalArgumentException if the batch is larger than maxBatchSize, a bucket index is
   *     out of range, or predictionsBefore is too short
   */
  public double train(SparseBatch batch, double[] predictionsBefore) {
    int n = batch.size();
    if (n > maxBatch) {
      throw new IllegalArgumentException("batch size " + n + " exceeds maxBatchSize " + maxBatch);
    }
    if (predictionsBefore != null && predictionsBefore.length < n) {
      throw new IllegalArgumentException(
          "predictionsBefore has length "
              + predictionsBefore.length
              + " but the batch has "
              + n
              + " examples");
    }
    if (n == 0) {
      return Double.NaN;
    }
    double meanLoss = computeGradient(batch, predictionsBefore);
    if (Double.isNaN(meanLoss)) {
      releaseRows();
      skippedBatches++;
      return Double.NaN;
    }
    double norm2 = gradientNormSquared;
    double scale = 1.0;
    if (clipNorm > 0) {
      double norm = Math.sqrt(norm2);
      if (norm > clipNorm) {
        scale = clipNorm / norm;
      }
    }

    // ---- update ----
    optimizer.beginStep(version + 1);
    for (int k = 0; k < denseValues.length; k++) {
      optimizer.updateDense(denseValues[k], denseSlots[k], denseGrads[k], scale);
    }
    optimizer.updateRows(wide, wideSlots, uniqueRows, uniqueCount, 1, gradWide, scale);
    if (deep) {
      optimizer.updateRows(emb, embSlots, uniqueRows, uniqueCount, dim, gradEmb, scale);
    }
    for (int u = 0; u < uniqueCount; u++) {
      markRowTouched(uniqueRows[u]);
    }
    releaseRows();

    // ---- scaler statistics (after the step: this batch was scaled with the old ones) ----
    int nnz = batch.end(n - 1);
    for (int k = 0; k < nnz; k++) {
      if (batch.isNumeric(k)) {
        scaler.observe(batch.index(k), batch.value(k));
      }
    }
    version++;
    examplesSeen += n;
    return meanLoss;
  }

  /**
   * The mean weighted loss (1/n)·Σ ω_i·ℓ(z_i, y_i) of {@code batch} under the current model
   * (without the L2 term), changing nothing; NaN if a label or weight is invalid or the loss is not
   * finite. Any batch size is accepted.
   */
  public double loss(SparseBatch batch) {
    int n = batch.size();
    if (n == 0) {
      return Double.NaN;
    }
    ensureSlotCapacity(batch.nonZeros());
    double sum = 0.0;
    for (int from = 0; from < n; from += maxBatch) {
      int m = Math.min(maxBatch, n - from);
      forward(batch, from, m, false);
      for (int i = 0; i < m; i++) {
        double y = batch.label(from + i);
        double w = batch.weight(from + i);
        if (!loss.validLabel(y) || !(w >= 0) || w == Double.POSITIVE_INFINITY) {
          return Double.NaN;
        }
        sum += w * loss.loss(z[i], y);
      }
    }
    double mean = sum / n;
    return Double.isFinite(mean) ? mean : Double.NaN;
  }

  /**
   * Forward pass, loss, backward pass and L2 terms of a non-empty batch of at most maxBatchSize:
   * leaves the gradient in the workspace (dense gradients, packed rows with rowSlot held) and its
   * squared global norm in {@link #gradientNormSquared}. Returns the mean weighted loss, or NaN if
   * the batch must be skipped (invalid label or weight, non-finite loss or gradient). The caller
   * must {@link #releaseRows()} afterwards.
   */
  double computeGradient(SparseBatch batch, double[] predictionsBefore) {
    int n = batch.size();
    ensureSlotCapacity(batch.nonZeros());
    forward(batch, 0, n, true);
    if (predictionsBefore != null) {
      for (int i = 0; i < n; i++) {
        predictionsBefore[i] = loss.prediction(z[i]);
      }
    }
    // ---- loss and ∂loss/∂z ----
    double invN = 1.0 / n;
    double lossSum = 0.0;
    for (int i = 0; i < n; i++) {
      double y = batch.label(i);
      double w = batch.weight(i);
      if (!loss.validLabel(y) || !(w >= 0) || w == Double.POSITIVE_INFINITY) {
        return Double.NaN;
      }
      lossSum += w * loss.loss(z[i], y);
      dz[i] = w * loss.gradient(z[i], y) * invN;
    }
    double meanLoss = lossSum * invN;
    if (!Double.isFinite(meanLoss)) {
      return Double.NaN;
    }
    backward(batch, n);
    gradientNormSquared = addL2AndNormSquared();
    if (!Double.isFinite(gradientNormSquared)) {
      return Double.NaN;
    }
    return meanLoss;
  }

  /**
   * Test hook: the gradient of the batch objective, one array per {@link ModelState} block (sparse
   * blocks full size, zero outside the touched rows), or null if the batch would be skipped.
   */
  double[][] gradientBlocks(SparseBatch batch) {
    double l = computeGradient(batch, null);
    try {
      if (Double.isNaN(l)) {
        return null;
      }
      int dense = denseValues.length;
      double[][] g = new double[dense + (deep ? 2 : 1)][];
      for (int k = 0; k < dense; k++) {
        g[k] = denseGrads[k].clone();
      }
      g[dense] = new double[wide.length];
      if (deep) {
        g[dense + 1] = new double[emb.length];
      }
      for (int s = 0; s < uniqueCount; s++) {
        int r = uniqueRows[s];
        g[dense][r] = gradWide[s];
        if (deep) {
          System.arraycopy(gradEmb, s * dim, g[dense + 1], r * dim, dim);
        }
      }
      return g;
    } finally {
      releaseRows();
    }
  }

  // -------------------------------------------------------------------------------------------
  // forward and backward passes

  /**
   * Forward pass of examples [from, from + n) into z[0..n) and act[*] (rows 0..n).
   *
   * @throws IllegalArgumentException on a bucket index out of range
   */
  private void forward(SparseBatch batch, int from, int n, boolean training) {
    int[] idx = batch.indexBuffer();
    if (deep) {
      prefetchRows(idx, batch.start(from), batch.end(from + n - 1), training);
    }
    double[] val = batch.valueBuffer();
    boolean[] num = batch.numericBuffer();
    double[] sv = slotValues;
    double[] h0 = null;
    if (deep) {
      act[0].reshape(n, dim);
      h0 = act[0].data;
      Arrays.fill(h0, 0, n * dim, 0.0);
    }
    double b = bias[0];
    for (int i = 0; i < n; i++) {
      int ex = from + i;
      int start = batch.start(ex);
      int end = batch.end(ex);
      double zw = b;
      double fmSquares = 0.0; // Σ_j x_j²·‖E[r_j]‖²
      int hOff = i * dim;
      for (int k = start; k < end; k++) {
        int r = idx[k];
        if ((r & ~mask) != 0) {
          throw new IllegalArgumentException(
              "feature index "
                  + r
                  + " of example "
                  + ex
                  + " is outside [0, "
                  + buckets
                  + ") (hashBits "
                  + config.hashBits()
                  + ")");
        }
        double x = num[k] ? scaler.scale(r, val[k]) : val[k];
        sv[k] = x;
        zw += x * wide[r];
        if (fm) {
          // h0[i] += x · E[r] ; fmSquares += x²·‖E[r]‖²
          int eOff = r * dim;
          double sq = 0.0;
          for (int j = 0; j < dim; j++) {
            double e = emb[eOff + j];
            h0[hOff + j] += x * e;
            sq += e * e;
          }
          fmSquares += x * x * sq;
        } else if (deep) {
          // h0[i] += x · E[r]
          int eOff = r * dim;
          for (int j = 0; j < dim; j++) {
            h0[hOff + j] += x * emb[eOff + j];
          }
        }
      }
      if (fm) {
        // z_fm = ½·(‖h0‖² − Σ_j x_j²·‖E[r_j]‖²)
        double hh = 0.0;
        for (int j = 0; j < dim; j++) {
          double h = h0[hOff + j];
          hh += h * h;
        }
        zw += 0.5 * (hh - fmSquares);
      }
      z[i] = zw;
    }
    if (!deep) {
      return;
    }
    for (int l = 1; l <= layers; l++) {
      int w = widths[l];
      act[l].reshape(n, w);
      // A_l = A_(l−1) · W_l
      DenseKernels.mult(act[l - 1].data, n, widths[l - 1], weights[l].data, w, act[l].data);
      // A_l = relu(A_l + c_l)
      double[] a = act[l].data;
      double[] c = layerBias[l];
      for (int i = 0; i < n; i++) {
        int off = i * w;
        for (int j = 0; j < w; j++) {
          double v = a[off + j] + c[j];
          a[off + j] = v > 0 ? v : 0.0;
        }
      }
    }
    // z_i += A_L[i] · v
    double[] a = act[layers].data;
    int w = widths[layers];
    for (int i = 0; i < n; i++) {
      int off = i * w;
      double s = 0.0;
      for (int j = 0; j < w; j++) {
        s += a[off + j] * out[j];
      }
      z[i] += s;
    }
  }

  /**
   * Reads one element per cache line of every embedding row and wide weight (and, when training, of
   * the embedding's optimiser slot rows) the chunk uses, in a tight loop of independent loads, so
   * that the cache misses of a batch overlap instead of stalling the accumulation loop one row at a
   * time (Java has no prefetch instruction; this is the portable equivalent). The sum only keeps
   * the loads alive.
   */
  private void prefetchRows(int[] idx, int startSlot, int endSlot, boolean training) {
    double[] e = emb;
    double[] wv = wide;
    int d = dim;
    int last = d - 1;
    double sum = 0.0;
    for (int k = startSlot; k < endSlot; k++) {
      int r = idx[k];
      if ((r & ~mask) != 0) {
        continue; // reported by the accumulation loop
      }
      int off = r * d;
      for (int j = 0; j < last; j += 8) {
        sum += e[off + j];
      }
      sum += e[off + last] + wv[r];
    }
    if (training) {
      for (double[] slot : embSlots) {
        for (int k = startSlot; k < endSlot; k++) {
          int r = idx[k];
          if ((r & ~mask) != 0) {
            continue;
          }
          int off = r * d;
          for (int j = 0; j < last; j += 8) {
            sum += slot[off + j];
          }
          sum += slot[off + last];
        }
      }
    }
    prefetchSink = sum;
  }

  /** Backward pass from dz[0..n) into the dense gradients and the packed sparse row gradients. */
  private void backward(SparseBatch batch, int n) {
    double gb = 0.0;
    for (int i = 0; i < n; i++) {
      gb += dz[i];
    }
    gradBias[0] = gb;

    if (deep) {
      int w = widths[layers];
      double[] a = act[layers].data;
      dAct[layers].reshape(n, w);
      double[] d = dAct[layers].data;
      Arrays.fill(gradOut, 0.0);
      for (int i = 0; i < n; i++) {
        int off = i * w;
        double g = dz[i];
        for (int j = 0; j < w; j++) {
          // ∂/∂v = Σ_i dz_i · A_L[i]
          gradOut[j] += g * a[off + j];
          // dZ_L = dz ⊗ v ⊙ relu'(A_L)
          d[off + j] = a[off + j] > 0 ? g * out[j] : 0.0;
        }
      }
      for (int l = layers; l >= 1; l--) {
        // dW_l = A_(l−1)ᵀ · dZ_l
        DenseKernels.multTransA(
            act[l - 1].data, n, widths[l - 1], dAct[l].data, widths[l], gradWeights[l].data);
        // dc_l = Σ_i dZ_l[i]
        double[] gc = gradLayerBias[l];
        Arrays.fill(gc, 0.0);
        double[] dl = dAct[l].data;
        int wl = widths[l];
        for (int i = 0; i < n; i++) {
          int off = i * wl;
          for (int j = 0; j < wl; j++) {
            gc[j] += dl[off + j];
          }
        }
        // dA_(l−1) = dZ_l · W_lᵀ
        dAct[l - 1].reshape(n, widths[l - 1]);
        DenseKernels.multTransB(
            dAct[l].data, n, widths[l], weights[l].data, widths[l - 1], dAct[l - 1].data);
        if (l - 1 >= 1) {
          // dZ_(l−1) = dA_(l−1) ⊙ relu'(A_(l−1))
          double[] dp = dAct[l - 1].data;
          double[] ap = act[l - 1].data;
          int len = n * widths[l - 1];
          for (int q = 0; q < len; q++) {
            if (!(ap[q] > 0)) {
              dp[q] = 0.0;
            }
          }
        }
      }
      if (fm) {
        // ∂z_fm/∂h0 = h0 : dH0 += dz ⊗ h0 (the −x_j²·E[r_j] part is added per feature below)
        double[] dh = dAct[0].data;
        double[] h0 = act[0].data;
        for (int i = 0; i < n; i++) {
          double g = dz[i];
          int off = i * dim;
          for (int j = 0; j < dim; j++) {
            dh[off + j] += g * h0[off + j];
          }
        }
      }
    }

    // ---- sparse rows: gw[r] += x·dz_i ; gE[r] += x·dH0[i] (FM: − dz_i·x²·E[r]) ----
    int[] idx = batch.indexBuffer();
    double[] sv = slotValues;
    double[] dh0 = deep ? dAct[0].data : null;
    int u = 0;
    for (int i = 0; i < n; i++) {
      int start = batch.start(i);
      int end = batch.end(i);
      double g = dz[i];
      int hOff = i * dim;
      for (int k = start; k < end; k++) {
        int r = idx[k];
        int slot = rowSlot[r];
        double x = sv[k];
        if (slot == NO_ROW) {
          // first occurrence of row r in this batch: gw[r] = x·dz_i ; gE[r] = x·dH0[i]
          slot = u++;
          rowSlot[r] = slot;
          uniqueRows[slot] = r;
          gradWide[slot] = x * g;
          if (deep) {
            int gOff = slot * dim;
            for (int j = 0; j < dim; j++) {
              gradEmb[gOff + j] = x * dh0[hOff + j];
            }
          }
        } else {
          gradWide[slot] += x * g;
          if (deep) {
            int gOff = slot * dim;
            for (int j = 0; j < dim; j++) {
              gradEmb[gOff + j] += x * dh0[hOff + j];
            }
          }
        }
        if (fm) {
          // gE[r] −= dz_i·x²·E[r]  (the self term of ∂z_fm/∂E[r] = x·(h0 − x·E[r]))
          double c = g * x * x;
          int gOff = slot * dim;
          int eOff = r * dim;
          for (int j = 0; j < dim; j++) {
            gradEmb[gOff + j] -= c * emb[eOff + j];
          }
        }
      }
    }
    uniqueCount = u;
  }

  /**
   * Adds the L2 gradient l2·θ (weights and touched rows) and returns the squared global norm. With
   * l2 = 0 it only sums the squares; the sums use four partial accumulators (a reassociation: the
   * norm only decides clipping and whether the batch is finite).
   */
  private double addL2AndNormSquared() {
    if (l2 > 0) {
      for (int k = 0; k < denseValues.length; k++) {
        if (denseDecay[k]) {
          // g += l2·θ
          double[] g = denseGrads[k];
          double[] p = denseValues[k];
          for (int q = 0; q < g.length; q++) {
            g[q] += l2 * p[q];
          }
        }
      }
      for (int s = 0; s < uniqueCount; s++) {
        int r = uniqueRows[s];
        gradWide[s] += l2 * wide[r];
        if (deep) {
          int gOff = s * dim;
          int eOff = r * dim;
          for (int j = 0; j < dim; j++) {
            gradEmb[gOff + j] += l2 * emb[eOff + j];
          }
        }
      }
    }
    double norm2 = 0.0;
    for (int k = 0; k < denseValues.length; k++) {
      norm2 += sumOfSquares(denseGrads[k], denseGrads[k].length);
    }
    norm2 += sumOfSquares(gradWide, uniqueCount);
    if (deep) {
      norm2 += sumOfSquares(gradEmb, uniqueCount * dim);
    }
    return norm2;
  }

  /**
   * Σ g[q]² over q in [0, len), in eight interleaved partial sums (with fewer, the loop waits on
   * the latency of its additions: four sums cost ≈ 2 cycles per element).
   */
  private static double sumOfSquares(double[] g, int len) {
    double s0 = 0.0;
    double s1 = 0.0;
    double s2 = 0.0;
    double s3 = 0.0;
    double s4 = 0.0;
    double s5 = 0.0;
    double s6 = 0.0;
    double s7 = 0.0;
    int q = 0;
    for (; q + 7 < len; q += 8) {
      s0 += g[q] * g[q];
      s1 += g[q + 1] * g[q + 1];
      s2 += g[q + 2] * g[q + 2];
      s3 += g[q + 3] * g[q + 3];
      s4 += g[q + 4] * g[q + 4];
      s5 += g[q + 5] * g[q + 5];
      s6 += g[q + 6] * g[q + 6];
      s7 += g[q + 7] * g[q + 7];
    }
    for (; q < len; q++) {
      s0 += g[q] * g[q];
    }
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
  }

  private void releaseRows() {
    for (int s = 0; s < uniqueCount; s++) {
      rowSlot[uniqueRows[s]] = NO_ROW;
    }
    uniqueCount = 0;
  }

  private void markRowTouched(int r) {
    long bit = 1L << r;
    int word = r >>> 6;
    if ((touchedBits[word] & bit) == 0) {
      touchedBits[word] |= bit;
      if (touchedCount == touchedList.length) {
        touchedList = Arrays.copyOf(touchedList, Math.min(buckets, touchedList.length * 2));
      }
      touchedList[touchedCount++] = r;
    }
  }

  int[] touchedRows() {
    return touchedList;
  }

  private void ensureSlotCapacity(int nnz) {
    if (nnz > slotValues.length) {
      int cap = Math.max(nnz, slotValues.length * 2);
      slotValues = new double[cap];
      uniqueRows = new int[cap];
      gradWide = new double[cap];
      gradEmb = new double[cap * dim];
    }
  }
}
