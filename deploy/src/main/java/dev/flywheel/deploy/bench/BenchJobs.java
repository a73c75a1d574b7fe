package dev.flywheel.deploy.bench;

import dev.flywheel.jobs.FlywheelJob;
import dev.flywheel.jobs.config.JobSettings;
import dev.flywheel.jobs.events.DeadLetter;
import dev.flywheel.jobs.events.DeadLetterJson;
import dev.flywheel.jobs.events.Prediction;
import dev.flywheel.jobs.events.PredictionJson;
import dev.flywheel.jobs.events.RawRecord;
import dev.flywheel.jobs.events.RawRecordDeserializer;
import dev.flywheel.jobs.updates.ModelUpdate;
import dev.flywheel.jobs.updates.ModelUpdateSchemas;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The pipeline job as the benchmark runs it: {@link FlywheelJob#build} between a Kafka source that
 * can be bounded (stops at the end offsets the topic had when the job started) and the same three
 * Kafka sinks, uids and delivery options as {@link FlywheelJob#addKafkaPipeline}, which has no
 * bounded mode.
 */
final class BenchJobs {
  private BenchJobs() {}

  /** Adds source → pipeline → sinks to {@code env}. */
  static FlywheelJob.Outputs addPipeline(
      StreamExecutionEnvironment env, JobSettings settings, boolean bounded) {
    var builder =
        KafkaSource.<RawRecord>builder()
            .setProperties(settings.kafkaClientProperties())
            .setBootstrapServers(settings.bootstrapServers())
            .setGroupId(settings.groupId())
            .setTopics(settings.eventsTopic())
            .setStartingOffsets(settings.startingOffsetsInitializer())
            .setDeserializer(new RawRecordDeserializer());
    if (bounded) {
      builder.setBounded(OffsetsInitializer.latest());
    }
    DataStream<RawRecord> raw =
        env.fromSource(builder.build(), WatermarkStrategy.noWatermarks(), "events")
            .uid(FlywheelJob.UID_SOURCE)
            .name("events source");
    FlywheelJob.Outputs out = FlywheelJob.build(raw, settings);
    out.predictions()
        .sinkTo(
            sink(
                settings,
                "predictions",
                KafkaRecordSerializationSchema.<Prediction>builder()
                    .setTopic(settings.predictionsTopic())
                    .setKeySerializationSchema(PredictionJson.keySchema())
                    .setValueSerializationSchema(new PredictionJson())
                    .build()))
        .uid(FlywheelJob.UID_PREDICTIONS_SINK)
        .name("predictions sink");
    out.modelUpdates()
        .sinkTo(
            sink(
                settings,
                "model-updates",
                KafkaRecordSerializationSchema.<ModelUpdate>builder()
                    .setTopic(settings.modelUpdatesTopic())
                    .setKeySerializationSchema(new ModelUpdateSchemas.Key())
                    .setValueSerializationSchema(new ModelUpdateSchemas.Value())
                    .build()))
        .uid(FlywheelJob.UID_MODEL_UPDATES_SINK)
        .name("model updates sink");
    out.deadLetters()
        .sinkTo(
            sink(
                settings,
                "dlq",
                KafkaRecordSerializationSchema.<DeadLetter>builder()
                    .setTopic(settings.dlqTopic())
                    .setValueSerializationSchema(new DeadLetterJson())
                    .build()))
        .uid(FlywheelJob.UID_DLQ_SINK)
        .name("dead letter sink");
    return out;
  }

  private static <T> KafkaSink<T> sink(
      JobSettings settings, String name, KafkaRecordSerializationSchema<T> schema) {
    Properties producer = settings.kafkaClientProperties();
    producer.setProperty(
        "transaction.timeout.ms", Long.toString(settings.transactionTimeout().toMillis()));
    return KafkaSink.<T>builder()
        .setBootstrapServers(settings.bootstrapServers())
        .setKafkaProducerConfig(producer)
        .setRecordSerializer(schema)
        .setDeliveryGuarantee(settings.deliveryGuarantee())
        .setTransactionalIdPrefix(settings.transactionalIdPrefix() + "-" + name)
        .build();
  }
}
