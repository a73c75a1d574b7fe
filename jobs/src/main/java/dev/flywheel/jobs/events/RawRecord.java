package dev.flywheel.jobs.events;

import java.util.Arrays;
import java.util.Objects;

/**
 * A Kafka record as read, before decoding: the value bytes and where they came from, so a record
 * that fails to decode can go to the DLQ with its origin. A Flink POJO (no Kryo).
 */
public class RawRecord {
  /** The record value; empty (never null) for a record with a null value. */
  public byte[] value;

  public String topic;
  public int partition;
  public long offset;

  /** The Kafka record timestamp (epoch ms), or -1 if it has none. */
  public long timestamp;

  public RawRecord() {}

  public RawRecord(byte[] value, String topic, int partition, long offset, long timestamp) {
    this.value = value;
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
    this.timestamp = timestamp;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RawRecord r
        && Arrays.equals(value, r.value)
        && Objects.equals(topic, r.topic)
        && partition == r.partition
        && offset == r.offset
        && timestamp == r.timestamp;
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(value), topic, partition, offset, timestamp);
  }

  @Override
  public String toString() {
    return "RawRecord{"
        + topic
        + "-"
        + partition
        + "@"
        + offset
        + ", "
        + (value == null ? 0 : value.length)
        + " bytes}";
  }
}
