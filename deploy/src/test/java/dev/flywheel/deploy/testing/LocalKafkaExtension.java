package dev.flywheel.deploy.testing;

import dev.flywheel.deploy.LocalKafka;
import dev.flywheel.deploy.TopicSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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

  /**
   * JVM options of test brokers: C1 only. Measured on a loaded 2-core machine, it cut the broker's
   * start from 24-33 s to 11-20 s and its start-up CPU by ~40%; fine for tests, not for benchmarks.
   */
  public static final List<String> TEST_BROKER_JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1");

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

  /** Produces {@code records} (key, value) to {@code topic}; see {@link KafkaTestClients}. */
  public void produce(String topic, List<Map.Entry<byte[], byte[]>> records) {
    KafkaTestClients.produce(bootstrapServers(), topic, records);
  }

  /** Consumes {@code expected} records; see {@link KafkaTestClients#consume}. */
  public List<ConsumerRecord<byte[], byte[]>> consume(
      String topic, int expected, Duration timeout, boolean readCommitted) {
    return KafkaTestClients.consume(bootstrapServers(), topic, expected, timeout, readCommitted);
  }

  /** Consumes to the end offsets; see {@link KafkaTestClients#consumeAll}. */
  public List<ConsumerRecord<byte[], byte[]>> consumeAll(
      String topic, Duration timeout, boolean readCommitted) {
    return KafkaTestClients.consumeAll(bootstrapServers(), topic, timeout, readCommitted);
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
              // Generous: on a 2-core machine shared with other builds a start took up to 54 s.
              .startTimeout(Duration.ofMinutes(3))
              .jvmOptions(TEST_BROKER_JVM_OPTIONS)
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
