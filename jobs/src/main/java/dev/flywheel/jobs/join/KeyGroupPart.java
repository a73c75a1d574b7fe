package dev.flywheel.jobs.join;

import java.util.Arrays;

/**
 * The value of the label join's two by-key-group states: one key group's waiting entries or
 * remembered ids, in the layouts of {@link PendingJoins} and {@link RememberedOutcomes}. A
 * checkpoint writes it as a reference into a {@link FrozenJoin}, encoded when {@link
 * KeyGroupPartSerializer} first asks for its bytes; a restore reads it back as bytes. An empty
 * array means the group holds nothing.
 *
 * <p>Immutable: the frozen state it points to does not change.
 */
public final class KeyGroupPart {
  /** The bytes of a group that holds nothing. */
  static final byte[] EMPTY = new byte[0];

  private final FrozenJoin frozen;
  private final int group;
  private final boolean waiting;
  private final byte[] bytes;

  private KeyGroupPart(FrozenJoin frozen, int group, boolean waiting, byte[] bytes) {
    this.frozen = frozen;
    this.group = group;
    this.waiting = waiting;
    this.bytes = bytes;
  }

  /** Group {@code g}'s waiting entries of {@code frozen}, encoded when first asked for. */
  static KeyGroupPart waiting(FrozenJoin frozen, int g) {
    return new KeyGroupPart(frozen, g, true, null);
  }

  /** Group {@code g}'s remembered ids of {@code frozen}, encoded when first asked for. */
  static KeyGroupPart remembered(FrozenJoin frozen, int g) {
    return new KeyGroupPart(frozen, g, false, null);
  }

  /** A part read back from a checkpoint. */
  static KeyGroupPart of(byte[] bytes) {
    return new KeyGroupPart(null, -1, false, bytes);
  }

  /** Equal to a part with the same bytes (which a frozen part encodes to compare). */
  @Override
  public boolean equals(Object o) {
    return o instanceof KeyGroupPart other && Arrays.equals(bytes(), other.bytes());
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes());
  }

  /** The encoded part ({@link #EMPTY} if the group holds nothing); encodes it the first time. */
  byte[] bytes() {
    if (frozen == null) {
      return bytes;
    }
    return waiting ? frozen.waiting(group) : frozen.remembered(group);
  }
}
