package dev.flywheel.jobs.events;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Kafka source deserializer that never throws: it only wraps the value bytes and the record's
 * origin into a {@link RawRecord}. Parsing and validation happen in {@link DecodeFunction}, where a
 * bad record goes to the DLQ instead of failing (and restart-looping) the job.
 */
public final class RawRecordDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {
  private static final long serialVersionUID = 1L;
  private static final byte[] EMPTY = new byte[0];

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRecord> out) {
    byte[] value = record.value();
    out.collect(
        new RawRecord(
            value == null ? EMPTY : value,
            record.topic(),
            record.partition(),
            record.offset(),
            record.timestamp()));
  }

  @Override
  public TypeInformation<RawRecord> getProducedType() {
    return TypeInformation.of(RawRecord.class);
  }
}
