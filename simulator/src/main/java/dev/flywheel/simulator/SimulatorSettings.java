package dev.flywheel.simulator;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything a simulator run needs, validated once ({@link #validate()} names the bad option).
 *
 * @param bootstrapServers Kafka bootstrap servers
 * @param eventsTopic topic the events are produced to
 * @param predictionsTopic topic the predictions are read from (model policy only)
 * @param model model id stamped on every event
 * @param runId prefix of request ids, keeps runs apart ("" for none)
 * @param policy the business policy
 * @param rate requests per second (wall clock)
 * @param requests stop after this many requests (0 = no limit)
 * @param duration stop after this long (zero = no limit)
 * @param candidates candidates per request
 * @param k items shown per request
 * @param epsilon exploration probability per position (model policy)
 * @param predictionTimeout how long a request waits for its prediction before a random fallback
 * @param timeScale simulated seconds per wall-clock second (click delays and event times)
 * @param window requests per learning-curve window
 * @param progressEvery interval of the progress line
 * @param curveEvery interval of intermediate curve writes (zero = only at the end)
 * @param outDir directory of the learning-curve CSV and PNG (null = do not write)
 * @param drainClicks after the last request, wait for the scheduled clicks before stopping
 * @param world the world
 */
public record SimulatorSettings(
    String bootstrapServers,
    String eventsTopic,
    String predictionsTopic,
    String model,
    String runId,
    PolicyKind policy,
    double rate,
    long requests,
    Duration duration,
    int candidates,
    int k,
    double epsilon,
    Duration predictionTimeout,
    double timeScale,
    int window,
    Duration progressEvery,
    Duration curveEvery,
    Path outDir,
    boolean drainClicks,
    WorldConfig world) {

  /** The policies the simulator can play. */
  public enum PolicyKind {
    /** Rank by the pipeline's predictions, ε-greedy. */
    MODEL,
    /** Uniformly random slates. */
    RANDOM,
    /** The hidden truth's best slate. */
    ORACLE
  }

  /**
   * Checks every option.
   *
   * @return this
   * @throws IllegalArgumentException naming the option and its bad value
   */
  public SimulatorSettings validate() {
    notBlank("--bootstrap-servers", bootstrapServers);
    notBlank("--events-topic", eventsTopic);
    notBlank("--predictions-topic", predictionsTopic);
    notBlank("--model", model);
    if (runId == null) {
      throw new IllegalArgumentException("--run-id must not be null");
    }
    if (policy == null) {
      throw new IllegalArgumentException("--policy must be one of model, random, oracle");
    }
    if (!(rate > 0) || Double.isInfinite(rate)) {
      throw new IllegalArgumentException("--rate must be > 0 and finite, got " + rate);
    }
    if (requests < 0) {
      throw new IllegalArgumentException("--requests must be >= 0, got " + requests);
    }
    nonNegative("--duration", duration);
    if (world == null) {
      throw new IllegalArgumentException("world must not be null");
    }
    world.validate();
    if (candidates < 1 || candidates > world.items()) {
      throw new IllegalArgumentException(
          "--candidates must be in [1, --items=" + world.items() + "], got " + candidates);
    }
    if (k < 1 || k > candidates) {
      throw new IllegalArgumentException(
          "-k must be in [1, --candidates=" + candidates + "], got " + k);
    }
    if (!(epsilon >= 0 && epsilon <= 1)) {
      throw new IllegalArgumentException("--epsilon must be in [0, 1], got " + epsilon);
    }
    nonNegative("--prediction-timeout", predictionTimeout);
    if (!(timeScale > 0) || Double.isInfinite(timeScale)) {
      throw new IllegalArgumentException("--time-scale must be > 0 and finite, got " + timeScale);
    }
    if (window < 1) {
      throw new IllegalArgumentException("--window must be >= 1, got " + window);
    }
    if (progressEvery == null || progressEvery.isNegative() || progressEvery.isZero()) {
      throw new IllegalArgumentException("--progress-every must be > 0, got " + progressEvery);
    }
    nonNegative("--curve-every", curveEvery);
    return this;
  }

  private static void notBlank(String option, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(option + " must not be blank");
    }
  }

  private static void nonNegative(String option, Duration value) {
    if (value == null || value.isNegative()) {
      throw new IllegalArgumentException(option + " must be >= 0, got " + value);
    }
  }
}
