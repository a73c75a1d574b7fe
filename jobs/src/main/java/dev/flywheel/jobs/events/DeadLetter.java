package dev.flywheel.jobs.events;

import java.util.Arrays;
import java.util.Objects;

/**
 * A record that broke the event contract, with why and where it came from; {@link DeadLetterJson}
 * writes it to the DLQ topic. A Flink POJO (no Kryo).
 */
public class DeadLetter {
  public DlqReason reason;

  /** Human-readable detail naming the field at fault. */
  public String detail;

  public String topic;
  public int partition;
  public long offset;

  /** Kafka timestamp of the original record (epoch ms), or -1. */
  public long timestamp;

  /** The original value bytes, cut to the DLQ bound (see {@link #originalSize}). */
  public byte[] original;

  /** Size of the original value in bytes; larger than {@code original.length} if cut. */
  public int originalSize;

  public DeadLetter() {}

  /**
   * A dead letter for {@code record}, keeping at most {@code maxOriginalBytes} of its value.
   *
   * @param record the record that failed
   * @param failure why it failed
   * @param maxOriginalBytes bound on the copied bytes, so the dead letter fits one Kafka record
   */
  public static DeadLetter of(RawRecord record, DecodeFailure failure, int maxOriginalBytes) {
    DeadLetter d = new DeadLetter();
    d.reason = failure.reason();
    d.detail = failure.detail();
    d.topic = record.topic;
    d.partition = record.partition;
    d.offset = record.offset;
    d.timestamp = record.timestamp;
    byte[] value = record.value == null ? new byte[0] : record.value;
    d.originalSize = value.length;
    d.original = Arrays.copyOf(value, Math.min(value.length, Math.max(0, maxOriginalBytes)));
    return d;
  }

  /** Whether {@link #original} holds only a prefix of the original value. */
  public boolean truncated() {
    return original != null && original.length < originalSize;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeadLetter d
        && reason == d.reason
        && Objects.equals(detail, d.detail)
        && Objects.equals(topic, d.topic)
        && partition == d.partition
        && offset == d.offset
        && timestamp == d.timestamp
        && Arrays.equals(original, d.original)
        && originalSize == d.originalSize;
  }

  @Override
  public int hashCode() {
    return Objects.hash(reason, topic, partition, offset);
  }

  @Override
  public String toString() {
    return "DeadLetter{"
        + reason
        + ": "
        + detail
        + " at "
        + topic
        + "-"
        + partition
        + "@"
        + offset
        + "}";
  }
}
