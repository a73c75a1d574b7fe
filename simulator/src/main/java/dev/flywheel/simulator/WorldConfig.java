package dev.flywheel.simulator;

/**
 * The parameters of a {@link World}: its size, the scale of each hidden effect, position bias,
 * click delays and drift. Immutable; {@link #validate()} names the first bad parameter.
 *
 * <p>The true click logit of user {@code u} (segment {@code s}) for item {@code i} (category {@code
 * c}) in context (device, hour) is
 *
 * <pre>
 * z = bias + pop[i] + ⟨U[u], V[i]⟩ + A[s][c] − beta[s]·(ln price[i] − ln 20)
 *       + device[d] + hour[h] + country[u]
 * P(click at position k) = sigmoid(z) · (1 + k)^(−positionDecay)
 * </pre>
 *
 * @param users number of users
 * @param items number of items in the catalog
 * @param segments number of observable user segments ({@code s0 … s(S-1)})
 * @param categories number of observable item categories ({@code c0 … c(C-1)})
 * @param latentDim dimension of the hidden user and item factors
 * @param bias global logit offset (sets the base click rate)
 * @param popularityScale std of the per-item popularity logit
 * @param groupFactorScale std of the segment and category means of the latent factors (the part of
 *     ⟨U, V⟩ that the observable segment × category cross can explain)
 * @param individualFactorScale std of each user's and item's own deviation from its group mean (the
 *     part only the item id or the hidden truth can explain)
 * @param affinityScale std of the explicit segment × category logit effects {@code A[s][c]}
 * @param maxPriceSensitivity each segment's price sensitivity {@code beta[s]} is uniform in [0,
 *     this]
 * @param positionDecay exponent of the position bias {@code (1 + k)^(−decay)}
 * @param clickDelayMedianSeconds median of the log-normal click delay
 * @param clickDelaySigma log-std of the log-normal click delay
 * @param maxClickDelaySeconds click delays are capped here (keep it inside the attribution window)
 * @param driftAtRequest request index from which the drifted preferences apply (0 = no drift)
 * @param drift what changes at the drift point
 * @param seed seeds the world and every draw made from it
 */
public record WorldConfig(
    int users,
    int items,
    int segments,
    int categories,
    int latentDim,
    double bias,
    double popularityScale,
    double groupFactorScale,
    double individualFactorScale,
    double affinityScale,
    double maxPriceSensitivity,
    double positionDecay,
    double clickDelayMedianSeconds,
    double clickDelaySigma,
    double maxClickDelaySeconds,
    long driftAtRequest,
    DriftKind drift,
    long seed) {

  /** What the drift scenario changes at {@link #driftAtRequest}. */
  public enum DriftKind {
    /** Segment {@code s} takes the category affinities of segment {@code s + S/2}. */
    SWAP_SEGMENTS,
    /** Every item's latent factors turn by 90° in each pair of dimensions. */
    ROTATE_ITEMS,
    /** Both of the above. */
    BOTH
  }

  /** The default world (the one the reference CTRs in docs/simulator.md were measured on). */
  public static WorldConfig defaults() {
    return new WorldConfig(
        10_000,
        1_000,
        8,
        20,
        8,
        -3.2,
        0.6,
        0.55,
        0.35,
        0.8,
        0.6,
        0.7,
        5.0,
        1.0,
        120.0,
        0,
        DriftKind.BOTH,
        42L);
  }

  /** This config with another seed. */
  public WorldConfig withSeed(long newSeed) {
    return new WorldConfig(
        users,
        items,
        segments,
        categories,
        latentDim,
        bias,
        popularityScale,
        groupFactorScale,
        individualFactorScale,
        affinityScale,
        maxPriceSensitivity,
        positionDecay,
        clickDelayMedianSeconds,
        clickDelaySigma,
        maxClickDelaySeconds,
        driftAtRequest,
        drift,
        newSeed);
  }

  /** This config with drift from request {@code at} (0 = none). */
  public WorldConfig withDrift(long at, DriftKind kind) {
    return new WorldConfig(
        users,
        items,
        segments,
        categories,
        latentDim,
        bias,
        popularityScale,
        groupFactorScale,
        individualFactorScale,
        affinityScale,
        maxPriceSensitivity,
        positionDecay,
        clickDelayMedianSeconds,
        clickDelaySigma,
        maxClickDelaySeconds,
        at,
        kind,
        seed);
  }

  /**
   * Checks every parameter.
   *
   * @return this
   * @throws IllegalArgumentException naming the first bad parameter and its value
   */
  public WorldConfig validate() {
    positive("users", users);
    positive("items", items);
    positive("segments", segments);
    positive("categories", categories);
    positive("latentDim", latentDim);
    finite("bias", bias);
    nonNegative("popularityScale", popularityScale);
    nonNegative("groupFactorScale", groupFactorScale);
    nonNegative("individualFactorScale", individualFactorScale);
    nonNegative("affinityScale", affinityScale);
    nonNegative("maxPriceSensitivity", maxPriceSensitivity);
    nonNegative("positionDecay", positionDecay);
    if (!(clickDelayMedianSeconds > 0) || Double.isInfinite(clickDelayMedianSeconds)) {
      throw new IllegalArgumentException(
          "clickDelayMedianSeconds must be > 0 and finite, got " + clickDelayMedianSeconds);
    }
    nonNegative("clickDelaySigma", clickDelaySigma);
    if (!(maxClickDelaySeconds >= clickDelayMedianSeconds)
        || Double.isInfinite(maxClickDelaySeconds)) {
      throw new IllegalArgumentException(
          "maxClickDelaySeconds must be finite and >= clickDelayMedianSeconds ("
              + clickDelayMedianSeconds
              + "), got "
              + maxClickDelaySeconds);
    }
    if (driftAtRequest < 0) {
      throw new IllegalArgumentException("driftAtRequest must be >= 0, got " + driftAtRequest);
    }
    if (drift == null) {
      throw new IllegalArgumentException("drift must not be null");
    }
    return this;
  }

  private static void positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, got " + value);
    }
  }

  private static void finite(String name, double value) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException(name + " must be finite, got " + value);
    }
  }

  private static void nonNegative(String name, double value) {
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(name + " must be finite and >= 0, got " + value);
    }
  }
}
