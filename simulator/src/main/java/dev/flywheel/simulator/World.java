package dev.flywheel.simulator;

import java.util.HashMap;
import java.util.SplittableRandom;

/**
 * A seeded world of users and items with a hidden click model. Pure: no I/O, no clock, no mutable
 * state after construction; every request, outcome and policy draw is a function of the seed and
 * the request index, so runs reproduce exactly and different policies face the same requests.
 *
 * <p>Users have an observable segment and country and hidden latent factors (segment mean plus an
 * individual part). Items have an observable id, category and price, and hidden popularity and
 * latent factors (category mean plus an individual part). Requests carry the context features hour
 * and device. See {@link WorldConfig} for the click model.
 *
 * <p>Thread-safe (immutable).
 */
public final class World {

  /** Values of the {@code device} context feature. */
  public static final String[] DEVICES = {"ios", "android", "web"};

  /** Values of the {@code country} user feature. */
  public static final String[] COUNTRIES = {"cn", "us", "de", "br", "in", "fr"};

  private static final double[] DEVICE_WEIGHTS = {0.45, 0.40, 0.15};
  private static final double[] DEVICE_EFFECT = {0.15, 0.0, -0.25};
  private static final double[] COUNTRY_WEIGHTS = {0.30, 0.25, 0.15, 0.10, 0.12, 0.08};
  private static final double REFERENCE_LOG_PRICE = Math.log(20.0);

  // Salts separate the independent random streams derived from (seed, request index).
  private static final long SALT_REQUEST = 0x52455155L;
  private static final long SALT_OUTCOME = 0x434C4943L;
  private static final long SALT_POLICY = 0x504F4C49L;

  private final WorldConfig config;

  private final int[] userSegment;
  private final int[] userCountry;
  private final double[][] userFactors;
  private final double[] countryEffect;

  private final int[] itemCategory;
  private final double[] itemPrice;
  private final double[] itemLogPriceOffset;
  private final double[] itemPopularity;

  /** Item factors per phase: [phase][item][dim]. */
  private final double[][][] itemFactors;

  /** Segment × category affinities per phase: [phase][segment][category]. */
  private final double[][][] affinity;

  private final double[] priceSensitivity;
  private final double[] hourEffect;
  private final double[] positionBias;

