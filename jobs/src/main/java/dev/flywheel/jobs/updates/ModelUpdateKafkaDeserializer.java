package dev.flywheel.jobs.updates;

import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka value deserializer for {@link ModelUpdate} chunks. It never throws: a record that is not a
 * valid chunk deserializes to {@code null} (and is counted), so one bad record cannot stall a
 * consumer.
 */
public final class ModelUpdateKafkaDeserializer implements Deserializer<ModelUpdate> {
  private long malformed;

  @Override
  public ModelUpdate deserialize(String topic, byte[] data) {
    try {
      return ModelUpdateFormat.read(data);
    } catch (IllegalArgumentException e) {
      malformed++;
      return null;
    }
  }

  /** Records that were not valid chunks. */
  public long malformed() {
    return malformed;
  }
}
