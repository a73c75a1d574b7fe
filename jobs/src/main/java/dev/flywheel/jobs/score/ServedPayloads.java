package dev.flywheel.jobs.score;

import dev.flywheel.model.Model;
import dev.flywheel.model.io.ModelCodec;
import dev.flywheel.model.io.ModelFormatException;
import java.util.Arrays;

/**
 * What the scorer checkpoints for one served model: the payload of the last snapshot it applied and
 * the payloads of the deltas it applied since, in order. Decoding the snapshot and applying the
 * deltas gives the served model bit for bit ({@link ModelCodec}'s guarantee), so a restored scorer
 * serves exactly the model it served at the checkpoint.
 *
 * <p>Immutable (the arrays are never changed once received; {@link #withDelta} returns a new
 * instance), which is what makes checkpointing it cheap: Flink's copy of the broadcast state for an
 * asynchronous checkpoint is a copy of references ({@link ServedPayloadsSerializer} declares the
 * type immutable), where a {@link Model} in state had to be deep-copied (68 MiB by default) on the
 * scorer's thread at every checkpoint, then encoded again.
 */
public final class ServedPayloads {
  private static final byte[][] NO_DELTAS = new byte[0][];

  private final byte[] snapshot;
  private final byte[][] deltas;

  /**
   * @param snapshot a snapshot payload ({@link ModelCodec#writeSnapshot})
   * @param deltas delta payloads applied after it, in order
   */
  public ServedPayloads(byte[] snapshot, byte[][] deltas) {
    this.snapshot = snapshot;
    this.deltas = deltas;
  }

  /** Only a snapshot. */
  public static ServedPayloads ofSnapshot(byte[] snapshot) {
    return new ServedPayloads(snapshot, NO_DELTAS);
  }

  /** These payloads followed by {@code delta}. */
  public ServedPayloads withDelta(byte[] delta) {
    byte[][] more = Arrays.copyOf(deltas, deltas.length + 1);
    more[deltas.length] = delta;
    return new ServedPayloads(snapshot, more);
  }

  /** The snapshot payload (do not modify). */
  public byte[] snapshot() {
    return snapshot;
  }

  /** Number of deltas after the snapshot. */
  public int deltaCount() {
    return deltas.length;
  }

  /** Delta {@code i} (do not modify). */
  public byte[] delta(int i) {
    return deltas[i];
  }

  /** Bytes of all delta payloads. */
  public long deltaBytes() {
    long n = 0;
    for (byte[] d : deltas) {
      n += d.length;
    }
    return n;
  }

  /** The model these payloads describe: the snapshot decoded, then every delta applied. */
  public Model decode() throws ModelFormatException {
    Model model = ModelCodec.readSnapshot(snapshot);
    for (byte[] d : deltas) {
      ModelCodec.applyDelta(model, d);
    }
    return model;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ServedPayloads p
        && Arrays.equals(snapshot, p.snapshot)
        && Arrays.deepEquals(deltas, p.deltas);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(snapshot) + deltas.length;
  }

  @Override
  public String toString() {
    return "ServedPayloads{snapshot "
        + (snapshot == null ? 0 : snapshot.length)
        + " bytes + "
        + deltas.length
        + " deltas}";
  }
}
