package dev.flywheel.deploy.bench;

/**
 * The send schedule of an open-loop producer: slot {@code k} is due at {@code start + k / rate},
 * whether or not the system kept up with the slots before it. A producer that falls behind sends
 * the overdue slots at once, each still stamped with its own intended time, so a slow period shows
 * up as latency instead of being hidden by sending less (coordinated omission).
 *
 * <p>Times are {@link System#nanoTime()} values; {@link #intendedEpochMillis(long)} maps a slot to
 * wall-clock milliseconds through one (nanoTime, epoch ms) pair taken at the start.
 */
public final class OpenLoopSchedule {
  private final long startNanos;
  private final long startEpochMillis;
  private final double ratePerSecond;
  private final long slots;

  /**
   * @param startNanos {@code System.nanoTime()} of slot 0
   * @param startEpochMillis wall-clock time of slot 0 (epoch ms)
   * @param ratePerSecond offered rate, > 0
   * @param slots number of slots, >= 0
   */
  public OpenLoopSchedule(
      long startNanos, long startEpochMillis, double ratePerSecond, long slots) {
    if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
      throw new IllegalArgumentException("rate must be a positive number, got " + ratePerSecond);
    }
    if (slots < 0) {
      throw new IllegalArgumentException("slots must be >= 0, got " + slots);
    }
    this.startNanos = startNanos;
    this.startEpochMillis = startEpochMillis;
    this.ratePerSecond = ratePerSecond;
    this.slots = slots;
  }

  /** Number of slots in a schedule of {@code durationNanos} at {@code ratePerSecond}. */
  public static long slotsFor(double ratePerSecond, long durationNanos) {
    return (long) Math.floor(ratePerSecond * durationNanos / 1e9);
  }

  /** Total number of slots. */
  public long slots() {
    return slots;
  }

  /** Offered rate in records per second. */
  public double ratePerSecond() {
    return ratePerSecond;
  }

  /** Intended send time of slot {@code k} as a {@code nanoTime} value. */
  public long intendedNanos(long k) {
    return startNanos + Math.round(k * 1e9 / ratePerSecond);
  }

  /** Intended send time of slot {@code k} in epoch milliseconds (rounded down). */
  public long intendedEpochMillis(long k) {
    return startEpochMillis + Math.floorDiv(intendedNanos(k) - startNanos, 1_000_000L);
  }

  /**
   * Number of slots due at {@code nowNanos}: slots {@code 0 .. n-1} have intended times {@code <=
   * nowNanos} (capped at {@link #slots()}).
   */
  public long dueAt(long nowNanos) {
    if (nowNanos < startNanos) {
      return 0;
    }
    long n = (long) Math.floor((nowNanos - startNanos) * ratePerSecond / 1e9) + 1;
    // Rounding in intendedNanos may put slot n-1 just after now: step back until it is due.
    while (n > 0 && intendedNanos(n - 1) > nowNanos) {
      n--;
    }
    while (n < slots && intendedNanos(n) <= nowNanos) {
      n++;
    }
    return Math.min(n, slots);
  }

  /** {@code nanoTime} at which the schedule ends (the time slot {@link #slots()} would be due). */
  public long endNanos() {
    return intendedNanos(slots);
  }
}
