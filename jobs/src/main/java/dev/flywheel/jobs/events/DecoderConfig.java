package dev.flywheel.jobs.events;

import java.io.Serializable;
import java.util.List;

/**
 * What an {@link EventDecoder} needs, taken from the job settings: the hashing configuration, the
 * bounds of an event, and the label rule.
 *
 * @param hashBits features hash into {@code 2^hashBits} buckets
 * @param seed the hash seed
 * @param maxRecordBytes a larger record is rejected as {@link DlqReason#TOO_LARGE}
 * @param maxFeatures most features in one event (all candidates of a request included)
 * @param maxCandidates most candidates in one request
 * @param binaryLabels whether labels must be 0 or 1 (log loss) rather than any finite number
 * @param crosses feature crosses the decoder adds (unmodifiable; empty for none)
 */
public record DecoderConfig(
    int hashBits,
    int seed,
    int maxRecordBytes,
    int maxFeatures,
    int maxCandidates,
    boolean binaryLabels,
    List<FeatureCross> crosses)
    implements Serializable {

  /** A configuration without feature crosses. */
  public DecoderConfig(
      int hashBits,
      int seed,
      int maxRecordBytes,
      int maxFeatures,
      int maxCandidates,
      boolean binaryLabels) {
    this(hashBits, seed, maxRecordBytes, maxFeatures, maxCandidates, binaryLabels, List.of());
  }

  public DecoderConfig {
    crosses = List.copyOf(crosses);
    if (maxRecordBytes < 1 || maxFeatures < 1 || maxCandidates < 1) {
      throw new IllegalArgumentException(
          "decoder bounds must be positive, got maxRecordBytes="
              + maxRecordBytes
              + ", maxFeatures="
              + maxFeatures
              + ", maxCandidates="
              + maxCandidates);
    }
  }
}
