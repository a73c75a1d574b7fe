package dev.flywheel.deploy.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Produce and consume helpers for tests against any broker; every wait has a deadline. */
public final class KafkaTestClients {
  private KafkaTestClients() {}

  /** Produces {@code records} (key, value) to {@code topic} with acks=all, and waits for all. */
  public static void produce(
      String bootstrapServers, String topic, List<Map.Entry<byte[], byte[]>> records) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
      List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
      for (Map.Entry<byte[], byte[]> record : records) {
        sent.add(producer.send(new ProducerRecord<>(topic, record.getKey(), record.getValue())));
      }
      producer.flush();
      for (Future<RecordMetadata> result : sent) {
        result.get(60, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while producing to " + topic, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("could not produce to " + topic + ": " + e, e);
    }
  }

  /**
   * Consumes {@code topic} from the beginning until {@code expected} records have arrived.
   *
   * @param readCommitted read with {@code isolation.level=read_committed}
   * @throws AssertionError naming how many arrived if fewer than {@code expected} arrive within
   *     {@code timeout}
   */
  public static List<ConsumerRecord<byte[], byte[]>> consume(
      String bootstrapServers,
      String topic,
      int expected,
      Duration timeout,
      boolean readCommitted) {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>(expected);
    long deadline = System.nanoTime() + timeout.toNanos();
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrapServers, readCommitted)) {
      assignAll(consumer, topic);
      while (records.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    if (records.size() < expected) {
      throw new AssertionError(
          "expected "
              + expected
              + " records from topic "
              + topic
              + " within "
              + timeout
              + ", but only "
              + records.size()
              + " arrived");
    }
    return records;
  }

  /**
   * Consumes everything {@code topic} holds now: from the beginning to the end offsets (the last
   * stable offsets when {@code readCommitted}), whatever their count.
   *
   * @throws AssertionError if the end is not reached within {@code timeout}
   */
  public static List<ConsumerRecord<byte[], byte[]>> consumeAll(
      String bootstrapServers, String topic, Duration timeout, boolean readCommitted) {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrapServers, readCommitted)) {
      List<TopicPartition> partitions = assignAll(consumer, topic);
      Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
      while (!reached(consumer, end)) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError(
              "could not read topic "
                  + topic
                  + " to its end offsets "
                  + end
                  + " within "
                  + timeout
                  + "; "
                  + records.size()
                  + " records arrived");
        }
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }

  private static boolean reached(
      KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  private static KafkaConsumer<byte[], byte[]> consumer(
      String bootstrapServers, boolean readCommitted) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(
        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
        readCommitted ? "read_committed" : "read_uncommitted");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    return new KafkaConsumer<>(props);
  }

  private static List<TopicPartition> assignAll(
      KafkaConsumer<byte[], byte[]> consumer, String topic) {
    List<TopicPartition> partitions = new ArrayList<>();
    for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
      partitions.add(new TopicPartition(topic, info.partition()));
    }
    if (partitions.isEmpty()) {
      throw new AssertionError("topic " + topic + " has no partitions (does it exist?)");
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    return partitions;
  }
}
