package dev.flywheel.jobs.updates;

import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.serialization.SerializationSchema;

/**
 * Flink serialization schemas of the {@code model-updates} topic: key = model id (UTF-8), value =
 * one chunk in {@link ModelUpdateFormat}. Named classes, not lambdas, so Flink can infer their
 * types (the Kafka sink's lineage reporting needs them).
 */
public final class ModelUpdateSchemas {
  private ModelUpdateSchemas() {}

  /** The record key: the model id, so every chunk of a model lands in one partition, in order. */
  public static final class Key implements SerializationSchema<ModelUpdate> {
    private static final long serialVersionUID = 1L;

    @Override
    public byte[] serialize(ModelUpdate update) {
      return update.modelId.getBytes(StandardCharsets.UTF_8);
    }
  }

  /** The record value: the chunk in {@link ModelUpdateFormat}. */
  public static final class Value implements SerializationSchema<ModelUpdate> {
    private static final long serialVersionUID = 1L;

    @Override
    public byte[] serialize(ModelUpdate update) {
      return ModelUpdateFormat.write(update);
    }
  }
}
