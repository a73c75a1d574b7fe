package dev.flywheel.jobs.join;

import dev.flywheel.jobs.events.Event;
import java.util.Arrays;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * Per-impression-id keyed state of the label join's earlier version: one of four phases, the held
 * impression (as bytes) or early click, and the one event-time timer registered for the key. {@link
 * LabelJoinOperator} reads it from such checkpoints only, and its phase codes. Serialized by {@link
 * JoinStateSerializer} (through {@code @TypeInfo}; no reflection, no Kryo); phases are stable
 * integer codes, never enum ordinals.
 */
@TypeInfo(JoinStateSerializer.Factory.class)
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

  /**
   * The held impression while {@link #WAITING_FOR_CLICK}, else null: its bytes in {@link
   * dev.flywheel.jobs.events.EventSerializer}'s layout ({@link JoinStateSerializer#encode}), one
   * array instead of an event's dozen objects, because held impressions are most of what survives a
   * young collection. Never modified once set (copies share it).
   */
  public byte[] impression;

  /** The held click while {@link #WAITING_FOR_IMPRESSION}, else null. */
  public Event click;

  /** Event time of the impression (kept after resolution, when the impression is dropped). */
  public long impressionTs;

  /** The event-time timer registered for this key (exactly one while state exists). */
  public long timer;

  public JoinState() {}

  @Override
  public boolean equals(Object o) {
    return o instanceof JoinState s
        && phase == s.phase
        && Arrays.equals(impression, s.impression)
        && Objects.equals(click, s.click)
        && impressionTs == s.impressionTs
        && timer == s.timer;
  }

  @Override
  public int hashCode() {
    return Objects.hash(phase, Arrays.hashCode(impression), click, impressionTs, timer);
  }
}
