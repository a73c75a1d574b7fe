package dev.flywheel.simulator;

import java.util.ArrayList;
import java.util.List;

/**
 * Accumulates one policy's outcomes per window of consecutive request indices: impressions, clicks,
 * fallbacks, the model version seen and the log loss of the prediction's scores against the
 * outcomes. Memory is one small record per window, never per request.
 *
 * <p>Not thread-safe: the simulator records from its single application thread.
 */
public final class CurveRecorder {

  /** Clip for scores in the log loss, so a confident wrong score costs a finite amount. */
  private static final double EPS = 1e-6;

  /** One window's sums. Mutable, owned by its recorder. */
  public static final class Window {
    long requests;
    long impressions;
    long clicks;
    long fallbacks;
    double logLossSum;
    long logLossCount;
    long modelVersion = -1;

    /** Requests recorded in this window. */
    public long requests() {
      return requests;
    }

    /** Impressions in this window. */
    public long impressions() {
      return impressions;
    }

    /** Clicks in this window. */
    public long clicks() {
      return clicks;
    }

    /** Requests that fell back to a random slate. */
    public long fallbacks() {
      return fallbacks;
    }

    /** Clicks per impression, NaN if none. */
    public double ctr() {
      return impressions == 0 ? Double.NaN : (double) clicks / impressions;
    }

    /** Mean log loss of the scored impressions, NaN if none had a score. */
    public double logLoss() {
      return logLossCount == 0 ? Double.NaN : logLossSum / logLossCount;
    }

    /** Highest model version seen in this window, −1 if none. */
    public long modelVersion() {
      return modelVersion;
    }
  }

  private final String policy;
  private final int windowSize;
  private final List<Window> windows = new ArrayList<>();
  private long impressions;
  private long clicks;
  private long requests;
  private long fallbacks;

  /**
   * @param policy name of the policy recorded
   * @param windowSize requests per window, ≥ 1
   */
  public CurveRecorder(String policy, int windowSize) {
    if (windowSize < 1) {
      throw new IllegalArgumentException("window must be >= 1, got " + windowSize);
    }
    this.policy = policy;
    this.windowSize = windowSize;
  }

  /**
   * Records a decided request.
   *
   * @param requestIndex the request's index (selects the window)
   * @param slate what was shown
   * @param outcome what the user did
   * @param modelVersion version of the model behind the slate, −1 if none
   */
  public void record(long requestIndex, Slate slate, Outcome outcome, long modelVersion) {
    int w = (int) (requestIndex / windowSize);
    while (windows.size() <= w) {
      windows.add(new Window());
    }
    Window win = windows.get(w);
    win.requests++;
    requests++;
    if (slate.fallback()) {
      win.fallbacks++;
      fallbacks++;
    }
    win.modelVersion = Math.max(win.modelVersion, modelVersion);
    boolean[] clicked = outcome.clicked();
    double[] scores = slate.scores();
    for (int pos = 0; pos < clicked.length; pos++) {
      win.impressions++;
      impressions++;
      if (clicked[pos]) {
        win.clicks++;
        clicks++;
      }
      double p = scores[pos];
      if (Double.isFinite(p)) {
        p = Math.min(1 - EPS, Math.max(EPS, p));
        win.logLossSum -= clicked[pos] ? Math.log(p) : Math.log(1 - p);
        win.logLossCount++;
      }
    }
  }

  /** The policy's name. */
  public String policy() {
    return policy;
  }

  /** Requests per window. */
  public int windowSize() {
    return windowSize;
  }

  /** The windows so far, oldest first (live view: do not modify). */
  public List<Window> windows() {
    return windows;
  }

  /** Total impressions. */
  public long impressions() {
    return impressions;
  }

  /** Total clicks. */
  public long clicks() {
    return clicks;
  }

  /** Total requests recorded. */
  public long requests() {
    return requests;
  }

  /** Total fallbacks. */
  public long fallbacks() {
    return fallbacks;
  }

  /** Overall clicks per impression, NaN if none. */
  public double ctr() {
    return impressions == 0 ? Double.NaN : (double) clicks / impressions;
  }
}
