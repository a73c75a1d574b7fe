package dev.flywheel.deploy.testing;

import dev.flywheel.deploy.LocalKafka;
import dev.flywheel.deploy.TopicSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
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
import java.util.concurrent.atomic.AtomicInteger;
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
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Kafka broker ({@link LocalKafka}, a child JVM) for tests, with helpers to create topics,
 * produce, and consume with a deadline.
 *
 * <p>Register it as a static field: {@code @RegisterExtension static final LocalKafkaExtension
 * KAFKA = new LocalKafkaExtension();}. One broker is started for the whole test run, on free ports
 * with its state under {@code target/kafka-test-<pid>}, and stopped by JUnit when the run ends;
 * every test class shares it, so tests create their own topics with {@link #createTopic(String,
 * int)}, which makes each name unique.
 */
public final class LocalKafkaExtension implements BeforeAllCallback {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(LocalKafkaExtension.class);
  private static final AtomicInteger TOPIC_COUNTER = new AtomicInteger();

  private LocalKafka kafka;

  @Override
  public void beforeAll(ExtensionContext context) {
    kafka =
        context
            .getRoot()
            .getStore(NAMESPACE)
            .getOrComputeIfAbsent(SharedBroker.class, key -> new SharedBroker(), SharedBroker.class)
            .kafka;
  }

  /** The broker; only after {@code beforeAll}. */
  public LocalKafka broker() {
    if (kafka == null) {
      throw new IllegalStateException(
          "the broker is not started: register LocalKafkaExtension as a static @RegisterExtension");
    }
    return kafka;
  }

  /** {@code host:port} of the broker. */
  public String bootstrapServers() {
    return broker().bootstrapServers();
  }

  /** Creates a topic named {@code prefix-N} (unique in this run) and returns its name. */
  public String createTopic(String prefix, int partitions) {
    String name = prefix + "-" + TOPIC_COUNTER.incrementAndGet();
    broker().createTopics(List.of(TopicSpec.of(name, partitions)));
    return name;
  }

  /** Produces {@code records} (key, value) to {@code topic} with acks=all, and waits for all. */
  public void produce(String topic, List<Map.Entry<byte[], byte[]>> records) {
    Properties props = broker().clientProperties();
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
  public List<ConsumerRecord<byte[], byte[]>> consume(
      String topic, int expected, Duration timeout, boolean readCommitted) {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>(expected);
    long deadline = System.nanoTime() + timeout.toNanos();
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(readCommitted)) {
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
  public List<ConsumerRecord<byte[], byte[]>> consumeAll(
      String topic, Duration timeout, boolean readCommitted) {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(readCommitted)) {
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

  private KafkaConsumer<byte[], byte[]> consumer(boolean readCommitted) {
    Properties props = broker().clientProperties();
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

  /** A free TCP port on localhost (free when this returns; a race is possible but rare). */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A directory for test state under {@code target/}, unique to this JVM. */
  public static Path testStateDir(String name) {
    try {
      Path dir = Path.of("target", name + "-" + ProcessHandle.current().pid()).toAbsolutePath();
      Files.createDirectories(dir);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The broker shared by the whole run; JUnit closes it when the root context closes. */
  private static final class SharedBroker implements AutoCloseable {
    final LocalKafka kafka;

    SharedBroker() {
      kafka =
          LocalKafka.builder(testStateDir("kafka-test"))
              .port(freePort())
              .controllerPort(freePort())
              .maxHeap("512m")
              .start();
      System.out.printf(
          "LocalKafka for tests on %s, started in %d ms (log: %s)%n",
          kafka.bootstrapServers(), kafka.startupTime().toMillis(), kafka.logFile());
    }

    @Override
    public void close() {
      kafka.close();
    }
  }
}