  /**
   * Builds the world from its config.
   *
   * @param config the parameters, validated here
   */
  public World(WorldConfig config) {
    this.config = config.validate();
    SplittableRandom rng = new SplittableRandom(config.seed());
    int d = config.latentDim();
    int segments = config.segments();
    int categories = config.categories();

    double[][] segmentMean = gaussianMatrix(rng, segments, d, config.groupFactorScale());
    double[][] categoryMean = gaussianMatrix(rng, categories, d, config.groupFactorScale());

    double[][] baseAffinity = gaussianMatrix(rng, segments, categories, config.affinityScale());
    priceSensitivity = new double[segments];
    for (int s = 0; s < segments; s++) {
      priceSensitivity[s] = rng.nextDouble() * config.maxPriceSensitivity();
    }
    countryEffect = new double[COUNTRIES.length];
    for (int c = 0; c < COUNTRIES.length; c++) {
      countryEffect[c] = 0.15 * rng.nextGaussian();
    }
    hourEffect = new double[24];
    for (int h = 0; h < 24; h++) {
      // Evenings click more: +0.25 at 21:00, −0.25 at 09:00.
      hourEffect[h] = 0.25 * Math.cos(2 * Math.PI * (h - 21) / 24.0);
    }

    userSegment = new int[config.users()];
    userCountry = new int[config.users()];
    userFactors = new double[config.users()][d];
    for (int u = 0; u < config.users(); u++) {
      int s = rng.nextInt(segments);
      userSegment[u] = s;
      userCountry[u] = pick(rng, COUNTRY_WEIGHTS);
      for (int k = 0; k < d; k++) {
        userFactors[u][k] = segmentMean[s][k] + config.individualFactorScale() * rng.nextGaussian();
      }
    }

    double[] categoryLogPrice = new double[categories];
    for (int c = 0; c < categories; c++) {
      categoryLogPrice[c] = Math.log(5) + rng.nextDouble() * (Math.log(100) - Math.log(5));
    }
    itemCategory = new int[config.items()];
    itemPrice = new double[config.items()];
    itemLogPriceOffset = new double[config.items()];
    itemPopularity = new double[config.items()];
    itemFactors = new double[2][config.items()][d];
    for (int i = 0; i < config.items(); i++) {
      int c = rng.nextInt(categories);
      itemCategory[i] = c;
      double price = Math.exp(categoryLogPrice[c] + 0.4 * rng.nextGaussian());
      itemPrice[i] = Math.max(0.5, Math.round(price * 2) / 2.0);
      itemLogPriceOffset[i] = Math.log(itemPrice[i]) - REFERENCE_LOG_PRICE;
      itemPopularity[i] = config.popularityScale() * rng.nextGaussian();
      for (int k = 0; k < d; k++) {
        itemFactors[0][i][k] =
            categoryMean[c][k] + config.individualFactorScale() * rng.nextGaussian();
      }
    }

    // Phase 1: the drifted preferences.
    boolean swap =
        config.drift() == WorldConfig.DriftKind.SWAP_SEGMENTS
            || config.drift() == WorldConfig.DriftKind.BOTH;
    boolean rotate =
        config.drift() == WorldConfig.DriftKind.ROTATE_ITEMS
            || config.drift() == WorldConfig.DriftKind.BOTH;
    affinity = new double[2][][];
    affinity[0] = baseAffinity;
    affinity[1] = new double[segments][];
    for (int s = 0; s < segments; s++) {
      int from = swap ? (s + Math.max(1, segments / 2)) % segments : s;
      affinity[1][s] = baseAffinity[from].clone();
    }
    for (int i = 0; i < config.items(); i++) {
      double[] v0 = itemFactors[0][i];
      double[] v1 = itemFactors[1][i];
      System.arraycopy(v0, 0, v1, 0, d);
      if (rotate) {
        // 90° in each pair of dimensions: (x, y) → (−y, x); an odd last dimension flips sign.
        for (int k = 0; k + 1 < d; k += 2) {
          v1[k] = -v0[k + 1];
          v1[k + 1] = v0[k];
        }
        if (d % 2 == 1) {
          v1[d - 1] = -v0[d - 1];
        }
      }
    }

    positionBias = new double[64];
    for (int k = 0; k < positionBias.length; k++) {
      positionBias[k] = Math.pow(1 + k, -config.positionDecay());
    }
  }

  /** The parameters of this world. */
  public WorldConfig config() {
    return config;
  }

  /**
   * Request {@code n}: a uniformly drawn user, context and {@code candidateCount} distinct
   * candidates drawn uniformly from the catalog.
   *
   * @param n request index, ≥ 0
   * @param candidateCount number of candidates, 1 to the catalog size
   */
  public Request request(long n, int candidateCount) {
    if (candidateCount < 1 || candidateCount > config.items()) {
      throw new IllegalArgumentException(
          "candidates must be in [1, " + config.items() + "], got " + candidateCount);
    }
    SplittableRandom rng = stream(SALT_REQUEST, n);
    int user = rng.nextInt(config.users());
    int hour = rng.nextInt(24);
    int device = pick(rng, DEVICE_WEIGHTS);
    int[] candidates = new int[candidateCount];
    // Partial Fisher–Yates over a virtual permutation, kept sparse: exactly candidateCount draws.
    HashMap<Integer, Integer> swapped = new HashMap<>();
    int items = config.items();
    for (int j = 0; j < candidateCount; j++) {
      int r = j + rng.nextInt(items - j);
      int atR = swapped.getOrDefault(r, r);
      int atJ = swapped.getOrDefault(j, j);
      candidates[j] = atR;
      swapped.put(r, atJ);
    }
    int phase = config.driftAtRequest() > 0 && n >= config.driftAtRequest() ? 1 : 0;
    return new Request(n, user, hour, device, candidates, phase);
  }

