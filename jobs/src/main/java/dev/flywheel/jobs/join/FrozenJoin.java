package dev.flywheel.jobs.join;

import java.util.function.IntUnaryOperator;

/**
 * The label join's state at one checkpoint, frozen on the task thread and encoded by key group the
 * first time the state backend serializes one of its {@link KeyGroupPart}s: with heap state, in the
 * checkpoint's asynchronous part, on the backend's thread.
 *
 * <p>Why: encoding on the task thread (session 8) held the join for 0.4–0.8 s at every checkpoint
 * at 55,000 events/s (26 MB per subtask, mostly the remembered ids); its input filled up and
 * backpressure stopped the source, the scorer's input too. Freezing copies references and the
 * rings' arrays only (docs/join.md, "Checkpoints").
 *
 * <p>Encoding is synchronized and done once; a second serialization (a savepoint before the next
 * checkpoint replaces the values, say) writes the same bytes.
 */
final class FrozenJoin {
  private PendingJoins.Frozen pending;
  private RememberedOutcomes.Frozen remembered;
  private final IntUnaryOperator groupOfKeyHash;
  private final int groups;
  private byte[][] waitingBytes;
  private byte[][] rememberedBytes;

  /**
   * @param pending the waiting entries
   * @param remembered the remembered ids
   * @param groupOfKeyHash an impression id's key group from its {@link String#hashCode()}, counted
   *     from the first of this subtask's
   * @param groups how many key groups this subtask has
   */
  FrozenJoin(
      PendingJoins.Frozen pending,
      RememberedOutcomes.Frozen remembered,
      IntUnaryOperator groupOfKeyHash,
      int groups) {
    this.pending = pending;
    this.remembered = remembered;
    this.groupOfKeyHash = groupOfKeyHash;
    this.groups = groups;
  }

  /** Group {@code g}'s waiting entries ({@link PendingJoins}' layout), or an empty array. */
  synchronized byte[] waiting(int g) {
    if (waitingBytes == null) {
      waitingBytes = pending.encodeByGroup(groupOfKeyHash, groups);
      pending = null; // the encoded bytes replace the references
    }
    return orEmpty(waitingBytes[g]);
  }

  /** Group {@code g}'s remembered ids ({@link RememberedOutcomes}' layout), or an empty array. */
  synchronized byte[] remembered(int g) {
    if (rememberedBytes == null) {
      rememberedBytes = remembered.encodeByGroup(groupOfKeyHash, groups);
      remembered = null;
    }
    return orEmpty(rememberedBytes[g]);
  }

  private static byte[] orEmpty(byte[] bytes) {
    return bytes != null ? bytes : KeyGroupPart.EMPTY;
  }
}
