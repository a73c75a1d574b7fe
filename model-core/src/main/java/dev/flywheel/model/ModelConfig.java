package dev.flywheel.model;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * The immutable settings of a {@link Model}: shape, loss, optimiser, regularisation and numeric
 * scaling. Every option has a default; {@link Builder#build()} validates all of them once and names
 * the offending option in its message (e.g. {@code "learningRate must be > 0, got -1.0"}).
 *
 * <p>Java-serializable (for operator fields); deserialisation re-validates through the builder.
 *
 * <p>The configuration is part of the model format: a model file carries it and a delta applies
 * only to a model with an equal configuration.
 *
 * <h2>Options</h2>
 *
 * <table>
 *   <caption>options, defaults and ranges</caption>
 *   <tr><th>option</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>hashBits</td><td>18</td><td>feature buckets = 2^hashBits, in [1, 28]</td></tr>
 *   <tr><td>hashSeed</td><td>{@value #DEFAULT_HASH_SEED}</td><td>seed of the feature hasher
 *       (recorded so every consumer hashes alike)</td></tr>
 *   <tr><td>embeddingDim</td><td>16</td><td>width d of an embedding row, in [1, 1024]</td></tr>
 *   <tr><td>hiddenLayers</td><td>{32}</td><td>ReLU layer widths, each in [1, 4096], at most 16
 *       layers; empty = no deep tower (logistic / linear regression on the hashed features)</td></tr>
 *   <tr><td>loss</td><td>LOGISTIC</td><td>LOGISTIC (log loss, sigmoid output) or SQUARED
 *       (½(z−y)², linear output)</td></tr>
 *   <tr><td>optimizer</td><td>ADAGRAD</td><td>SGD (with momentum), ADAGRAD or ADAM</td></tr>
 *   <tr><td>learningRate</td><td>0.05</td><td>step size, &gt; 0</td></tr>
 *   <tr><td>momentum</td><td>0</td><td>SGD heavy-ball momentum, in [0, 1)</td></tr>
 *   <tr><td>beta1, beta2</td><td>0.9, 0.999</td><td>Adam moment decays, in [0, 1)</td></tr>
 *   <tr><td>epsilon</td><td>1e-8</td><td>Adam denominator term, &gt; 0</td></tr>
 *   <tr><td>adagradEpsilon</td><td>1e-10</td><td>AdaGrad denominator term, &gt;= 0</td></tr>
 *   <tr><td>adagradInitialAccumulator</td><td>0.1</td><td>AdaGrad accumulator start value,
 *       &gt;= 0; adagradEpsilon + adagradInitialAccumulator must be &gt; 0</td></tr>
 *   <tr><td>l2</td><td>0</td><td>L2 penalty ½·l2·‖θ‖² on weights (not biases), &gt;= 0</td></tr>
 *   <tr><td>gradientClipNorm</td><td>0</td><td>clip the batch gradient to this global L2 norm;
 *       0 = off</td></tr>
 *   <tr><td>initStdDev</td><td>0.05</td><td>standard deviation of the normal initialisation of
 *       embedding rows (dense layers use He-normal, see {@link Model})</td></tr>
 *   <tr><td>seed</td><td>42</td><td>seed of the weight initialisation</td></tr>
 *   <tr><td>maxBatchSize</td><td>256</td><td>largest training batch, in [1, 65536]</td></tr>
 *   <tr><td>scalerBits</td><td>12</td><td>numeric scaler table has 2^scalerBits entries, in [1,
 *       20]</td></tr>
 *   <tr><td>scalerWarmup</td><td>10</td><td>observations a scaler entry needs before its
 *       numeric features take effect (before: scaled value 0), &gt;= 1</td></tr>
 *   <tr><td>numericClip</td><td>5</td><td>scaled numeric values are clipped to ±numericClip,
 *       &gt; 0</td></tr>
 *   <tr><td>interactions</td><td>NONE</td><td>NONE, or FM: a factorisation-machine term over the
 *       embedding table added to the logit (needs a deep tower, see {@link Model})</td></tr>
 * </table>
 */
public final class ModelConfig implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The default {@link #hashSeed()}. */
  public static final int DEFAULT_HASH_SEED = 0x5EED1;

  /** Largest supported {@link #hashBits()}. */
  public static final int MAX_HASH_BITS = 28;

  /** Largest supported {@link #embeddingDim()}. */
  public static final int MAX_EMBEDDING_DIM = 1024;

  /** Largest supported hidden layer width. */
  public static final int MAX_LAYER_WIDTH = 4096;

  /** Largest supported number of hidden layers. */
  public static final int MAX_HIDDEN_LAYERS = 16;

  /** Largest supported {@link #maxBatchSize()}. */
  public static final int MAX_BATCH_SIZE = 65536;

  /** Largest supported {@link #scalerBits()}. */
  public static final int MAX_SCALER_BITS = 20;

  /** The training loss (and with it the output transform). */
  public enum LossType {
    /** Log loss on a sigmoid output; labels in [0, 1]; predictions are probabilities. */
    LOGISTIC(1),
    /** Squared loss ½(z − y)² on a linear output; predictions are values. */
    SQUARED(2);

    private final int code;

    LossType(int code) {
      this.code = code;
    }

    /** Stable code used by the model format (never the ordinal). */
    public int code() {
      return code;
    }

    /** The type with this {@link #code()}, or null. */
    public static LossType fromCode(int code) {
      for (LossType t : values()) {
        if (t.code == code) {
          return t;
        }
      }
      return null;
    }
  }

  /** The optimiser that turns gradients into parameter updates. */
  public enum OptimizerType {
    /** Stochastic gradient descent, optionally with heavy-ball momentum. */
    SGD(1),
    /** AdaGrad: per-parameter step sizes from the accumulated squared gradients. */
    ADAGRAD(2),
    /** Adam with lazy sparse updates. */
    ADAM(3);

    private final int code;

    OptimizerType(int code) {
      this.code = code;
    }

    /** Stable code used by the model format (never the ordinal). */
    public int code() {
      return code;
    }

    /** The type with this {@link #code()}, or null. */
    public static OptimizerType fromCode(int code) {
      for (OptimizerType t : values()) {
        if (t.code == code) {
          return t;
        }
      }
      return null;
    }
  }

  /** Explicit pairwise feature interactions added to the logit. */
  public enum Interactions {
    /** None: z = z_wide + z_deep. */
    NONE(0),
    /**
     * A factorisation machine sharing the embedding table E: z_fm = Σ_(i&lt;j) ⟨x_i·E_i, x_j·E_j⟩
     * over the example's features (DeepFM).
     */
    FM(1);

    private final int code;

    Interactions(int code) {
      this.code = code;
    }

    /** Stable code used by the model format (never the ordinal). */
    public int code() {
      return code;
    }

    /** The type with this {@link #code()}, or null. */
    public static Interactions fromCode(int code) {
      for (Interactions t : values()) {
        if (t.code == code) {
          return t;
        }
      }
      return null;
    }
  }

  private final int hashBits;
  private final int hashSeed;
  private final int embeddingDim;
  private final int[] hiddenLayers;
  private final LossType loss;
  private final OptimizerType optimizer;
  private final double learningRate;
  private final double momentum;
  private final double beta1;
  private final double beta2;
  private final double epsilon;
  private final double adagradEpsilon;
  private final double adagradInitialAccumulator;
  private final double l2;
  private final double gradientClipNorm;
  private final double initStdDev;
  private final long seed;
  private final int maxBatchSize;
  private final int scalerBits;
  private final long scalerWarmup;
  private final double numericClip;
  private final Interactions interactions;

  private ModelConfig(Builder b) {
    this.hashBits = b.hashBits;
    this.hashSeed = b.hashSeed;
    this.embeddingDim = b.embeddingDim;
    this.hiddenLayers = b.hiddenLayers.clone();
    this.loss = b.loss;
    this.optimizer = b.optimizer;
    this.learningRate = b.learningRate;
    this.momentum = b.momentum;
    this.beta1 = b.beta1;
    this.beta2 = b.beta2;
    this.epsilon = b.epsilon;
    this.adagradEpsilon = b.adagradEpsilon;
    this.adagradInitialAccumulator = b.adagradInitialAccumulator;
    this.l2 = b.l2;
    this.gradientClipNorm = b.gradientClipNorm;
    this.initStdDev = b.initStdDev;
    this.seed = b.seed;
    this.maxBatchSize = b.maxBatchSize;
    this.scalerBits = b.scalerBits;
    this.scalerWarmup = b.scalerWarmup;
    this.numericClip = b.numericClip;
    this.interactions = b.interactions;
  }

  /** Re-validates a Java-deserialised configuration (the builder's checks, not a raw copy). */
  private Object readResolve() {
    return toBuilder().build();
  }

  /** A builder holding every default. */
  public static Builder builder() {
    return new Builder();
  }

  /** The defaults (equivalent to {@code builder().build()}). */
  public static ModelConfig defaults() {
    return builder().build();
  }

  /** A builder initialised with this configuration. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.hashBits = hashBits;
    b.hashSeed = hashSeed;
    b.embeddingDim = embeddingDim;
    b.hiddenLayers = hiddenLayers.clone();
    b.loss = loss;
    b.optimizer = optimizer;
    b.learningRate = learningRate;
    b.momentum = momentum;
    b.beta1 = beta1;
    b.beta2 = beta2;
    b.epsilon = epsilon;
    b.adagradEpsilon = adagradEpsilon;
    b.adagradInitialAccumulator = adagradInitialAccumulator;
    b.l2 = l2;
    b.gradientClipNorm = gradientClipNorm;
    b.initStdDev = initStdDev;
    b.seed = seed;
    b.maxBatchSize = maxBatchSize;
    b.scalerBits = scalerBits;
    b.scalerWarmup = scalerWarmup;
    b.numericClip = numericClip;
    // null only in a configuration Java-serialised before the option existed
    b.interactions = interactions == null ? Interactions.NONE : interactions;
    return b;
  }

  public int hashBits() {
    return hashBits;
  }

  /** Number of feature buckets, {@code 2^hashBits}. */
  public int buckets() {
    return 1 << hashBits;
  }

  public int hashSeed() {
    return hashSeed;
  }

  public int embeddingDim() {
    return embeddingDim;
  }

  /** The hidden layer widths (a copy). */
  public int[] hiddenLayers() {
    return hiddenLayers.clone();
  }

  /** Number of hidden layers. */
  public int hiddenLayerCount() {
    return hiddenLayers.length;
  }

  /** Width of hidden layer {@code i} (0-based). */
  public int hiddenLayer(int i) {
    return hiddenLayers[i];
  }

  /** Whether the model has a deep tower (at least one hidden layer). */
  public boolean hasDeepTower() {
    return hiddenLayers.length > 0;
  }

  public LossType loss() {
    return loss;
  }

  public OptimizerType optimizer() {
    return optimizer;
  }

  public double learningRate() {
    return learningRate;
  }

  public double momentum() {
    return momentum;
  }

  public double beta1() {
    return beta1;
  }

  public double beta2() {
    return beta2;
  }

  public double epsilon() {
    return epsilon;
  }

  public double adagradEpsilon() {
    return adagradEpsilon;
  }

  public double adagradInitialAccumulator() {
    return adagradInitialAccumulator;
  }

  public double l2() {
    return l2;
  }

  public double gradientClipNorm() {
    return gradientClipNorm;
  }

  public double initStdDev() {
    return initStdDev;
  }

  public long seed() {
    return seed;
  }

  public int maxBatchSize() {
    return maxBatchSize;
  }

  public int scalerBits() {
    return scalerBits;
  }

  public long scalerWarmup() {
    return scalerWarmup;
  }

  public double numericClip() {
    return numericClip;
  }

  /** The explicit pairwise interactions (default NONE). */
  public Interactions interactions() {
    return interactions;
  }

  /** Whether the logit has the factorisation-machine term. */
  public boolean hasFactorizationMachine() {
    return interactions == Interactions.FM;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ModelConfig)) {
      return false;
    }
    ModelConfig c = (ModelConfig) o;
    return hashBits == c.hashBits
        && hashSeed == c.hashSeed
        && embeddingDim == c.embeddingDim
        && Arrays.equals(hiddenLayers, c.hiddenLayers)
        && loss == c.loss
        && optimizer == c.optimizer
        && same(learningRate, c.learningRate)
        && same(momentum, c.momentum)
        && same(beta1, c.beta1)
        && same(beta2, c.beta2)
        && same(epsilon, c.epsilon)
        && same(adagradEpsilon, c.adagradEpsilon)
        && same(adagradInitialAccumulator, c.adagradInitialAccumulator)
        && same(l2, c.l2)
        && same(gradientClipNorm, c.gradientClipNorm)
        && same(initStdDev, c.initStdDev)
        && seed == c.seed
        && maxBatchSize == c.maxBatchSize
        && scalerBits == c.scalerBits
        && scalerWarmup == c.scalerWarmup
        && same(numericClip, c.numericClip)
        && interactions == c.interactions;
  }

  private static boolean same(double a, double b) {
    return Double.doubleToLongBits(a) == Double.doubleToLongBits(b);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
                hashBits,
                hashSeed,
                embeddingDim,
                loss,
                optimizer,
                learningRate,
                momentum,
                beta1,
                beta2,
                epsilon,
                adagradEpsilon,
                adagradInitialAccumulator,
                l2,
                gradientClipNorm,
                initStdDev,
                seed,
                maxBatchSize,
                scalerBits,
                scalerWarmup,
                numericClip,
                interactions)
            * 31
        + Arrays.hashCode(hiddenLayers);
  }

  @Override
  public String toString() {
    return "ModelConfig{hashBits="
        + hashBits
        + ", hashSeed="
        + hashSeed
        + ", embeddingDim="
        + embeddingDim
        + ", hiddenLayers="
        + Arrays.toString(hiddenLayers)
        + ", loss="
        + loss
        + ", optimizer="
        + optimizer
        + ", learningRate="
        + learningRate
        + ", momentum="
        + momentum
        + ", beta1="
        + beta1
        + ", beta2="
        + beta2
        + ", epsilon="
        + epsilon
        + ", adagradEpsilon="
        + adagradEpsilon
        + ", adagradInitialAccumulator="
        + adagradInitialAccumulator
        + ", l2="
        + l2
        + ", gradientClipNorm="
        + gradientClipNorm
        + ", initStdDev="
        + initStdDev
        + ", seed="
        + seed
        + ", maxBatchSize="
        + maxBatchSize
        + ", scalerBits="
        + scalerBits
        + ", scalerWarmup="
        + scalerWarmup
        + ", numericClip="
        + numericClip
        + ", interactions="
        + interactions
        + "}";
  }

  /** Mutable builder; {@link #build()} validates. */
  public static final class Builder {
    private int hashBits = 18;
    private int hashSeed = DEFAULT_HASH_SEED;
    private int embeddingDim = 16;
    private int[] hiddenLayers = {32};
    private LossType loss = LossType.LOGISTIC;
    private OptimizerType optimizer = OptimizerType.ADAGRAD;
    private double learningRate = 0.05;
    private double momentum = 0.0;
    private double beta1 = 0.9;
    private double beta2 = 0.999;
    private double epsilon = 1e-8;
    private double adagradEpsilon = 1e-10;
    private double adagradInitialAccumulator = 0.1;
    private double l2 = 0.0;
    private double gradientClipNorm = 0.0;
    private double initStdDev = 0.05;
    private long seed = 42L;
    private int maxBatchSize = 256;
    private int scalerBits = 12;
    private long scalerWarmup = 10;
    private double numericClip = 5.0;
    private Interactions interactions = Interactions.NONE;

    private Builder() {}

    public Builder hashBits(int v) {
      hashBits = v;
      return this;
    }

    public Builder hashSeed(int v) {
      hashSeed = v;
      return this;
    }

    public Builder embeddingDim(int v) {
      embeddingDim = v;
      return this;
    }

    /** Hidden ReLU layer widths; no argument = no deep tower. */
    public Builder hiddenLayers(int... widths) {
      hiddenLayers = Objects.requireNonNull(widths, "hiddenLayers").clone();
      return this;
    }

    public Builder loss(LossType v) {
      loss = Objects.requireNonNull(v, "loss");
      return this;
    }

    public Builder optimizer(OptimizerType v) {
      optimizer = Objects.requireNonNull(v, "optimizer");
      return this;
    }

    public Builder learningRate(double v) {
      learningRate = v;
      return this;
    }

    public Builder momentum(double v) {
      momentum = v;
      return this;
    }

    public Builder beta1(double v) {
      beta1 = v;
      return this;
    }

    public Builder beta2(double v) {
      beta2 = v;
      return this;
    }

    public Builder epsilon(double v) {
      epsilon = v;
      return this;
    }

    public Builder adagradEpsilon(double v) {
      adagradEpsilon = v;
      return this;
    }

    public Builder adagradInitialAccumulator(double v) {
      adagradInitialAccumulator = v;
      return this;
    }

    public Builder l2(double v) {
      l2 = v;
      return this;
    }

    public Builder gradientClipNorm(double v) {
      gradientClipNorm = v;
      return this;
    }

    public Builder initStdDev(double v) {
      initStdDev = v;
      return this;
    }

    public Builder seed(long v) {
      seed = v;
      return this;
    }

    public Builder maxBatchSize(int v) {
      maxBatchSize = v;
      return this;
    }

    public Builder scalerBits(int v) {
      scalerBits = v;
      return this;
    }

    public Builder scalerWarmup(long v) {
      scalerWarmup = v;
      return this;
    }

    public Builder numericClip(double v) {
      numericClip = v;
      return this;
    }

    /** Explicit pairwise interactions; FM needs a deep tower (its embedding table). */
    public Builder interactions(Interactions v) {
      interactions = Objects.requireNonNull(v, "interactions");
      return this;
    }

    /**
     * Validates every option and builds the configuration.
     *
     * @throws IllegalArgumentException naming the first invalid option and its value
     */
    public ModelConfig build() {
      intRange("hashBits", hashBits, 1, MAX_HASH_BITS);
      intRange("embeddingDim", embeddingDim, 1, MAX_EMBEDDING_DIM);
      if (hiddenLayers.length > MAX_HIDDEN_LAYERS) {
        throw new IllegalArgumentException(
            "hiddenLayers must have at most "
                + MAX_HIDDEN_LAYERS
                + " layers, got "
                + hiddenLayers.length);
      }
      for (int i = 0; i < hiddenLayers.length; i++) {
        intRange("hiddenLayers[" + i + "]", hiddenLayers[i], 1, MAX_LAYER_WIDTH);
      }
      if (hiddenLayers.length > 0 && ((long) embeddingDim << hashBits) > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException(
            "embeddingDim * 2^hashBits must fit one Java array, got "
                + embeddingDim
                + " * 2^"
                + hashBits);
      }
      positive("learningRate", learningRate);
      unitInterval("momentum", momentum);
      unitInterval("beta1", beta1);
      unitInterval("beta2", beta2);
      positive("epsilon", epsilon);
      nonNegative("adagradEpsilon", adagradEpsilon);
      nonNegative("adagradInitialAccumulator", adagradInitialAccumulator);
      if (!(adagradEpsilon + adagradInitialAccumulator > 0)) {
        throw new IllegalArgumentException(
            "adagradEpsilon + adagradInitialAccumulator must be > 0, got "
                + adagradEpsilon
                + " + "
                + adagradInitialAccumulator);
      }
      nonNegative("l2", l2);
      nonNegative("gradientClipNorm", gradientClipNorm);
      nonNegative("initStdDev", initStdDev);
      intRange("maxBatchSize", maxBatchSize, 1, MAX_BATCH_SIZE);
      intRange("scalerBits", scalerBits, 1, MAX_SCALER_BITS);
      if (scalerWarmup < 1) {
        throw new IllegalArgumentException("scalerWarmup must be >= 1, got " + scalerWarmup);
      }
      positive("numericClip", numericClip);
      if (interactions == Interactions.FM && hiddenLayers.length == 0) {
        throw new IllegalArgumentException(
            "interactions FM needs a deep tower (its embedding table), but hiddenLayers is empty");
      }
      return new ModelConfig(this);
    }

    private static void intRange(String name, int v, int min, int max) {
      if (v < min || v > max) {
        throw new IllegalArgumentException(
            name + " must be in [" + min + ", " + max + "], got " + v);
      }
    }

    private static void positive(String name, double v) {
      if (!(v > 0) || !Double.isFinite(v)) {
        throw new IllegalArgumentException(name + " must be > 0 and finite, got " + v);
      }
    }

    private static void nonNegative(String name, double v) {
      if (!(v >= 0) || !Double.isFinite(v)) {
        throw new IllegalArgumentException(name + " must be >= 0 and finite, got " + v);
      }
    }

    private static void unitInterval(String name, double v) {
      if (!(v >= 0 && v < 1)) {
        throw new IllegalArgumentException(name + " must be in [0, 1), got " + v);
      }
    }
  }
}