  /** The true click logit of {@code item} for this request, before position bias. */
  public double logit(Request r, int item) {
    int u = r.user();
    int s = userSegment[u];
    double[] uf = userFactors[u];
    double[] vf = itemFactors[r.phase()][item];
    double dot = 0;
    for (int k = 0; k < uf.length; k++) {
      dot += uf[k] * vf[k];
    }
    return config.bias()
        + itemPopularity[item]
        + dot
        + affinity[r.phase()][s][itemCategory[item]]
        - priceSensitivity[s] * itemLogPriceOffset[item]
        + DEVICE_EFFECT[r.device()]
        + hourEffect[r.hour()]
        + countryEffect[userCountry[u]];
  }

  /** The true probability that the user clicks {@code item} when it is shown at position 0. */
  public double relevance(Request r, int item) {
    return 1.0 / (1.0 + Math.exp(-logit(r, item)));
  }

  /** The examination probability of position {@code k} (1 at position 0, decreasing). */
  public double positionBias(int k) {
    return k < positionBias.length ? positionBias[k] : Math.pow(1 + k, -config.positionDecay());
  }

  /** The true probability of a click on {@code item} shown at {@code position}. */
  public double clickProbability(Request r, int item, int position) {
    return relevance(r, item) * positionBias(position);
  }

  /**
   * Draws the user's reaction to a slate. One uniform and one delay per position, always, so the
   * draw for position k does not depend on what other positions show (common random numbers for
   * every policy on the same request).
   */
  public Outcome outcome(Request r, int[] shown) {
    SplittableRandom rng = stream(SALT_OUTCOME, r.index());
    boolean[] clicked = new boolean[shown.length];
    double[] delay = new double[shown.length];
    double mu = Math.log(config.clickDelayMedianSeconds());
    for (int k = 0; k < shown.length; k++) {
      double u = rng.nextDouble();
      double z = rng.nextGaussian();
      clicked[k] = u < clickProbability(r, shown[k], k);
      delay[k] =
          Math.min(config.maxClickDelaySeconds(), Math.exp(mu + config.clickDelaySigma() * z));
    }
    return new Outcome(clicked, delay);
  }

  /** The random stream a policy uses for request {@code n} (exploration, random slates). */
  public SplittableRandom policyRandom(long n) {
    return stream(SALT_POLICY, n);
  }

  /** The observable segment of a user, e.g. {@code "s3"}. */
  public String segment(int user) {
    return "s" + userSegment[user];
  }

  /** The segment index of a user. */
  public int segmentIndex(int user) {
    return userSegment[user];
  }

  /** The observable country of a user, e.g. {@code "cn"}. */
  public String country(int user) {
    return COUNTRIES[userCountry[user]];
  }

  /** The observable id of an item, e.g. {@code "i-17"}. */
  public String itemId(int item) {
    return "i-" + item;
  }

  /** The observable category of an item, e.g. {@code "c2"}. */
  public String category(int item) {
    return "c" + itemCategory[item];
  }

  /** The category index of an item. */
  public int categoryIndex(int item) {
    return itemCategory[item];
  }

  /** The observable price of an item (a multiple of 0.5, ≥ 0.5). */
  public double price(int item) {
    return itemPrice[item];
  }

  /**
   * The item index of an observable id such as {@code "i-17"}, or −1 if it is not an item of this
   * world.
   */
  public int itemIndex(String itemId) {
    if (itemId == null || itemId.length() < 3 || !itemId.startsWith("i-")) {
      return -1;
    }
    int v = 0;
    for (int k = 2; k < itemId.length(); k++) {
      char ch = itemId.charAt(k);
      if (ch < '0' || ch > '9' || v > (Integer.MAX_VALUE - 9) / 10) {
        return -1;
      }
      v = v * 10 + (ch - '0');
    }
    return v < config.items() ? v : -1;
  }

  private SplittableRandom stream(long salt, long n) {
    return new SplittableRandom(mix(mix(config.seed() ^ salt) + n));
  }

  /** The SplitMix64 finaliser: a bijective 64-bit mix. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static int pick(SplittableRandom rng, double[] weights) {
    double u = rng.nextDouble();
    for (int k = 0; k < weights.length - 1; k++) {
      u -= weights[k];
      if (u < 0) {
        return k;
      }
    }
    return weights.length - 1;
  }

  private static double[][] gaussianMatrix(SplittableRandom rng, int rows, int cols, double std) {
    double[][] m = new double[rows][cols];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        m[r][c] = std * rng.nextGaussian();
      }
    }
    return m;
  }
}
