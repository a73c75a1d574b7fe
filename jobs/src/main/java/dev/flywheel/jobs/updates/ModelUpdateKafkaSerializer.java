package dev.flywheel.jobs.updates;

import org.apache.kafka.common.serialization.Serializer;

/** Kafka value serializer for {@link ModelUpdate} chunks in {@link ModelUpdateFormat}. */
public final class ModelUpdateKafkaSerializer implements Serializer<ModelUpdate> {
  @Override
  public byte[] serialize(String topic, ModelUpdate update) {
    return update == null ? null : ModelUpdateFormat.write(update);
  }
}
