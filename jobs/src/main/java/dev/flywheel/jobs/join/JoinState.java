package dev.flywheel.jobs.join;

import dev.flywheel.jobs.events.Event;

/**
 * Per-impression-id state of the {@link LabelJoinFunction}: one of four phases, the held impression
 * or early click, and the one event-time timer registered for the key. A Flink POJO (no Kryo);
 * phases are stable integer codes, never enum ordinals.
 */
public class JoinState {
  /** An impression waits for a click until its attribution window ends. */
  public static final int WAITING_FOR_CLICK = 1;

  /** A click came first and waits (bounded) for its impression. */
  public static final int WAITING_FOR_IMPRESSION = 2;

  /** Labelled positive; remembered to swallow duplicates until the allowance ends. */
  public static final int RESOLVED_POSITIVE = 3;

  /** Labelled negative; remembered to recognise late clicks until the allowance ends. */
  public static final int RESOLVED_NEGATIVE = 4;

  public int phase;

  /** The held impression while {@link #WAITING_FOR_CLICK}, else null. */
  public Event impression;

  /** The held click while {@link #WAITING_FOR_IMPRESSION}, else null. */
  public Event click;

  /** Event time of the impression (kept after resolution, when the impression is dropped). */
  public long impressionTs;

  /** The event-time timer registered for this key (exactly one while state exists). */
  public long timer;

  public JoinState() {}
}
